#!/bin/bash
# run.sh 'shell command' - runs the command as root inside a throwaway qemu VM that boots this
# host's root filesystem (read-only 9p with a tmpfs overlay: writes vanish) with systemd as PID 1
# on a cgroup v2 kernel (cgroup_no_v1=all, systemd.unified_cgroup_hierarchy=1) and dbus running.
# The command runs from a systemd unit (jrunc-vm.service) in the host's cwd with the host's
# exported environment; its stdout and stderr come back live, its exit status is this script's
# (125: the VM itself failed; its console log is printed).
#
#   scripts/systemd-vm/run.sh --setup        qemu, busybox and Debian's kernel; the initramfs
#   SDVM_SHARE=/abs/dir scripts/systemd-vm/run.sh '...'   also share that directory read-write
#
# Knobs: SDVM_DIR (kernel and per-run files, default /tmp/jrunc-sdvm), SDVM_MEM (default 3G),
# SDVM_SMP (default: host cpus), SDVM_TIMEOUT (seconds, default 1800), SDVM_KEEP=1 keeps the run
# directory (console.log), SDVM_DEBUG=1 shows the kernel's and systemd's boot messages.
set -euo pipefail
D=${SDVM_DIR:-/tmp/jrunc-sdvm}
HERE=$(cd "$(dirname "$0")" && pwd)
MEM=${SDVM_MEM:-3G}
SMP=${SDVM_SMP:-$(nproc)}
SHARE=${SDVM_SHARE:-}
TMO=${SDVM_TIMEOUT:-1800}
MODULES="drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_mmio
  drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci
  drivers/char/virtio_console fs/netfs/netfs fs/fscache/fscache net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p
  fs/overlayfs/overlay"

setup() {
  command -v qemu-system-x86_64 >/dev/null && [ -x /bin/busybox ] && command -v xz >/dev/null || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 busybox-static xz-utils >/dev/null; }
  mkdir -p "$D"
  cd "$D"
  if [ ! -s vmlinux ] || [ ! -d kpkg ]; then
    # Debian's generic kernel for this release (it has the 9p and overlay modules)
    local kver
    kver=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: linux-image-\(.*-amd64\)$/\1/p' | head -1)
    [ -n "$kver" ] || { apt-get update -qq; kver=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-\(.*-amd64\)$/\1/p' | head -1); }
    [ -n "$kver" ] || { echo "systemd-vm: no linux-image-amd64 in apt's lists" >&2; exit 1; }
    ls linux-image-"$kver"_*.deb >/dev/null 2>&1 || apt-get download -q linux-image-"$kver" >/dev/null
    rm -rf kpkg && dpkg-deb -x linux-image-"$kver"_*.deb kpkg
    echo "$kver" > kver
    # qemu's microvm boots the uncompressed ELF kernel (PVH): the xz payload of the bzImage
    python3 -c "import sys;d=open(sys.argv[1],'rb').read();sys.stdout.buffer.write(d[d.find(b'\xfd7zXZ\x00'):])" \
      kpkg/boot/vmlinuz-"$kver" | xz -dc --single-stream > vmlinux.tmp 2>/dev/null || true
    mv vmlinux.tmp vmlinux
  fi
  local kver m
  kver=$(cat kver)
  rm -rf initrd && mkdir -p initrd/{bin,dev,proc,sys,tmp,lib/modules}
  cp /bin/busybox initrd/bin/ && ln -s busybox initrd/bin/sh
  cp "$HERE/init.sh" initrd/init && chmod 755 initrd/init
  for m in $MODULES; do
    cp kpkg/lib/modules/"$kver"/kernel/"$m".ko initrd/lib/modules/
  done
  mknod -m 600 initrd/dev/console c 5 1
  (cd initrd && find . | busybox cpio -o -H newc 2>/dev/null) > initramfs.cpio.tmp
  mv initramfs.cpio.tmp initramfs.cpio
  cp "$HERE/init.sh" init.sh.used
}

if [ "${1:-}" = --setup ]; then setup; exit 0; fi
[ $# -eq 1 ] || { echo "usage: $0 --setup | 'command'" >&2; exit 2; }
# a changed init.sh means a new initramfs
if [ ! -s "$D/vmlinux" ] || [ ! -s "$D/initramfs.cpio" ] || ! cmp -s "$HERE/init.sh" "$D/init.sh.used"; then
  (setup) >&2
fi

ctl=$(mktemp -d "$D/run.XXXXXX")
qpid=
cleanup() {
  [ -n "$qpid" ] && kill "$qpid" 2>/dev/null
  [ "${SDVM_KEEP:-}" = 1 ] && echo "systemd-vm: run files kept in $ctl" >&2 || rm -rf "$ctl"
}
trap cleanup EXIT
{ echo '#!/bin/bash'; printf '%s\n' "$1"; } > "$ctl/cmd"
export -p | grep -vE '^declare -x (PWD|OLDPWD|SHLVL|_|HOSTNAME|TERM|INVOCATION_ID|JOURNAL_STREAM|NOTIFY_SOCKET)(=|$)' > "$ctl/env" || true
pwd > "$ctl/cwd"
[ -n "$SHARE" ] && realpath "$SHARE" > "$ctl/share"
: > "$ctl/stdout"; : > "$ctl/stderr"

# TCG: give the kernel the host's TSC frequency; its own calibration is unreliable on a busy host
KHZ=$(awk -F: '/^cpu MHz/{printf "%d", $2*1000; exit}' /proc/cpuinfo)
QUIET="quiet loglevel=3 systemd.show_status=false"
[ -n "${SDVM_DEBUG:-}" ] && QUIET="loglevel=6 systemd.show_status=true systemd.log_level=info"
Q=(qemu-system-x86_64 -nodefaults -no-user-config -machine microvm,accel=tcg -cpu max
   -smp "$SMP" -m "$MEM" -no-reboot -display none -monitor none
   -kernel "$D/vmlinux" -initrd "$D/initramfs.cpio"
   -append "console=ttyS0 $QUIET panic=-1 reboot=t cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1 systemd.unit=jrunc-vm.target tsc_early_khz=$KHZ"
   -serial "file:$ctl/console.log"
   -device virtio-serial-device
   -chardev "file,id=out,path=$ctl/stdout" -device virtconsole,chardev=out
   -chardev "file,id=err,path=$ctl/stderr" -device virtconsole,chardev=err
   -fsdev local,id=r,path=/,security_model=none,readonly=on,multidevs=remap
   -device virtio-9p-device,fsdev=r,mount_tag=hostroot
   -fsdev "local,id=c,path=$ctl,security_model=none"
   -device virtio-9p-device,fsdev=c,mount_tag=ctl)
[ -n "$SHARE" ] && Q+=(-fsdev "local,id=s,path=$(cat "$ctl/share"),security_model=none,multidevs=remap"
                       -device virtio-9p-device,fsdev=s,mount_tag=share)

timeout "$TMO" "${Q[@]}" </dev/null 2>"$ctl/qemu.err" & qpid=$!
tail -s 0.2 -n +1 -F --pid=$qpid "$ctl/stdout" 2>/dev/null & t1=$!
tail -s 0.2 -n +1 -F --pid=$qpid "$ctl/stderr" >&2 2>/dev/null & t2=$!
set +e; wait $qpid; qrc=$?; qpid=; wait $t1 $t2; set -e
if [ -s "$ctl/rc" ]; then exit "$(cat "$ctl/rc")"; fi
echo "systemd-vm: the VM reported no exit status (qemu rc=$qrc)" >&2
tail -n 40 "$ctl/qemu.err" "$ctl/console.log" >&2 || true
exit 125
