#!/bin/sh
# Simulated lab: real dnsmasq serves DHCP and TFTP on a bridge inside a
# network namespace made for this test; three QEMU machines with different MAC
# addresses netboot from it (iPXE, or GRUB on UEFI, picks each machine's
# script by MAC) and their serial logs prove which profile each one booted.
# Two are BIOS machines (SeaBIOS, the e1000's iPXE ROM); the third is UEFI
# (OVMF, a virtio NIC without option ROM, so the firmware's own PXE client
# asks with client architecture 7 and gets snponly.efi, as a real UEFI
# machine without iPXE would). Nothing leaves the
# namespace; it is removed at the end. Usage: lab_test.sh CONFIGGEN WORKDIR
# Exit 77 (CTest: skipped) without root, dnsmasq, a TUN device or network namespaces.
set -eu
CONFIGGEN=$1
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
NS=vtxlab-$$
. "$HERE/lab_lib.sh"
lab_requirements
trap lab_cleanup EXIT INT TERM
rm -rf "$WORK" && mkdir -p "$WORK"
"$CONFIGGEN" image --lab "$HERE/lab.yaml" --netboot "$WORK/tftp"
lab_network tapa tapb tapc
ip netns exec "$NS" dnsmasq --conf-file="$WORK/tftp/dnsmasq.conf" --pid-file="$WORK/dnsmasq.pid" \
  --log-facility="$WORK/dnsmasq.log" --log-dhcp

boot_bios lab-a tapa 52:54:00:77:00:0a &
boot_bios lab-b tapb 52:54:00:77:00:0b &
boot_uefi lab-c tapc 52:54:00:77:00:0c &
wait

status=0
grep -q 'blob ok: appliance "demo"' "$WORK/lab-a.serial" || { echo "lab-a did not boot its profile (demo)"; status=1; }
grep -q 'blob ok: appliance "entry-failure"' "$WORK/lab-b.serial" || { echo "lab-b did not boot its profile (entry-failure)"; status=1; }
grep -q 'vmm: VMX unavailable' "$WORK/lab-a.serial" || { echo "lab-a did not reach the hypervisor's VMX check"; status=1; }
grep -q 'DHCPACK(br0).*52:54:00:77:00:0a' "$WORK/dnsmasq.log" || { echo "no DHCP lease for lab-a"; status=1; }
grep -q 'sent .*lab-b.blob' "$WORK/dnsmasq.log" || { echo "lab-b's blob was not served over TFTP"; status=1; }
grep -q 'sent .*/snponly.efi' "$WORK/dnsmasq.log" || { echo "the UEFI machine was not given snponly.efi (client-arch match)"; status=1; }
grep -q 'vmm: starting (multiboot magic 0x36d76289)' "$WORK/lab-c.serial" || { echo "lab-c (UEFI) was not started by multiboot2 (GRUB)"; status=1; }
grep -q 'vmm: command line: exit=qemu blob=lab-c.blob' "$WORK/lab-c.serial" || { echo "lab-c (UEFI) did not boot its own script"; status=1; }
grep -q 'vmm: ACPI RSDP from the loader' "$WORK/lab-c.serial" || { echo "lab-c (UEFI) did not take the RSDP from the loader"; status=1; }
for cpu in 0 1; do
  grep -q "\[cpu$cpu\] vmm: VMX unavailable" "$WORK/lab-c.serial" || { echo "lab-c (UEFI): cpu$cpu did not reach the VMX check"; status=1; }
done
# The lab's own report reads the same logs: each machine found by the blob
# it booted, with its profile, and the verdict QEMU's TCG (no VT-x) allows.
"$CONFIGGEN" lab report "$WORK" --lab "$HERE/lab.yaml" --junit "$WORK/report.xml" > "$WORK/report.txt" || true
for m in lab-a lab-b lab-c; do
  grep -Eq "^$m +[^ ]+ +1 +no-vmx " "$WORK/report.txt" || { echo "lab report: $m not reported as booted once, VMX unavailable"; cat "$WORK/report.txt"; status=1; }
done
grep -q '<testsuite name="lab-c"' "$WORK/report.xml" || { echo "lab report: no JUnit suite for lab-c"; status=1; }
[ $status = 0 ] && echo "lab: all three machines (two BIOS, one UEFI) booted their own profiles over DHCP/TFTP in namespace $NS"
exit $status
