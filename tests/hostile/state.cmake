# Hostile guests against shared CPU state, NMIs, time and verdicts (issue 10,
# docs/isolation.md). Each case runs the hostile guest next to an honest one
# on its CPU and another honest guest on CPU 1; it passes only when the
# hostile guest is stopped for what it did (or, for the state probe, no
# register leaks either way), the honest guests end as expected and the
# machine ends with the hypervisor's summary.
set(HOSTILE_STATE_PROFILES ${CMAKE_CURRENT_LIST_DIR}/profiles)
set(HOSTILE_STATE_DIR ${CMAKE_BINARY_DIR}/tests/hostile)
file(MAKE_DIRECTORY ${HOSTILE_STATE_DIR})
set(HOSTILE_STATE_RUN $<TARGET_FILE:configgen> run --cpus 2 --quiet --timeout 240)

foreach(case registers watchdog watchdog-sliced storm-vmcall storm-io storm-cpuid forge)
  hostile_test(state_${case} 300 ${HOSTILE_STATE_RUN} ${HOSTILE_STATE_PROFILES}/state-${case}.yaml
    --keep ${HOSTILE_STATE_DIR}/state-${case})
endforeach()

# The same forger with the expectations its counterfeit lines claim: they
# must not hold (the negative check passes only when the machine ended and
# the expectations failed).
hostile_test(state_forge_claims 300 ${HOSTILE_STATE_RUN} ${HOSTILE_STATE_PROFILES}/state-forge-claims.yaml
  --expect-mismatch --keep ${HOSTILE_STATE_DIR}/state-forge-claims)

# NMIs from the BSP (the nmi_test command-line hook) while CPU 1 runs a guest
# and once it is idle; one guest takes NMIs, the other does not.
foreach(case nmi nmi-host)
  hostile_test(state_${case} 300 ${HOSTILE_STATE_RUN} ${HOSTILE_STATE_PROFILES}/state-${case}.yaml
    --cmdline nmi_test --keep ${HOSTILE_STATE_DIR}/state-${case})
endforeach()

# Counterfeit lines, then the shutdown port: either the guest is stopped for
# the port and the run passes on the hypervisor's own lines (exit 0), or the
# machine ends without the hypervisor's end line and the run fails for that
# reason (exit 1). A PASS from the forged lines would need the forger's
# counterfeit "ended: halted" to be read, which fails the profile's
# `ends: stopped`.
string(JOIN " " HOSTILE_STATE_RUN_LINE ${HOSTILE_STATE_RUN})
# (No semicolons in the script: hostile_test forwards its arguments as a list.)
hostile_test(state_forge_shutdown 300 sh -c "out=$(${HOSTILE_STATE_RUN_LINE} ${HOSTILE_STATE_PROFILES}/state-forge-shutdown.yaml --keep ${HOSTILE_STATE_DIR}/state-forge-shutdown)
rc=$?
echo \"$out\"
if [ $rc -eq 0 ] && echo \"$out\" | grep -q 'configgen run: PASS'
then exit 0
fi
if [ $rc -eq 1 ] && echo \"$out\" | grep -q 'never printed its end line'
then exit 0
fi
exit 1")

# The same NMIs with the host's local APICs in x2APIC mode (issue 15 item 2,
# the `x2apic` command-line word): the IPIs go through the x2APIC ICR MSR.
hostile_test(state_nmi_x2apic 300 ${HOSTILE_STATE_RUN} ${HOSTILE_STATE_PROFILES}/state-nmi.yaml
  --cmdline "nmi_test x2apic" --expect-line "vmm: local APICs in x2APIC mode" --keep ${HOSTILE_STATE_DIR}/state-nmi-x2apic)
