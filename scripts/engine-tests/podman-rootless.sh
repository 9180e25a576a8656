#!/bin/bash
# Rootless podman: an unprivileged user (scripts/rootless-user.sh: jrunc-rootless, with
# /etc/subuid and /etc/subgid ranges) runs podman with jrunc as the OCI runtime, then the same
# cases with Debian's runc; the two must agree. Storage (vfs), run root, tmp dir, events and the
# user's XDG_RUNTIME_DIR live under /tmp/jrunc-podman-rootless-XXXX; cgroupfs, no network.
# The image is the busybox rootfs of the other suites (--rootfs, owned by the user), no pulls.
#
#   scripts/engine-tests/podman-rootless.sh      (run as root; JRUNC=/abs/path/to/jrunc)
#
# The last line is `podman-rootless: N passed, M failed`; the exit status is non-zero on any failure.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
JRUNC=${JRUNC:-$TOP/jrunc}
SUITE=podman-rootless
. "$HERE/lib.sh"

need_common
need_cmd podman podman
need_cmd conmon conmon
need_cmd newuidmap uidmap
U=$("$TOP/scripts/rootless-user.sh") || die "cannot make the rootless test user"
UID_=$(id -u "$U")
SUB_UID=$(awk -F: -v u="$U" '$1 == u {print $2; exit}' /etc/subuid)

D=$(mktemp -d /tmp/jrunc-podman-rootless-XXXX)
chmod 0755 "$D"
OUT=$D/out
ROOTFS=$D/bundle/rootfs
make_rootfs "$D/bundle"
mkdir -p "$D/tmp" "$D/xdg" "$D/volume" "$ROOTFS/data" "$D/storage" "$D/run" && echo from-volume >"$D/volume/f"
chown -R "$U:" "$D/bundle" "$D/tmp" "$D/xdg" "$D/volume" "$D/storage" "$D/run"
chmod 0700 "$D/xdg"
mkdir -p "$OUT" && chmod 0777 "$OUT"
# A createRuntime hook (podman's --hooks-dir) that writes down what PID 1 of the container is
# while it is being created: the runtime's native helper, never a JVM.
mkdir -p "$D/hooks"
cat >"$D/pid1.sh" <<EOF
#!/bin/sh
pid=\$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
{ readlink /proc/\$pid/exe; grep VmRSS /proc/\$pid/status; } >"$OUT/pid1.log"
EOF
chmod 0755 "$D/pid1.sh"
cat >"$D/hooks/pid1.json" <<EOF
{"version": "1.0.0", "hook": {"path": "$D/pid1.sh"}, "when": {"always": true}, "stages": ["createRuntime"]}
EOF
LIMITS="--ulimit nofile=1024:1024 --ulimit nproc=1024:1024"

cat >"$D/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
EOF
# podman as the user, on the private storage, in a clean environment.
cat >"$D/podman" <<EOF
#!/bin/sh
exec runuser -u $U -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/home/$U XDG_RUNTIME_DIR=$D/xdg \\
    CONTAINERS_CONF=$D/containers.conf podman --root $D/storage --runroot $D/run --tmpdir $D/tmp \\
    --storage-driver vfs --cgroup-manager cgroupfs --events-backend file "\$@"
EOF
chmod +x "$D/podman"
podman_base() { "$D/podman" "$@"; }

cleanup() {
    podman_base rm -af -t 0 >/dev/null 2>&1
    # rootless podman keeps a pause process holding its user namespace: ours to stop, by its pid file
    local p
    for p in "$D"/xdg/libpod/tmp/pause.pid "$D"/tmp/pause.pid; do
        [ -s "$p" ] && kill "$(cat "$p")" 2>/dev/null
    done
    local left i
    for i in $(seq 20); do
        left=$(ps -u "$U" -o pid=,stat=,comm= | awk '$2 !~ /^Z/ {print $1, $3}' | tr '\n' ' ')   # zombies wait on the host's PID 1
        [ -z "$left" ] && break
        sleep 0.25
    done
    [ -n "$left" ] && say "left running as $U: $left"
    if grep -q " $D" /proc/self/mounts; then
        say "left mounted under $D (not removed):"; grep " $D" /proc/self/mounts >&2
    else
        rm -rf "$D"
    fi
}
trap cleanup EXIT

t() {
    local name=$1 xf=$2 cond=$3
    shift 3
    out=$o/$name.out
    run "$out" "$@"
    # runc's own advice about the host's mount propagation is not part of the container's output
    sed -i '/level=warning msg=.*is not a shared mount/d' "$out"
    RC[$rt/$name]=$rc
    check "$rt" "$name" "$xf" eval "$cond"
}
state_of() { podman_base inspect -f '{{.State.Status}}' "$1" 2>/dev/null; }

suite() {
    rt=$1
    local bin=$2
    o=$OUT/$rt
    mkdir -p "$o"
    say "== rootless podman $(podman --version | awk '{print $3}') as $U with $rt ($bin)"
    P="$D/podman --runtime $bin"
    local A="--network none $LIMITS --rootfs $ROOTFS" n=$rt-d
    # podman's user namespace: the user as 0, its /etc/subuid range from 1 on
    t run-rm "" '[ $rc = 3 ] && has $out "^ +0 +'"$UID_"' +1$" && has $out "^ +1 +'"$SUB_UID"' +65536$" && has $out "^uid=0$"' \
        $P run --rm $A /bin/sh -c 'cat /proc/self/uid_map; echo uid=$(id -u); exit 3'
    t detached "" '[ $rc = 0 ] && [ "$(state_of $n)" = running ]' $P run -d --name $n $A /bin/sleep 1000
    t exec "" '[ $rc = 6 ] && has $out "^in-exec$"' $P exec $n /bin/sh -c 'echo in-exec; exit 6'
    t stop "" '[ $rc = 0 ] && [ "$(state_of $n)" = exited ]' $P stop -t 1 $n
    t rm "" '[ $rc = 0 ] && [ -z "$($P ps -aq --filter name=^$n\$)" ]' $P rm $n
    # keep-id: the user's own uid inside too
    t keep-id "" '[ $rc = 0 ] && has $out "^uid='"$UID_"'$"' \
        $P run --rm --userns=keep-id $A /bin/sh -c 'echo uid=$(id -u)'
    t volume "" '[ $rc = 0 ] && has $out "^from-volume$"' \
        $P run --rm -v "$D/volume:/data" $A /bin/cat /data/f
    # during create, PID 1 is no JVM: the rootfs is built by a thread of the runtime (root of
    # podman's user namespace may join the container's), with a keep-id user namespace too
    rm -f "$OUT/pid1.log"
    t pid1-create "" '[ $rc = 0 ] && [ -s $OUT/pid1.log ] && ! grep -q java $OUT/pid1.log' \
        $D/podman --hooks-dir $D/hooks --runtime $bin run --rm $A /bin/true
    rm -f "$OUT/pid1.log"
    t pid1-create-keep-id "" '[ $rc = 0 ] && [ -s $OUT/pid1.log ] && ! grep -q java $OUT/pid1.log' \
        $D/podman --hooks-dir $D/hooks --runtime $bin run --rm --userns=keep-id $A /bin/true
    podman_base rm -af -t 0 >/dev/null 2>&1
}

suite jrunc "$JRUNC"
suite runc "$RUNC"

say "== jrunc and runc agree"
for c in run-rm keep-id volume; do compare $c out; done
for c in detached exec stop rm; do compare $c rc; done

table podman-rootless
echo "podman-rootless: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
