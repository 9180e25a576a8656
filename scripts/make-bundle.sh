#!/bin/sh
# Makes an OCI bundle whose rootfs is Debian's static busybox: make-bundle.sh DIR [jrunc]
# The config is `jrunc spec`'s default with args replaced by `sh`.
set -eu
dir=$1
jrunc=${2:-$(cd "$(dirname "$0")/.." && pwd)/jrunc}
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "make-bundle: $busybox missing: apt-get install busybox-static" >&2; exit 1; }
rm -rf "$dir"
mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/sys" "$dir/rootfs/dev" "$dir/rootfs/etc" "$dir/rootfs/tmp"
cp "$busybox" "$dir/rootfs/bin/busybox"
for app in $("$busybox" --list); do
    [ -e "$dir/rootfs/bin/$app" ] || ln -s busybox "$dir/rootfs/bin/$app"
done
echo "root:x:0:0:root:/root:/bin/sh" > "$dir/rootfs/etc/passwd"
echo "root:x:0:" > "$dir/rootfs/etc/group"
chmod 1777 "$dir/rootfs/tmp"
(cd "$dir" && "$jrunc" spec)
