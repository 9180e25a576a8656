#!/bin/sh
# Checks jrunc's build and test prerequisites and installs the missing Debian packages.
#   scripts/prereqs.sh build    gcc, make, maven, a JDK >= 25
#   scripts/prereqs.sh test     the above, plus busybox-static (test rootfs) and zsh (completion test)
#   scripts/prereqs.sh bench    the above, plus runc (the comparison)
#   scripts/prereqs.sh man      the above, plus asciidoctor (man pages)
#   scripts/prereqs.sh rootless the test set plus runc, jq and uidmap (newuidmap, newgidmap)
#   scripts/prereqs.sh systemd  the test set plus qemu, systemd, dbus, runc, containerd and jq (make test-systemd)
set -eu
what=${1:-build}
missing=""
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need gcc gcc
need mvn maven
case "$what" in
    test|bench|demo|systemd|rootless) [ -x /bin/busybox ] || missing="$missing busybox-static" ;;
esac
case "$what" in
    test) need zsh zsh ;;   # CliIT completes with the generated zsh function
esac
case "$what" in
    bench) need runc runc ;;
    rootless) need runc runc; need jq jq; need newuidmap uidmap ;;
    man) need asciidoctor asciidoctor ;;
    systemd) need runc runc; need qemu-system-x86_64 qemu-system-x86; need jq jq; need xz xz-utils
             need containerd containerd; need dbus-daemon dbus
             [ -x /lib/systemd/systemd ] || missing="$missing systemd" ;;
esac
if [ -n "$missing" ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "missing:$missing — install these packages (as root: apt-get install$missing)" >&2
        exit 1
    fi
    echo "installing:$missing"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
"$(dirname "$0")/find-jdk.sh" >/dev/null
case "$what" in
    test|bench|demo|systemd)
        [ -x /bin/busybox ] || { echo "busybox-static did not install /bin/busybox" >&2; exit 1; } ;;
esac
