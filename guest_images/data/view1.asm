; Page contents for the EPTP-switching example: what view 1 shows at 200000H.
        db "EPT view 1: the alternate page", 0
