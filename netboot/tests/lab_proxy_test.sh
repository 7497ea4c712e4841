#!/bin/sh
# Proxy-DHCP lab: the site's DHCP server (dnsmasq in a second network
# namespace, joined to the lab's bridge by a veth pair, handing out
# addresses and nothing else) and the lab's dnsmasq in proxy mode (no
# addresses; boot services and TFTP). A BIOS machine (e1000's iPXE ROM) and
# a UEFI machine (OVMF's own PXE client) must take their address from the
# site server and their boot files from the lab, and boot their own
# profiles. Both namespaces are removed at the end; nothing leaves them.
# Usage: lab_proxy_test.sh CONFIGGEN WORKDIR. Exit 77 (skipped) without
# root, dnsmasq, a TUN device or network namespaces.
set -eu
CONFIGGEN=$1
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
NS=vtxproxy-$$
SITE=vtxsite-$$
. "$HERE/lab_lib.sh"
lab_requirements
CLEANUP_EXTRA=$SITE
trap lab_cleanup EXIT INT TERM
rm -rf "$WORK" && mkdir -p "$WORK"
# Built in one place, served from another: the tree is relocatable.
"$CONFIGGEN" image --lab "$HERE/lab-proxy.yaml" --netboot "$WORK/build-tree" --tftp-root "$WORK/tftp"
mv "$WORK/build-tree" "$WORK/tftp"
lab_network tapa tapb
ip netns add "$SITE" || { echo "cannot create a second network namespace"; exit 77; }
ip -n "$NS" link add site0 type veth peer name uplink0 netns "$SITE"
ip -n "$NS" link set site0 master br0 up
ip -n "$SITE" link set lo up
ip -n "$SITE" addr add 10.77.0.2/24 dev uplink0
ip -n "$SITE" link set uplink0 up
# The site's server: addresses only (no boot file, no TFTP, no DNS).
ip netns exec "$SITE" dnsmasq --port=0 --interface=uplink0 --bind-interfaces --dhcp-range=10.77.0.100,10.77.0.150,1h \
  --dhcp-leasefile="$WORK/site.leases" --pid-file="$WORK/site.pid" --log-facility="$WORK/site.log" --log-dhcp
ip netns exec "$NS" dnsmasq --conf-file="$WORK/tftp/dnsmasq.conf" --pid-file="$WORK/dnsmasq.pid" \
  --log-facility="$WORK/dnsmasq.log" --log-dhcp

boot_bios proxy-bios tapa 52:54:00:77:01:0a &
boot_uefi proxy-uefi tapb 52:54:00:77:01:0b &
wait

status=0
for mac in 52:54:00:77:01:0a 52:54:00:77:01:0b; do
  grep -q "DHCPACK(uplink0) 10.77.0.1[0-9][0-9] $mac" "$WORK/site.log" || { echo "the site server gave $mac no address"; status=1; }
done
grep -q 'DHCPACK\|DHCPOFFER(br0) 10\.' "$WORK/dnsmasq.log" && { echo "the lab's proxy dnsmasq handed out an address"; status=1; }
grep -q 'proxy' "$WORK/dnsmasq.log" || { echo "the lab's dnsmasq did not answer as a proxy"; status=1; }
grep -q 'sent .*/undionly.0' "$WORK/dnsmasq.log" || grep -q 'sent .*proxy-bios.blob' "$WORK/dnsmasq.log" ||
  { echo "the BIOS machine got nothing over TFTP"; status=1; }
grep -q 'sent .*/snponly.efi' "$WORK/dnsmasq.log" || { echo "the UEFI machine was not given snponly.efi"; status=1; }
grep -q 'blob ok: appliance "demo"' "$WORK/proxy-bios.serial" || { echo "proxy-bios did not boot its profile (demo)"; status=1; }
grep -q 'blob ok: appliance "isolation' "$WORK/proxy-uefi.serial" || { echo "proxy-uefi did not boot its profile (isolation)"; status=1; }
"$CONFIGGEN" lab report "$WORK" --lab "$HERE/lab-proxy.yaml" > "$WORK/report.txt" || true
for m in proxy-bios proxy-uefi; do
  grep -Eq "^$m +[^ ]+ +1 +no-vmx " "$WORK/report.txt" || { echo "lab report: $m not reported as booted once"; status=1; }
done
if [ $status != 0 ]; then
  cat "$WORK/report.txt"
  tail -30 "$WORK/dnsmasq.log"
else
  echo "lab (proxy DHCP): a BIOS and a UEFI machine took addresses from the site server and booted their profiles from the lab"
fi
exit $status
