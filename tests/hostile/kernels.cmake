# Hostile kernels against what issue 17 added (docs/external-guests.md):
# string I/O from and to memory the guest does not have, a string write to
# the reset control, and the devices (fw_cfg, the exit port) used by guests
# that did not declare them. Each is stopped with a reason naming what it
# touched, next to an honest kernel that exits with its code. 512 MiB: the
# guests together need more than Bochs's default 256.
hostile_test(kernel_abuse 180 $<TARGET_FILE:configgen> run ${CMAKE_CURRENT_LIST_DIR}/profiles/kernel-abuse.yaml --cpus 2 --memory 512M --quiet
  --keep ${CMAKE_BINARY_DIR}/tests/hostile/kernel-abuse)
