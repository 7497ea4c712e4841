# Hostile guests against the resource model (issue 10, docs/isolation.md
# "Resources and grants"). Every case runs its hostile guests next to an
# honest guest on the same CPU and one on the other CPU (--cpus 2,
# profiles/grant-common.yaml); it passes only when each hostile guest is
# stopped (or refused) with a reason naming the port, MSR or address, the
# honest guests halt, and the summary line is printed.
set(GRANTS ${CMAKE_CURRENT_LIST_DIR}/profiles)
set(GRANTS_OUT ${CMAKE_BINARY_DIR}/tests/hostile/grants)
file(MAKE_DIRECTORY ${GRANTS_OUT})
set(CG $<TARGET_FILE:configgen>)
set(POKE $<TARGET_FILE:blob_poke>)

# Guests that touch hypervisor-owned ports and MSRs: stopped at the access.
foreach(case reset poweroff pic-pit pci-config apic-base x2apic-ipi alloc)
  hostile_test(grant_${case} 180 ${CG} run ${GRANTS}/grant-${case}.yaml --cpus 2 --quiet --keep ${GRANTS_OUT}/${case})
endforeach()

# configgen refuses passthrough windows at bit 52, wrapping, or shared by two guests.
foreach(case pt-bit52 pt-wrap pt-overlap)
  hostile_test(grant_configgen_${case} 30 sh -c "${CG} check ${GRANTS}/grant-${case}.yaml 2>&1; test $? -eq 1")
endforeach()
set_tests_properties(hostile_grant_configgen_pt-bit52 PROPERTIES PASS_REGULAR_EXPRESSION
  "grant-pt-bit52.yaml:[0-9]+:[0-9]+: error: passthrough hpa 0x10000000000000 \\+ size 0x1000 wraps or ends beyond the 40-bit physical-address width")
set_tests_properties(hostile_grant_configgen_pt-wrap PROPERTIES PASS_REGULAR_EXPRESSION
  "grant-pt-wrap.yaml:[0-9]+:[0-9]+: error: passthrough hpa 0xfffffffffffff000 \\+ size 0x2000 wraps")
set_tests_properties(hostile_grant_configgen_pt-overlap PROPERTIES PASS_REGULAR_EXPRESSION
  "grant-pt-overlap.yaml:19:9: error: .*overlaps the window of guest 'window-owner'.*grant-pt-overlap.yaml:12:9: note: guest 'window-owner' is granted the window here")

# The same windows forced past configgen: the hypervisor refuses those guests alone.
add_test(NAME hostile_grant_fixture_passthrough COMMAND sh -c
  "${CG} compile ${GRANTS}/grant-passthrough-forced.yaml -o ${GRANTS_OUT}/pt.blob && ${POKE} ${GRANTS_OUT}/pt.blob ${GRANTS_OUT}/pt-1.blob pt-bit52 region.2.hpa 0x10000000000000 && ${POKE} ${GRANTS_OUT}/pt-1.blob ${GRANTS_OUT}/pt-forced.blob pt-overlap region.2.hpa 0xB8000")
set_tests_properties(hostile_grant_fixture_passthrough PROPERTIES FIXTURES_SETUP grant_pt LABELS "emulator;hostile")
hostile_test(grant_passthrough_forced 180 ${CG} run ${GRANTS_OUT}/pt-forced.blob --cpus 2 --expect-fail
  --expect-line "guest pt-bit52 refused: passthrough hpa 0x10000000000000 size 0x1000 ends beyond the 40-bit physical-address width"
  --expect-line "guest pt-overlap refused: passthrough hpa 0xb8000 size 0x1000 overlaps guest window-owner's passthrough window at 0xb8000"
  --expect-line "guest window-owner ended: halted" --expect-line "guest honest-same-cpu ended: halted"
  --expect-line "guest honest-other-cpu ended: halted" --expect-line "vmm: summary: guests=5 finished=3 stopped=0 refused=2"
  --quiet --keep ${GRANTS_OUT}/passthrough-forced)
set_tests_properties(hostile_grant_passthrough_forced PROPERTIES FIXTURES_REQUIRED grant_pt)

# A blob that passes an owned port, grants an owned MSR or sets a default-pass flag (CRC correct):
# that guest is refused with the reason, the others run.
add_test(NAME hostile_grant_fixture_owned COMMAND sh -c
  "${CG} compile ${GRANTS}/grant-owned-forced.yaml -o ${GRANTS_OUT}/owned.blob && ${POKE} ${GRANTS_OUT}/owned.blob ${GRANTS_OUT}/owned-0.blob port-grab io.0.last_port 0xCF8 && ${POKE} ${GRANTS_OUT}/owned-0.blob ${GRANTS_OUT}/owned-1.blob port-grab io.0.first_port 0xCF8 && ${POKE} ${GRANTS_OUT}/owned-1.blob ${GRANTS_OUT}/owned-2.blob msr-grab msr.0.msr 0x830 && ${POKE} ${GRANTS_OUT}/owned-2.blob ${GRANTS_OUT}/owned-forced.blob default-pass flags 0x4")
set_tests_properties(hostile_grant_fixture_owned PROPERTIES FIXTURES_SETUP grant_owned LABELS "emulator;hostile")
hostile_test(grant_owned_forced 180 ${CG} run ${GRANTS_OUT}/owned-forced.blob --cpus 2 --expect-fail
  --expect-line "guest port-grab refused: the blob passes a hypervisor-owned I/O port: PCI configuration space and reset control \\(0xcf8\\)"
  --expect-line "guest msr-grab refused: the blob grants an MSR the hypervisor owns: x2APIC registers \\(0x830\\)"
  --expect-line "guest default-pass refused: the blob passes every I/O port not listed \\(default pass\\)"
  --expect-line "guest honest-same-cpu ended: halted" --expect-line "guest honest-other-cpu ended: halted"
  --expect-line "vmm: summary: guests=5 finished=2 stopped=0 refused=3" --quiet --keep ${GRANTS_OUT}/owned-forced)
set_tests_properties(hostile_grant_owned_forced PROPERTIES FIXTURES_REQUIRED grant_owned)

# Blobs with a correct CRC that the reader must refuse before any guest starts: a region whose
# gpa + size wraps (it hung the hypervisor in memset), and console ports that are no UART (0xCF7
# reset the machine, 0x6C hung it) or a UART base where nothing answers (COM2 is not enabled in
# the Bochs configuration): the machine ends normally with the reason.
add_test(NAME hostile_grant_fixture_blobs COMMAND sh -c
  "${CG} compile ${GRANTS}/grant-common.yaml -o ${GRANTS_OUT}/common.blob && ${POKE} ${GRANTS_OUT}/common.blob ${GRANTS_OUT}/wrap.blob honest-same-cpu region.1.size 0xFFFFFFFFFFF00000 && ${POKE} ${GRANTS_OUT}/common.blob ${GRANTS_OUT}/port-cf7.blob - appliance.console_port 0xCF7 && ${POKE} ${GRANTS_OUT}/common.blob ${GRANTS_OUT}/port-6c.blob - appliance.console_port 0x6C && ${POKE} ${GRANTS_OUT}/common.blob ${GRANTS_OUT}/port-2f8.blob - appliance.console_port 0x2F8")
set_tests_properties(hostile_grant_fixture_blobs PROPERTIES FIXTURES_SETUP grant_blobs LABELS "emulator;hostile")
hostile_test(grant_blob_wrapping_region 120 ${CG} run ${GRANTS_OUT}/wrap.blob --cpus 2 --expect-fail
  --expect-line "vmm: blob refused: region gpa \\+ size wraps or ends beyond the 48-bit guest-physical space \\(detail 0x1\\)"
  --quiet --keep ${GRANTS_OUT}/wrap)
foreach(port cf7 6c)
  hostile_test(grant_blob_console_port_${port} 120 ${CG} run ${GRANTS_OUT}/port-${port}.blob --cpus 2 --expect-fail
    --expect-line "vmm: blob refused: appliance console_port is not a known UART base \\(0x3F8, 0x2F8, 0x3E8, 0x2E8\\) \\(detail 0x${port}\\)"
    --quiet --keep ${GRANTS_OUT}/port-${port})
endforeach()
hostile_test(grant_blob_console_port_silent_uart 120 ${CG} run ${GRANTS_OUT}/port-2f8.blob --cpus 2 --expect-fail
  --expect-line "vmm: blob refused: console_port 0x2f8: no UART answers there \\(scratch-register probe\\)"
  --quiet --keep ${GRANTS_OUT}/port-2f8)
set_tests_properties(hostile_grant_blob_wrapping_region hostile_grant_blob_console_port_cf7 hostile_grant_blob_console_port_6c
  hostile_grant_blob_console_port_silent_uart PROPERTIES FIXTURES_REQUIRED grant_blobs)
