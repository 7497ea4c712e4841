; Page contents for the EPTP-switching example: what view 0 shows at 200000H.
        db "EPT view 0: the guest's own page", 0
