# Emulator tests: real appliances booted in Bochs (VMX) and QEMU (boot paths,
# no VMX). Verdicts come from the serial log (configgen run), never from the
# emulator's exit status alone. Label "emulator"; `ctest -LE emulator` skips them.
set(CONFIGGEN $<TARGET_FILE:configgen>)
set(EMU_DIR ${CMAKE_BINARY_DIR}/tests/emulator)
file(MAKE_DIRECTORY ${EMU_DIR})

function(emulator_test name timeout)
  add_test(NAME ${name} COMMAND ${ARGN})
  set_tests_properties(${name} PROPERTIES LABELS emulator TIMEOUT ${timeout})
endfunction()

# Runs use Bochs 3.0 (built into the build tree by `make deps`; configgen run
# finds it). The second leg, label "bochs27", boots the same profiles on
# Debian's Bochs 2.7 so that behaviour resting on one emulator's quirks shows
# up (docs/emulators.md). `bochs27_twin(name ...)` adds `bochs27_NAME` for a
# `configgen run` command line; `ctest -L bochs27` runs that leg alone.
find_program(BOCHS27 bochs PATHS /usr/bin NO_DEFAULT_PATH)
function(bochs27_twin name timeout)
  if(NOT BOCHS27)
    return()
  endif()
  # Its own work directory: the two legs run concurrently.
  set(args)
  set(after_keep FALSE)
  foreach(a ${ARGN})
    if(after_keep)
      set(a "${a}-bochs27")
    endif()
    set(after_keep FALSE)
    if(a STREQUAL "--keep")
      set(after_keep TRUE)
    endif()
    list(APPEND args "${a}")
  endforeach()
  add_test(NAME bochs27_${name} COMMAND ${args} --bochs ${BOCHS27})
  set_tests_properties(bochs27_${name} PROPERTIES LABELS "emulator;bochs27" TIMEOUT ${timeout})
endfunction()
function(emulator_test_both_legs name timeout)
  emulator_test(${name} ${timeout} ${ARGN})
  bochs27_twin(${name} ${timeout} ${ARGN})
endfunction()

# The demo, as `make demo` runs it, and the other ways to boot it.
emulator_test(emu_demo_bochs_cdrom 180 ${CONFIGGEN} run ${CMAKE_SOURCE_DIR}/profiles/demo.yaml --cpus 2 --quiet --keep ${EMU_DIR}/demo-cdrom)
emulator_test(emu_demo_bochs_netboot 180 ${CONFIGGEN} run ${CMAKE_SOURCE_DIR}/profiles/demo.yaml --boot net --cpus 2 --quiet --keep ${EMU_DIR}/demo-net)

# Issue 14 item 5: the installed tree, relocated to a temporary prefix and
# run from elsewhere (check, compile, image, a Bochs run), never reaching back
# into the build or source tree.
emulator_test(emu_installed_tree 300 sh ${CMAKE_CURRENT_SOURCE_DIR}/emulator/installed_tree_test.sh
  ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR} ${CMAKE_INSTALL_LIBDIR} ${CMAKE_INSTALL_DATADIR} ${CMAKE_BINARY_DIR}/bochs3/bin/bochs)

# Issue 4: isolation (EPT violation, triple fault, watchdog next to a guest that finishes) and SMP with every mode.
emulator_test_both_legs(emu_isolation 180 ${CONFIGGEN} run ${CMAKE_SOURCE_DIR}/tests/emulator/profiles/isolation.yaml --cpus 1 --quiet --keep ${EMU_DIR}/isolation)
emulator_test(emu_smp_modes 300 ${CONFIGGEN} run ${CMAKE_SOURCE_DIR}/tests/emulator/profiles/smp-modes.yaml --cpus 4 --timeout 240 --quiet --keep ${EMU_DIR}/smp-modes)

# A compiled demo blob shared by the blob-level tests below.
add_test(NAME emu_fixture_demo_blob COMMAND ${CONFIGGEN} compile ${CMAKE_SOURCE_DIR}/profiles/demo.yaml -o ${EMU_DIR}/demo.blob)
set_tests_properties(emu_fixture_demo_blob PROPERTIES FIXTURES_SETUP demo_blob LABELS emulator)

# A damaged blob is refused by the hypervisor with the reason.
emulator_test(emu_blob_truncated 120 ${CONFIGGEN} run ${EMU_DIR}/demo.blob --corrupt truncate --expect-fail
  --expect-line "vmm: blob refused: total size in header differs" --quiet --keep ${EMU_DIR}/truncated)
emulator_test(emu_blob_flipped 120 ${CONFIGGEN} run ${EMU_DIR}/demo.blob --corrupt flip:700 --expect-fail
  --expect-line "vmm: blob refused: CRC32C mismatch" --quiet --keep ${EMU_DIR}/flipped)
# Bochs's term display fills a pty that configgen run must drain: 100 screens of GRUB text
# before the appliance boots would block an undrained Bochs forever.
emulator_test(emu_bochs_screen_flood 150 ${CONFIGGEN} run ${EMU_DIR}/demo.blob --grub-prelude ${CMAKE_CURRENT_LIST_DIR}/screen-flood.grub
  --timeout 120 --expect-line "guest demo ended: halted" --quiet --keep ${EMU_DIR}/screen-flood)
set_tests_properties(emu_bochs_screen_flood PROPERTIES FIXTURES_REQUIRED demo_blob)
# A guest that never exits: the time limit stops Bochs (SIGINT) and the run reports a timeout
# (exit status 124 without --expect-timeout) instead of hanging the suite.
emulator_test(emu_timeout_reported 60 ${CONFIGGEN} run ${CMAKE_CURRENT_LIST_DIR}/profiles/hang.yaml --cpus 1 --timeout 6
  --expect-timeout --quiet --keep ${EMU_DIR}/timeout)
set_tests_properties(emu_timeout_reported PROPERTIES PASS_REGULAR_EXPRESSION "TIMEOUT after 6s in bochs [0-9.]+. last lines:.*guest spin\\| spinning forever.*negative check PASSED")
# `configgen image --iso` builds an appliance that boots on its own: the ISO, given to `run` as it is.
add_test(NAME emu_fixture_demo_iso COMMAND ${CONFIGGEN} image ${CMAKE_SOURCE_DIR}/profiles/demo.yaml --iso ${EMU_DIR}/demo.iso --cmdline exit=bochs)
set_tests_properties(emu_fixture_demo_iso PROPERTIES FIXTURES_SETUP demo_iso LABELS emulator)
emulator_test(emu_image_iso_bochs 120 ${CONFIGGEN} run ${EMU_DIR}/demo.iso --cpus 2
  --expect-line "guest demo\\| hello from a protected-mode guest" --expect-line "guest demo ended: halted" --quiet --keep ${EMU_DIR}/image-iso)
set_tests_properties(emu_image_iso_bochs PROPERTIES FIXTURES_REQUIRED demo_iso)
# QEMU has no VMX: every CPU says so and the run ends as a failure, not a hang.
emulator_test(emu_qemu_no_vmx_kernel 60 ${CONFIGGEN} run ${EMU_DIR}/demo.blob --emulator qemu --boot kernel --cpus 2 --expect-fail
  --expect-line "\\[cpu0\\] vmm: VMX unavailable: CPUID.1:ECX.VMX" --expect-line "\\[cpu1\\] vmm: VMX unavailable" --quiet --keep ${EMU_DIR}/qemu-kernel)
emulator_test(emu_qemu_no_vmx_cdrom 60 ${CONFIGGEN} run ${EMU_DIR}/demo.blob --emulator qemu --boot cdrom --cpus 2 --expect-fail
  --expect-line "vmm: VMX unavailable" --quiet --keep ${EMU_DIR}/qemu-cdrom)
emulator_test(emu_qemu_no_vmx_netboot 90 ${CONFIGGEN} run ${EMU_DIR}/demo.blob --emulator qemu --boot net --cpus 1 --expect-fail
  --expect-line "vmm: VMX unavailable" --quiet --keep ${EMU_DIR}/qemu-net)
# UEFI (issue 15): the same ISO boots under OVMF, where GRUB's x86_64-efi hands over by multiboot2 (no BIOS area:
# the ACPI RSDP comes from the loader's tag). Every CPU reaches the VMX report; 4 CPUs so the MADT walk and the
# APs' start are exercised past one AP.
emulator_test(emu_qemu_uefi_iso 150 ${CONFIGGEN} run ${EMU_DIR}/demo.blob --emulator qemu --firmware uefi --cpus 4 --timeout 120
  --expect-fail --expect-line "vmm: multiboot2 loader: 1 module.s., [0-9]+ RAM range.s., ACPI 2.0 RSDP given"
  --expect-line "vmm: ACPI RSDP from the loader" --expect-line "vmm: 4 CPU.s. online"
  --expect-line "\\[cpu0\\] vmm: VMX unavailable: CPUID.1:ECX.VMX" --expect-line "\\[cpu1\\] vmm: VMX unavailable"
  --expect-line "\\[cpu2\\] vmm: VMX unavailable" --expect-line "\\[cpu3\\] vmm: VMX unavailable" --quiet --keep ${EMU_DIR}/qemu-uefi-iso)
set_tests_properties(emu_qemu_uefi_iso PROPERTIES FIXTURES_REQUIRED demo_blob)
# Many CPUs (issue 15 item 2): per-CPU blocks and stacks sized from the MADT, not a fixed array. 64 CPUs and 8 GiB
# under OVMF, and 64 under SeaBIOS: every CPU starts and reaches the VMX report, the last one included.
emulator_test(emu_qemu_uefi_64_cpus 300 ${CONFIGGEN} run ${EMU_DIR}/demo.blob --emulator qemu --firmware uefi --cpus 64 --memory 8G
  --timeout 240 --expect-fail --expect-line "vmm: 64 CPU.s. online .MADT lists 64."
  --expect-line "\\[cpu0\\] vmm: VMX unavailable: CPUID.1:ECX.VMX" --expect-line "\\[cpu63\\] vmm: VMX unavailable"
  --expect-line "vmm: memory above 4 GiB: 5120 MiB of RAM handed out, identity-mapped to 0x240000000 with 2-MByte pages, its highest page 0x23ffff000 written and read back"
  --quiet --keep ${EMU_DIR}/qemu-uefi-64)
# Memory above 4 GiB with 1-GByte pages (issue 15 item 2): the BIOS path, a CPU model with pdpe1gb.
emulator_test(emu_qemu_bios_high_memory_1g_pages 180 ${CONFIGGEN} run ${EMU_DIR}/demo.blob --emulator qemu --cpus 2 --memory 6G
  --qemu-cpu qemu64,+pdpe1gb --timeout 120 --expect-fail
  --expect-line "vmm: memory above 4 GiB: [0-9]+ MiB of RAM handed out, identity-mapped to 0x[0-9a-f]+ with 1-GByte pages, its highest page 0x[0-9a-f]+ written and read back"
  --expect-line "\\[cpu1\\] vmm: VMX unavailable" --quiet --keep ${EMU_DIR}/qemu-bios-high-memory)
set_tests_properties(emu_qemu_bios_high_memory_1g_pages PROPERTIES FIXTURES_REQUIRED demo_blob)
set_tests_properties(emu_qemu_uefi_64_cpus PROPERTIES FIXTURES_REQUIRED demo_blob)
emulator_test(emu_qemu_uefi_netboot_64_cpus 300 ${CONFIGGEN} run ${EMU_DIR}/demo.blob --emulator qemu --firmware uefi --boot net
  --cpus 64 --memory 8G --timeout 240 --expect-fail --expect-line "vmm: 64 CPU.s. online .MADT lists 64."
  --expect-line "\\[cpu63\\] vmm: VMX unavailable" --quiet --keep ${EMU_DIR}/qemu-uefi-netboot-64)
set_tests_properties(emu_qemu_uefi_netboot_64_cpus PROPERTIES FIXTURES_REQUIRED demo_blob)
emulator_test(emu_qemu_bios_64_cpus 180 ${CONFIGGEN} run ${EMU_DIR}/demo.blob --emulator qemu --cpus 64 --timeout 120
  --expect-fail --expect-line "vmm: 64 CPU.s. online .MADT lists 64." --expect-line "\\[cpu63\\] vmm: VMX unavailable"
  --quiet --keep ${EMU_DIR}/qemu-bios-64)
set_tests_properties(emu_qemu_bios_64_cpus PROPERTIES FIXTURES_REQUIRED demo_blob)
# x2APIC mode (issue 15 item 2): Bochs's CPU has it; with `x2apic` on the command line the BSP switches to it,
# the APs follow, find their IDs with CPUID leaf 0BH, and the INIT-SIPI goes through the x2APIC ICR.
emulator_test(emu_x2apic_smp 180 ${CONFIGGEN} run ${CMAKE_SOURCE_DIR}/profiles/demo.yaml --cpus 4 --cmdline x2apic
  --expect-line "vmm: local APICs in x2APIC mode .the command line asks." --expect-line "vmm: 4 CPU.s. online .MADT lists 4."
  --quiet --keep ${EMU_DIR}/x2apic-smp)
# As many CPUs as Bochs 3.0 runs (15), in x2APIC mode, a guest through VMX on every one.
emulator_test(emu_x2apic_15_cpus 240 ${CONFIGGEN} run ${CMAKE_CURRENT_LIST_DIR}/profiles/x2apic-15-cpus.yaml --cmdline x2apic
  --expect-line "vmm: local APICs in x2APIC mode .the command line asks." --expect-line "vmm: 15 CPU.s. online .MADT lists 15."
  --quiet --keep ${EMU_DIR}/x2apic-15-cpus)
# The netboot tree under UEFI: OVMF's own PXE client (a NIC without iPXE ROM) loads GRUB's UEFI netboot image,
# which loads the hypervisor by multiboot2 over TFTP.
emulator_test(emu_qemu_uefi_netboot 150 ${CONFIGGEN} run ${EMU_DIR}/demo.blob --emulator qemu --firmware uefi --boot net --cpus 2
  --timeout 120 --expect-fail --expect-line "vmm: starting .multiboot magic 0x36d76289."
  --expect-line "vmm: ACPI RSDP from the loader" --expect-line "vmm: 2 CPU.s. online"
  --expect-line "\\[cpu0\\] vmm: VMX unavailable: CPUID.1:ECX.VMX" --expect-line "\\[cpu1\\] vmm: VMX unavailable"
  --quiet --keep ${EMU_DIR}/qemu-uefi-net)
set_tests_properties(emu_qemu_uefi_netboot PROPERTIES FIXTURES_REQUIRED demo_blob)
# Bochs has BIOS firmware only, and QEMU's -kernel loads multiboot on BIOS only: both refused with the reason.
add_test(NAME cli_run_uefi_needs_qemu COMMAND sh -c "${CONFIGGEN} run ${CMAKE_SOURCE_DIR}/profiles/demo.yaml --firmware uefi --keep ${EMU_DIR}/uefi-bochs 2>&1; test $? -eq 2")
set_tests_properties(cli_run_uefi_needs_qemu PROPERTIES PASS_REGULAR_EXPRESSION "Bochs has BIOS firmware only")
add_test(NAME cli_run_uefi_not_kernel COMMAND sh -c "${CONFIGGEN} run ${CMAKE_SOURCE_DIR}/profiles/demo.yaml --emulator qemu --boot kernel --firmware uefi --keep ${EMU_DIR}/uefi-kernel 2>&1; test $? -eq 2")
set_tests_properties(cli_run_uefi_not_kernel PROPERTIES PASS_REGULAR_EXPRESSION "QEMU's -kernel loads multiboot kernels on BIOS only")
# The image itself: one ISO with two El Torito boot entries, BIOS (i386-pc) and UEFI (the EFI system partition image).
add_test(NAME emu_image_iso_el_torito COMMAND sh -c
  "xorriso -indev ${EMU_DIR}/demo.iso -report_el_torito plain 2>&1 | tee /dev/stderr | grep -Eq 'El Torito boot img : +1 +BIOS' && xorriso -indev ${EMU_DIR}/demo.iso -report_el_torito plain 2>&1 | grep -Eq 'El Torito boot img : +2 +UEFI'")
set_tests_properties(emu_image_iso_el_torito PROPERTIES FIXTURES_REQUIRED demo_iso LABELS emulator TIMEOUT 60)
# QEMU says which accelerator it chose and why; KVM only where /dev/kvm and host VMX exist.
add_test(NAME emu_qemu_says_accelerator COMMAND ${CONFIGGEN} run ${EMU_DIR}/demo.blob --emulator qemu --boot kernel --cpus 1
  --timeout 60 --keep ${EMU_DIR}/qemu-accel)
set_tests_properties(emu_qemu_says_accelerator PROPERTIES LABELS emulator TIMEOUT 90 FIXTURES_REQUIRED demo_blob
  PASS_REGULAR_EXPRESSION "qemu: (TCG \\((no usable /dev/kvm|the host CPU has no VMX)\\)|KVM with -cpu host \\(/dev/kvm and host VMX found\\))")
add_test(NAME emu_qemu_kvm_when_asked COMMAND ${CONFIGGEN} run ${EMU_DIR}/demo.blob --emulator qemu --boot kernel --cpus 1
  --qemu-accel kvm --timeout 60 --keep ${EMU_DIR}/qemu-kvm)
set_tests_properties(emu_qemu_kvm_when_asked PROPERTIES LABELS emulator TIMEOUT 90 FIXTURES_REQUIRED demo_blob
  PASS_REGULAR_EXPRESSION "--qemu-accel kvm, but (no usable /dev/kvm|the host CPU has no VMX)|qemu: KVM with -cpu host, as asked")
set_tests_properties(emu_blob_truncated emu_blob_flipped emu_qemu_no_vmx_kernel emu_qemu_no_vmx_cdrom emu_qemu_no_vmx_netboot
  PROPERTIES FIXTURES_REQUIRED demo_blob)

# A guest state forced past configgen's checks: the VM-entry failure names the check; the other guest runs.
add_test(NAME emu_fixture_bad_tr COMMAND ${CMAKE_COMMAND} -E env
  sh -c "$<TARGET_FILE:configgen> compile ${CMAKE_SOURCE_DIR}/tests/emulator/profiles/entry-failure.yaml -o ${EMU_DIR}/entry-failure.blob && $<TARGET_FILE:blob_poke> ${EMU_DIR}/entry-failure.blob ${EMU_DIR}/entry-failure-bad-tr.blob bad entry.tr.access_rights 0x89")
set_tests_properties(emu_fixture_bad_tr PROPERTIES FIXTURES_SETUP bad_tr LABELS emulator)
emulator_test(emu_entry_failure 120 ${CONFIGGEN} run ${EMU_DIR}/entry-failure-bad-tr.blob --cpus 1 --expect-fail
  --expect-line "guest bad: VM entry failed: failed check tr-busy-tss"
  --expect-line "guest bad ended: entry-failed"
  --expect-line "VMCS dump begin"
  --expect-line "guest good ended: halted" --quiet --keep ${EMU_DIR}/entry-failure)
set_tests_properties(emu_entry_failure PROPERTIES FIXTURES_REQUIRED bad_tr)

# A guest asking for a control the CPU cannot set (posted interrupts, past configgen's check) is refused at
# boot with the control and the MSR named; the other guest still runs.
# Bochs 3.0 forbids "Enable ENCLS exiting" (secondary bit 15) on every model; Bochs 2.7 also forbids
# posted interrupts (pin bit 7), which 3.0 allows.
add_test(NAME emu_fixture_bad_control COMMAND sh -c
  "$<TARGET_FILE:configgen> compile ${CMAKE_SOURCE_DIR}/tests/emulator/profiles/entry-failure.yaml -o ${EMU_DIR}/controls.blob && $<TARGET_FILE:blob_poke> ${EMU_DIR}/controls.blob ${EMU_DIR}/controls-encls.blob bad controls.proc2 0x8082 && $<TARGET_FILE:blob_poke> ${EMU_DIR}/controls.blob ${EMU_DIR}/controls-posted.blob bad controls.pin 0x80")
set_tests_properties(emu_fixture_bad_control PROPERTIES FIXTURES_SETUP bad_control LABELS emulator)
emulator_test(emu_refused_control 120 ${CONFIGGEN} run ${EMU_DIR}/controls-encls.blob --cpus 1 --expect-fail
  --expect-line "guest bad refused: control .Enable ENCLS exiting. .secondary processor-based VM-execution controls bit 15. cannot be 1 on this CPU: allowed-1 bit is 0 in IA32_VMX_PROCBASED_CTLS2"
  --expect-line "guest good ended: halted" --quiet --keep ${EMU_DIR}/refused-control)
set_tests_properties(emu_refused_control PROPERTIES FIXTURES_REQUIRED bad_control)
# Bochs 3.0 allows posted interrupts, so the same blob reaches VMLAUNCH there without virtual-interrupt
# delivery or acknowledge interrupt on exit: VM-instruction error 7, and the hypervisor names both 26.2.1.1
# rules from the live VMCS. (Host state cannot be broken this way: the hypervisor writes every host field
# and refuses a blob without host address-space size before entry.)
emulator_test(emu_control_field_failure 120 ${CONFIGGEN} run ${EMU_DIR}/controls-posted.blob --cpus 1 --expect-fail
  --expect-line "guest bad: VMLAUNCH failed: VMfailValid: VM-instruction error 7, .* failed check posted-interrupts-need-virtual-interrupt-delivery \\[SDM 26.2.1.1\\]"
  --expect-line "VM-entry check failed: posted-interrupts-need-acknowledge-interrupt-on-exit \\[SDM 26.2.1.1\\]"
  --expect-line "guest bad ended: entry-failed"
  --expect-line "guest good ended: halted" --quiet --keep ${EMU_DIR}/control-field-failure)
set_tests_properties(emu_control_field_failure PROPERTIES FIXTURES_REQUIRED bad_control)
# A VM-entry MSR-load entry WRMSR would refuse (a non-canonical IA32_KERNEL_GS_BASE): exit reason 34,
# and the hypervisor names the entry and the two 26.4 rules only the CPU can tell apart.
emulator_test(emu_msr_load_failure 120 ${CONFIGGEN} run ${CMAKE_SOURCE_DIR}/tests/emulator/profiles/msr-load-failure.yaml --cpus 1
  --allow-rule msr-load-wrmsr-fault --expect-fail
  --expect-line "guest bad: VM entry failed: failed check msr-load-wrmsr-fault: VM-entry MSR-load entry 1 .MSR 0xc0000102 IA32_KERNEL_GS_BASE"
  --expect-line "guest bad ended: entry-failed"
  --expect-line "guest good ended: halted" --quiet --keep ${EMU_DIR}/msr-load-failure)
# Bochs as the oracle (issue 13 item 4): each rule row a profile can influence, configgen checks and the
# hypervisor names is compiled past configgen with --allow-rule from its case in tests/host/rule_cases.def
# and booted; Bochs must refuse the entry and the hypervisor name the same rule. Eight rows per boot (one
# guest per CPU), two boots at a time: about 25 s.
emulator_test(emu_sdm_differential 240 $<TARGET_FILE:sdm_differential> ${CONFIGGEN} ${EMU_DIR}/sdm-differential 2 8)
if(BOCHS27)
  add_test(NAME bochs27_emu_refused_control COMMAND ${CONFIGGEN} run ${EMU_DIR}/controls-posted.blob --cpus 1 --expect-fail --bochs ${BOCHS27}
    --expect-line "guest bad refused: control .Process posted interrupts. .pin-based VM-execution controls bit 7. cannot be 1 on this CPU: allowed-1 bit is 0 in IA32_VMX_TRUE_PINBASED_CTLS"
    --expect-line "guest good ended: halted" --quiet --keep ${EMU_DIR}/refused-control-bochs27)
  set_tests_properties(bochs27_emu_refused_control PROPERTIES FIXTURES_REQUIRED bad_control LABELS "emulator;bochs27" TIMEOUT 120)
endif()

# The capability print, the capability probes and `configgen caps import` agree with the committed
# target of each Bochs version (3.0 allows posted interrupts and delivers MTF; 2.7 does neither).
emulator_test(emu_caps_print 120 ${CONFIGGEN} run ${EMU_DIR}/demo.blob --cmdline caps --cpus 1
  --expect-line "vmm: caps: msr 0x480 IA32_VMX_BASIC = 0x00d8100000000004"
  --expect-line "vmm: caps: decoded IA32_VMX_TRUE_PINBASED_CTLS bit 7 Process posted interrupts: 0 or 1"
  --expect-line "vmm: probe: control monitor-trap-flag \\(IA32_VMX_TRUE_PROCBASED_CTLS bit 27\\): delivered \\(exit 37 Monitor trap flag at rip 0x1\\)"
  --quiet --keep ${EMU_DIR}/caps)
set_tests_properties(emu_caps_print PROPERTIES FIXTURES_REQUIRED demo_blob FIXTURES_SETUP caps_log)
add_test(NAME emu_caps_import COMMAND sh -c "$<TARGET_FILE:configgen> caps import ${EMU_DIR}/caps/serial.log -o ${EMU_DIR}/imported.yaml --name bochs-3.0-tigerlake --max-cpus 15 && cmp ${EMU_DIR}/imported.yaml ${CMAKE_SOURCE_DIR}/configgen/targets/bochs-3.0-tigerlake.yaml")
set_tests_properties(emu_caps_import PROPERTIES FIXTURES_REQUIRED caps_log LABELS emulator)
if(BOCHS27)
  add_test(NAME bochs27_emu_caps_print COMMAND ${CONFIGGEN} run ${EMU_DIR}/demo.blob --cmdline caps --cpus 1 --bochs ${BOCHS27}
    --expect-line "vmm: caps: msr 0x480 IA32_VMX_BASIC = 0x01d8100000000004"
    --expect-line "vmm: caps: decoded IA32_VMX_TRUE_PINBASED_CTLS bit 7 Process posted interrupts: must be 0"
    --expect-line "vmm: probe: control monitor-trap-flag \\(IA32_VMX_TRUE_PROCBASED_CTLS bit 27\\): advertised but not delivered"
    --quiet --keep ${EMU_DIR}/caps27)
  set_tests_properties(bochs27_emu_caps_print PROPERTIES FIXTURES_REQUIRED demo_blob FIXTURES_SETUP caps27_log LABELS "emulator;bochs27" TIMEOUT 120)
  add_test(NAME bochs27_emu_caps_import COMMAND sh -c "$<TARGET_FILE:configgen> caps import ${EMU_DIR}/caps27/serial.log -o ${EMU_DIR}/imported27.yaml --name bochs-2.7-tigerlake && cmp ${EMU_DIR}/imported27.yaml ${CMAKE_SOURCE_DIR}/configgen/targets/bochs-2.7-tigerlake.yaml")
  set_tests_properties(bochs27_emu_caps_import PROPERTIES FIXTURES_REQUIRED caps27_log LABELS "emulator;bochs27")
endif()

include(${CMAKE_CURRENT_LIST_DIR}/book.cmake OPTIONAL)
# The commands of docs/book, docs/netboot.md and docs/trace.md, run as written.
include(${CMAKE_CURRENT_LIST_DIR}/docs.cmake)

# Issue 7: a blob altered on the way (here: before it reaches the TFTP root) is refused, and no guest starts.
emulator_test(emu_netboot_corrupt_blob 120 ${CONFIGGEN} run ${EMU_DIR}/demo.blob --boot net --corrupt flip:900 --expect-fail
  --expect-line "vmm: blob refused: CRC32C mismatch" --quiet --keep ${EMU_DIR}/netboot-corrupt)
set_tests_properties(emu_netboot_corrupt_blob PROPERTIES FIXTURES_REQUIRED demo_blob)
# The simulated lab: dnsmasq DHCP + TFTP in a private network namespace, two machines, two profiles.
add_test(NAME emu_lab_netns COMMAND ${CMAKE_SOURCE_DIR}/netboot/tests/lab_test.sh ${CONFIGGEN} ${EMU_DIR}/lab)
set_tests_properties(emu_lab_netns PROPERTIES LABELS "emulator;lab" TIMEOUT 200 SKIP_RETURN_CODE 77)
add_test(NAME emu_lab_proxy_netns COMMAND ${CMAKE_SOURCE_DIR}/netboot/tests/lab_proxy_test.sh ${CONFIGGEN} ${EMU_DIR}/lab-proxy)
set_tests_properties(emu_lab_proxy_netns PROPERTIES LABELS "emulator;lab" TIMEOUT 200 SKIP_RETURN_CODE 77)

# Interrupt virtualization beyond the book (issue 6): interrupt window, NMI window with virtual NMIs,
# virtual-interrupt delivery; each with a negative variant.
foreach(name interrupt-window nmi-window virtual-interrupt-delivery posted-interrupts)
  emulator_test_both_legs(emu_${name} 120 ${CONFIGGEN} run ${CMAKE_SOURCE_DIR}/profiles/interrupts/${name}.yaml --cpus 1 --quiet --keep ${EMU_DIR}/${name})
endforeach()
# Posted interrupts exist on Bochs 3.0's models only: on 2.7 configgen refuses the profile naming the MSR and bit.
if(TEST bochs27_emu_posted-interrupts)
  set_tests_properties(bochs27_emu_posted-interrupts PROPERTIES PASS_REGULAR_EXPRESSION
    "control process-posted-interrupts cannot be 1 on target bochs-2.7-tigerlake: IA32_VMX_TRUE_PINBASED_CTLS allowed-1 bit 7")
endif()
foreach(name interrupt-window-if-set nmi-window-unblocked no-virtual-interrupt no-posted-interrupt)
  emulator_test_both_legs(emu_${name}_negative 120 ${CONFIGGEN} run ${CMAKE_SOURCE_DIR}/tests/emulator/interrupts-negative/${name}.yaml
    --cpus 1 --expect-mismatch --quiet --keep ${EMU_DIR}/${name}-negative)
endforeach()

# Signed blobs (issue 7): a hypervisor copy with a trusted key runs the blob signed with it, over CD-ROM
# and netboot, and refuses one changed after signing (CRC fixed up, so only the signature can tell).
add_test(NAME emu_fixture_signing_key COMMAND ${CONFIGGEN} keygen -o ${EMU_DIR}/lab.key)
set_tests_properties(emu_fixture_signing_key PROPERTIES FIXTURES_SETUP signing_key LABELS emulator)
emulator_test(emu_signed_blob 120 ${CONFIGGEN} run ${EMU_DIR}/demo.blob --sign-key ${EMU_DIR}/lab.key --cpus 1
  --expect-line "vmm: blob signature verified \\(ECDSA P-256" --expect-line "guest demo ended: halted" --quiet --keep ${EMU_DIR}/signed)
emulator_test(emu_signed_blob_netboot 120 ${CONFIGGEN} run ${EMU_DIR}/demo.blob --sign-key ${EMU_DIR}/lab.key --boot net --cpus 1
  --expect-line "vmm: blob signature verified" --quiet --keep ${EMU_DIR}/signed-net)
emulator_test(emu_signed_blob_tampered 120 ${CONFIGGEN} run ${EMU_DIR}/demo.blob --sign-key ${EMU_DIR}/lab.key --tamper 900 --cpus 1
  --expect-fail --expect-line "vmm: blob refused: ECDSA P-256 signature does not verify" --quiet --keep ${EMU_DIR}/signed-tampered)
set_tests_properties(emu_signed_blob emu_signed_blob_netboot emu_signed_blob_tampered PROPERTIES FIXTURES_REQUIRED "demo_blob;signing_key")

# EPTP switching with VMFUNC (issue 4): two EPT views, switched by the guest without exits.
emulator_test(emu_eptp_switching 120 ${CONFIGGEN} run ${CMAKE_SOURCE_DIR}/profiles/eptp-switching.yaml --cpus 1 --quiet --keep ${EMU_DIR}/eptp)
emulator_test(emu_eptp_switching_negative 120 ${CONFIGGEN} run ${CMAKE_SOURCE_DIR}/tests/emulator/interrupts-negative/eptp-switching-no-view.yaml
  --cpus 1 --expect-mismatch --quiet --keep ${EMU_DIR}/eptp-negative)

# run --json and run --junit FILE from a real run (tests/emulator/run_reports.sh).
emulator_test(emu_run_json_junit 180 sh ${CMAKE_CURRENT_LIST_DIR}/run_reports.sh ${CONFIGGEN} ${CMAKE_SOURCE_DIR} ${EMU_DIR}/run-reports)

# Issue 17: test kernels built with the ordinary toolchain (guest_images/kernels)
# give the same exit code on bare QEMU and as guests of the hypervisor in Bochs.
emulator_test(emu_test_kernels 300 ${CMAKE_SOURCE_DIR}/tests/emulator/kernels.sh ${CONFIGGEN} ${CMAKE_BINARY_DIR}
  ${CMAKE_SOURCE_DIR} ${EMU_DIR}/kernels)

# run --trace: the timeline file of a real run against its serial summary
# (tests/emulator/run_trace.sh): two guests time-sliced on one CPU, and the
# demo on two CPUs.
emulator_test(emu_run_trace_time_slices 240 sh ${CMAKE_CURRENT_LIST_DIR}/run_trace.sh ${CONFIGGEN} $<TARGET_FILE:host_tests>
  ${CMAKE_SOURCE_DIR}/profiles/book/ex6-1-ept-time-slices.yaml ${EMU_DIR}/trace-ex6-1 --quiet)
emulator_test(emu_run_trace_two_cpus 240 sh ${CMAKE_CURRENT_LIST_DIR}/run_trace.sh ${CONFIGGEN} $<TARGET_FILE:host_tests>
  ${CMAKE_SOURCE_DIR}/profiles/demo.yaml ${EMU_DIR}/trace-demo --cpus 2 --quiet)
# A guest of two vCPUs on two CPUs: one thread per CPU it ran on, its exits summed.
emulator_test(emu_run_trace_multi_vcpu 240 sh ${CMAKE_CURRENT_LIST_DIR}/run_trace.sh ${CONFIGGEN} $<TARGET_FILE:host_tests>
  ${CMAKE_CURRENT_LIST_DIR}/profiles/smp-trace.yaml ${EMU_DIR}/trace-smp --cpus 2 --quiet)

# CPUID override by bits (issue 17 item 4): the CPU's own CPUID.01H:EAX with
# its family field replaced, as the guest reads it.
emulator_test_both_legs(emu_cpuid_override_bits 180 ${CONFIGGEN} run ${CMAKE_SOURCE_DIR}/tests/emulator/profiles/cpuid-bits.yaml --quiet --keep ${EMU_DIR}/cpuid-bits)
# The trace ring bounded against an exit storm (label hostile): the newest
# records win, the run goes on, the file says it is incomplete.
add_test(NAME hostile_trace_ring_overflow COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/run_trace_overflow.sh ${CONFIGGEN}
  ${CMAKE_SOURCE_DIR}/profiles/book/ex6-1-ept-time-slices.yaml ${EMU_DIR}/trace-overflow)
set_tests_properties(hostile_trace_ring_overflow PROPERTIES LABELS "emulator;hostile" TIMEOUT 180)
