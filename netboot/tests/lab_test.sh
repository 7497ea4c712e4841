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
[ "$(id -u)" = 0 ] || { echo "lab test needs root (network namespace)"; exit 77; }
command -v dnsmasq >/dev/null || { echo "lab test needs dnsmasq"; exit 77; }
[ -c /dev/net/tun ] || { echo "lab test needs /dev/net/tun"; exit 77; }
NS=vtxlab-$$
cleanup() {
  [ -f "$WORK/dnsmasq.pid" ] && kill "$(cat "$WORK/dnsmasq.pid")" 2>/dev/null || true
  [ -n "$NS" ] && ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
rm -rf "$WORK" && mkdir -p "$WORK"
"$CONFIGGEN" image --lab "$HERE/lab.yaml" --netboot "$WORK/tftp"

ip netns add "$NS" || { echo "cannot create a network namespace here"; NS=; exit 77; }
ip -n "$NS" link set lo up
ip -n "$NS" link add br0 type bridge
ip -n "$NS" addr add 10.77.0.1/24 dev br0
ip -n "$NS" link set br0 up
for m in a b c; do
  ip -n "$NS" tuntap add dev "tap$m" mode tap
  ip -n "$NS" link set "tap$m" master br0 up
done
ip netns exec "$NS" dnsmasq --conf-file="$WORK/tftp/dnsmasq.conf" --pid-file="$WORK/dnsmasq.pid" \
  --log-facility="$WORK/dnsmasq.log" --log-dhcp

boot() {  # name tap mac
  ip netns exec "$NS" timeout -k 5 90 qemu-system-x86_64 -display none -no-reboot -m 256 -boot n \
    -netdev "tap,id=n0,ifname=$2,script=no,downscript=no" -device "e1000,netdev=n0,mac=$3" \
    -serial "file:$WORK/$1.serial" -device isa-debug-exit,iobase=0xf4,iosize=0x04 || true
}
boot_uefi() {  # name tap mac
  cp /usr/share/OVMF/OVMF_VARS.fd "$WORK/$1.vars.fd"
  ip netns exec "$NS" timeout -k 5 120 qemu-system-x86_64 -display none -no-reboot -m 256 -smp 2 -boot n \
    -drive "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd" \
    -drive "if=pflash,format=raw,unit=1,file=$WORK/$1.vars.fd" \
    -netdev "tap,id=n0,ifname=$2,script=no,downscript=no" -device "virtio-net-pci,netdev=n0,mac=$3,romfile=" \
    -serial "file:$WORK/$1.serial" -device isa-debug-exit,iobase=0xf4,iosize=0x04 || true
}
boot lab-a tapa 52:54:00:77:00:0a &
boot lab-b tapb 52:54:00:77:00:0b &
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
[ $status = 0 ] && echo "lab: all three machines (two BIOS, one UEFI) booted their own profiles over DHCP/TFTP in namespace $NS"
exit $status
