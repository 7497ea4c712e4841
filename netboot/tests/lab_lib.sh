# Shared by the lab tests (sourced): a network namespace with a bridge and
# one tap per machine, QEMU machines that netboot from it, and the cleanup.
# Nothing leaves the namespace; every machine runs under a time bound.
# The caller sets WORK and NS before sourcing, and adds to CLEANUP_EXTRA.

lab_requirements() {
  [ "$(id -u)" = 0 ] || { echo "lab test needs root (network namespace)"; exit 77; }
  command -v dnsmasq >/dev/null || { echo "lab test needs dnsmasq"; exit 77; }
  [ -c /dev/net/tun ] || { echo "lab test needs /dev/net/tun"; exit 77; }
}

CLEANUP_EXTRA=
lab_cleanup() {
  for pid in "$WORK"/*.pid; do
    [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true
  done
  for ns in $NS $CLEANUP_EXTRA; do ip netns del "$ns" 2>/dev/null || true; done
}

# lab_network TAPS...: the namespace, br0 at 10.77.0.1/24, a tap per name.
lab_network() {
  ip netns add "$NS" || { echo "cannot create a network namespace here"; NS=; exit 77; }
  ip -n "$NS" link set lo up
  ip -n "$NS" link add br0 type bridge
  ip -n "$NS" addr add 10.77.0.1/24 dev br0
  ip -n "$NS" link set br0 up
  for tap in "$@"; do
    ip -n "$NS" tuntap add dev "$tap" mode tap
    ip -n "$NS" link set "$tap" master br0 up
  done
}

# boot_bios NAME TAP MAC: SeaBIOS and the e1000's iPXE ROM.
boot_bios() {
  ip netns exec "$NS" timeout -k 5 90 qemu-system-x86_64 -display none -no-reboot -m 256 -boot n \
    -netdev "tap,id=n0,ifname=$2,script=no,downscript=no" -device "e1000,netdev=n0,mac=$3" \
    -serial "file:$WORK/$1.serial" -device isa-debug-exit,iobase=0xf4,iosize=0x04 || true
}

# boot_uefi NAME TAP MAC: OVMF with a virtio NIC without option ROM, so the
# firmware's own PXE client asks (client architecture 7), as a real UEFI
# machine without iPXE would.
boot_uefi() {
  cp /usr/share/OVMF/OVMF_VARS.fd "$WORK/$1.vars.fd"
  ip netns exec "$NS" timeout -k 5 120 qemu-system-x86_64 -display none -no-reboot -m 256 -smp 2 -boot n \
    -drive "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd" \
    -drive "if=pflash,format=raw,unit=1,file=$WORK/$1.vars.fd" \
    -netdev "tap,id=n0,ifname=$2,script=no,downscript=no" -device "virtio-net-pci,netdev=n0,mac=$3,romfile=" \
    -serial "file:$WORK/$1.serial" -device isa-debug-exit,iobase=0xf4,iosize=0x04 || true
}
