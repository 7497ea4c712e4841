#!/bin/sh
# The test kernels' differential (issue 17): each kernel of
# profiles/kernels/kernels.yaml boots on bare QEMU (-kernel, isa-debug-exit)
# and, in one Bochs run, as a guest of the hypervisor; both must give the
# same exit code, and the hypervisor run must meet the profile's expect:
# items. cr_faults runs only under the hypervisor: QEMU 7.2's TCG raises
# none of the #GP faults it checks (docs/external-guests.md).
# Usage: kernels.sh CONFIGGEN BUILD_DIR SOURCE_DIR WORK_DIR
set -eu
configgen=$1 build=$2 source=$3 work=$4
kernels="multiboot_info fw_cfg xsetbv string_io exit_code apic_timer acpi pic_pit smp"
rm -rf "$work" && mkdir -p "$work"

# The hypervisor leg: configgen run decides from the profile's expectations.
if ! "$configgen" run "$source/profiles/kernels/kernels.yaml" --emulator bochs --quiet --timeout 150 --keep "$work/bochs"; then
  echo "kernels: the hypervisor run failed its expectations"; exit 1
fi
log=$(find "$work/bochs" -name serial.log | head -n1)
# One bare run: sets qemu_code (isa-debug-exit: QEMU exits with code * 2 + 1;
# anything even is not the kernel's word).
bare_run() {
  status=0
  cpus=1
  [ "$1" = smp ] && cpus=2  # the profile gives smp two vCPUs
  (cd "$build/guest_images/kernels" && timeout 60 qemu-system-i386 -kernel "$1.elf" -append "kernel-test=multiboot" \
      -initrd "payload.txt payload-arg" -m 16 -smp "$cpus" -cpu max -display none -no-reboot -nodefaults \
      -serial "file:$work/qemu-$1.log" -device isa-debug-exit,iobase=0xf4,iosize=4) 2>"$work/qemu-$1.err" || status=$?
  if [ $((status % 2)) -eq 1 ]; then qemu_code=$(((status - 1) / 2)); else qemu_code="none (QEMU status $status)"; fi
}
failed=0
for k in $kernels; do
  # Only the hypervisor's own outcome line counts (docs/serial-log.md).
  line=$(grep -a -E "^\[cpu[0-9]+\] vmm: guest $k ended: " "$log" || true)
  guest_code=$(printf '%s\n' "$line" | sed -n 's/.* ended: exited (code \([0-9]*\) .*/\1/p')
  # The bare leg, from the kernels' directory, so that QEMU's command line
  # ("FILE ARGS") and module string are the ones the profile gives.
  bare_run "$k"
  # TCG runs the timers on host time: a loaded host can stretch one of the
  # timer kernels' windows. One more run decides; both are kept.
  if [ -n "$guest_code" ] && [ "$guest_code" != "$qemu_code" ]; then
    mv "$work/qemu-$k.log" "$work/qemu-$k.first.log"
    echo "kernels: $k: bare QEMU said $qemu_code on the first run; running it again"
    bare_run "$k"
  fi
  if [ -z "$guest_code" ]; then
    echo "kernels: $k: no exited line from the hypervisor: ${line:-none}"; failed=1
  elif [ "$guest_code" != "$qemu_code" ]; then
    echo "kernels: $k: QEMU says $qemu_code, the hypervisor says $guest_code"; cat "$work/qemu-$k.log"; failed=1
  else
    echo "kernels: $k: exit code $guest_code on bare QEMU and under the hypervisor"
  fi
done
exit $failed
