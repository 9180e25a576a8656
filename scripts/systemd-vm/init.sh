#!/bin/sh
# The initramfs's /init (busybox sh) for scripts/systemd-vm/run.sh: the host's root filesystem
# read-only over 9p under a tmpfs overlay (writes vanish with the VM), a trimmed systemd boot
# prepared in the overlay only, then systemd as PID 1. The unit jrunc-vm.service runs the
# command from the "ctl" share, writes its exit status there and powers the VM off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
log() { echo "systemd-vm: $*" >/dev/console; }
die() { log "FATAL: $*"; poweroff -f; sleep 5; reboot -f; }
for m in virtio_ring virtio virtio_mmio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
         virtio_console netfs fscache 9pnet 9pnet_virtio 9p overlay; do
  insmod /lib/modules/$m.ko 2>/dev/null || log "insmod $m failed"
done
O="trans=virtio,version=9p2000.L,msize=262144"
R=/newroot
mkdir -p /lower /upper $R
mount -t 9p -o $O,ro,cache=loose hostroot /lower || die "mount hostroot"
mount -t tmpfs -o mode=755 tmpfs /upper && mkdir -p /upper/u /upper/w
mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w overlay $R || die "overlay root"
# systemd mounts /proc, /sys, /dev and the cgroup2 tree itself; /run comes ready with the control share
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs $R/run
mkdir -p $R/run/sdvm
mount -t 9p -o $O,cache=none ctl $R/run/sdvm || die "mount ctl"
C=$R/run/sdvm
if [ -s $C/share ]; then
  S=$(cat $C/share); mkdir -p "$R$S"
  mount -t 9p -o $O,cache=mmap share "$R$S" || log "mount share $S failed"
fi

# --- the guest's own systemd configuration: in the overlay only, never on the host
E=$R/etc/systemd/system
rm -rf $E/*.wants $E/*.requires
# units that wait for hardware, networks or time, touch the host's disks, or just cost seconds
for u in getty@tty1.service serial-getty@ttyS0.service getty.target apparmor.service systemd-pstore.service \
         systemd-timesyncd.service systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket \
         systemd-udev-trigger.service systemd-udev-settle.service systemd-remount-fs.service \
         systemd-fsck-root.service systemd-random-seed.service systemd-hwdb-update.service \
         systemd-journal-catalog-update.service systemd-journal-flush.service systemd-update-utmp.service \
         systemd-tmpfiles-clean.timer timers.target ldconfig.service systemd-sysusers.service \
         systemd-firstboot.service systemd-machine-id-commit.service systemd-binfmt.service \
         proc-sys-fs-binfmt_misc.automount sys-kernel-debug.mount sys-kernel-tracing.mount \
         sys-kernel-config.mount sys-fs-fuse-connections.mount systemd-modules-load.service \
         systemd-network-generator.service networking.service systemd-networkd.service \
         systemd-resolved.service keyboard-setup.service console-setup.service e2scrub_reap.service \
         docker.socket podman.socket docker.service containerd.service postgresql.service \
         systemd-repart.service systemd-boot-update.service systemd-tmpfiles-setup-dev.service \
         systemd-sysctl.service systemd-tmpfiles-setup.service systemd-logind.service \
         systemd-user-sessions.service; do
  ln -sf /dev/null $E/$u
done
# generators look for disks, fstab entries and services this guest does not have (seconds under TCG)
mkdir -p $R/etc/systemd/system-generators
for g in $R/lib/systemd/system-generators/*; do ln -sf /dev/null $R/etc/systemd/system-generators/${g##*/}; done
: > $R/etc/fstab
# the host may be a container itself: this guest is not (systemd would then ignore the kernel command line)
rm -f $R/.dockerenv $R/run/.containerenv
cat > $E/jrunc-vm.target <<'EOF'
[Unit]
Description=jrunc systemd test VM
Requires=basic.target dbus.service jrunc-vm.service
After=basic.target
AllowIsolate=yes
EOF
cat > $E/jrunc-vm.service <<'EOF'
[Unit]
Description=jrunc systemd test run
Requires=dbus.service
After=dbus.service basic.target
[Service]
Type=oneshot
ExecStart=/bin/sh /run/sdvm/runner
StandardInput=null
StandardOutput=journal
StandardError=journal
TimeoutStartSec=infinity
EOF
cat > $C/runner <<'EOF'
#!/bin/sh
# hvc0 = the command's stdout, hvc1 = its stderr; kept open (hvc resets termios on last close), raw
exec 3>/dev/hvc0 4>/dev/hvc1
stty -F /dev/hvc0 raw -echo; stty -F /dev/hvc1 raw -echo
# systemd answers on the system bus once dbus is up
i=0; until busctl --timeout=2 call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.DBus.Peer Ping >/dev/null 2>&1; do
  i=$((i+1)); [ $i -gt 100 ] && { echo "systemd-vm: systemd never answered on the system bus" >&4; break; }; sleep 0.1; done
env -i /bin/bash -c '. /run/sdvm/env; cd "$(cat /run/sdvm/cwd)" 2>/dev/null || cd /; exec /bin/bash /run/sdvm/cmd' </dev/null >&3 2>&4
echo $? > /run/sdvm/rc
exec 3>&- 4>&-
sync
systemctl --force --force poweroff
EOF
hostname sdvm
exec switch_root $R /lib/systemd/systemd
