#!/bin/bash
# podman (through conmon) with jrunc as the OCI runtime, then the same cases with Debian's runc;
# the two must agree. Storage, run root, tmp dir and events live under /tmp/jrunc-podman-XXXX;
# cgroupfs (no systemd), no network (loopback only).
#
#   scripts/engine-tests/podman.sh               (JRUNC=/abs/path/to/jrunc to test another build)
#
# The last line is `podman: N passed, M failed`; the exit status is non-zero on any failure.
# podman, runc and busybox-static are installed from Debian when missing; if that is not
# possible the suite fails (it never skips).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
JRUNC=${JRUNC:-$TOP/jrunc}
SUITE=podman
. "$HERE/lib.sh"

need_common
need_cmd podman podman
need_cmd conmon conmon

D=$(mktemp -d /tmp/jrunc-podman-XXXX)
chmod 0711 "$D"   # the rootfs must be reachable by a user namespace's root (host uid 100000)
OUT=$D/out
ROOTFS=$D/bundle/rootfs
make_rootfs "$D/bundle"
mkdir -p "$D/tmp" "$ROOTFS/var/tmp"
echo image-file >"$ROOTFS/var/tmp/from-image"
mkdir -p "$D/volume" "$ROOTFS/data" && echo from-volume >"$D/volume/f"
# podman's defaults (nofile 1048576, nproc 4194304) are above this machine's hard limits; runc
# fails the same way without these.
LIMITS="--ulimit nofile=1024:1024 --ulimit nproc=1024:1024"

# The README's containers.conf entry, naming each runtime under test.
# default_ulimits: for what gets no --ulimit flag (a pod's infra container).
cat >"$D/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine.runtimes]
jrunc = ["$JRUNC"]
runc = ["$RUNC"]
EOF

# podman on the private storage: a script, so that `script -c` (for -t) can run it too.
cat >"$D/podman" <<EOF
#!/bin/sh
CONTAINERS_CONF=$D/containers.conf exec podman --root $D/storage --runroot $D/run --tmpdir $D/tmp \\
    --cgroup-manager cgroupfs --events-backend file "\$@"
EOF
chmod +x "$D/podman"
podman_base() { "$D/podman" "$@"; }

track_cgroup_parent libpod_parent
cleanup() {
    podman_base rm -af -t 0 >/dev/null 2>&1
    remove_new_cgroup_parents
    # podman leaves its storage's own mounts (overlay, shm) behind until the storage is shut down.
    local m
    for m in $(awk -v d="$D" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r); do umount "$m"; done
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
    RC[$rt/$name]=$rc
    check "$rt" "$name" "$xf" eval "$cond"
}

pod_infra_ns() {
    local infra pid
    infra=$(podman_base pod inspect "$1" -f '{{.InfraContainerID}}') || return 1
    pid=$(podman_base inspect -f '{{.State.Pid}}' "$infra") || return 1
    readlink "/proc/$pid/ns/net"
}
state_of() { podman_base inspect -f '{{.State.Status}}' "$1" 2>/dev/null; }

suite() {
    rt=$1
    local bin=$2
    o=$OUT/$rt
    mkdir -p "$o"
    say "== podman $(podman --version | awk '{print $3}') with $rt ($bin)"
    P="$D/podman --runtime $bin"
    local U="--network none $LIMITS --rootfs $ROOTFS" n=$rt-d xpause="" xresume=""
    if [ "$rt" = jrunc ]; then
        jrunc_has pause || xpause="jrunc has no pause verb yet"
        jrunc_has resume || xresume="jrunc has no resume verb yet"
    fi

    t exit-status "" '[ $rc = 3 ] && has $out "^to-stdout$" && has $out "^to-stderr$"' \
        $P run --rm $U /bin/sh -c 'echo to-stdout; echo to-stderr >&2; exit 3'
    t true "" '[ $rc = 0 ] && [ ! -s $out ]' $P run --rm $U /bin/true
    t detached "" '[ $rc = 0 ] && [ "$(state_of $n)" = running ]' $P run -d --name $n $U /bin/sleep 1000
    t exec "" '[ $rc = 6 ] && has $out "^in-exec$"' $P exec $n /bin/sh -c 'echo in-exec; exit 6'
    t exec-tty "" '[ $rc = 7 ] && has $out "/dev/pts/[0-9]+$"' \
        script -qec "$D/podman --runtime $bin exec -t $n /bin/sh -c 'tty; exit 7'" /dev/null
    t exec-missing "" '[ $rc = 127 ] && has $out "/bin/nope"' $P exec $n /bin/nope
    t pause "$xpause" '[ $rc = 0 ] && [ "$(state_of $n)" = paused ]' $P pause $n
    t unpause "$xresume" '[ $rc = 0 ] && [ "$(state_of $n)" = running ]' $P unpause $n
    # sleep as PID 1 ignores SIGTERM: podman kills it after the timeout.
    t stop "" '[ $rc = 0 ] && [ "$(state_of $n)" = exited ]' $P stop -t 1 $n
    t rm "" '[ $rc = 0 ] && [ -z "$($P ps -aq --filter name=^$n\$)" ]' $P rm $n
    t tty "" '[ $rc = 4 ] && has $out "/dev/pts/[0-9]+$" && has $out "^stdin-and-stdout-are-ttys$"' \
        script -qec "$D/podman --runtime $bin run --rm -t $U /bin/sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo stdin-and-stdout-are-ttys; exit 4'" /dev/null
    t stdin "" '[ $rc = 0 ] && has $out "^piped-in$"' sh -c "echo piped-in | $P run --rm -i $U /bin/cat"
    t user "" '[ $rc = 0 ] && has $out "^uid=1000 gid=1000 groups=1000$" && has $out "^CapEff:[[:space:]]+0+$"' \
        $P run --rm --user 1000:1000 $U /bin/sh -c 'echo uid=$(id -u) gid=$(id -g) groups=$(id -G); grep CapEff /proc/self/status'
    # --read-only: tmpfs on /run, /tmp, /var/tmp with rprivate and tmpcopyup (the image's files copied in)
    t read-only "" '[ $rc = 0 ] && has $out "Read-only file system" && has $out "^image-file$" && has $out "^drwxrwxrwt /tmp$"' \
        $P run --rm --read-only $U /bin/sh -c 'touch /x; cat /var/tmp/from-image; stat -c "%A %n" /tmp'
    t limits "" '[ $rc = 0 ] && has $out "^67108864$" && has $out "^50$"' \
        $P run --rm --memory 64m --pids-limit 50 $U /bin/sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null; true'
    # A user namespace whose root is host uid 100000, with a volume (bind sources under 0700 dirs)
    t userns "" '[ $rc = 0 ] && has $out "^ +0 +100000 +65536$" && has $out "^root-in-ns 0$" && has $out "^from-volume$"' \
        $P run --rm --uidmap 0:100000:65536 --gidmap 0:100000:65536 -v "$D/volume:/data" $U \
        /bin/sh -c 'cat /proc/self/uid_map; echo root-in-ns $(id -u); cat /data/f'
    # A pod: the infra container (catatonit) holds the namespaces; a member joins them by path.
    local pod=$rt-pod
    t pod "" '[ $rc = 0 ] && has $out "^pod-member$" && [ "$(grep "^net:" $out)" = "$(pod_infra_ns $pod)" ]' \
        sh -c "$P pod create --name $pod --network none >/dev/null && $P run --rm --pod $pod $LIMITS --rootfs $ROOTFS /bin/sh -c 'echo pod-member; readlink /proc/self/ns/net'"
    podman_base pod rm -f $pod >/dev/null 2>&1
    # A failure at create: podman's message carries the runtime's own.
    local who=$bin:; [ "$rt" = jrunc ] && who="$bin: jrunc:"
    t missing-command "" '[ $rc = 127 ] && has $out "$who .*exec: \"/bin/nonexistent\""' \
        $P run --rm $U /bin/nonexistent
    # The runtime by name, from containers.conf (the README's snippet).
    t conf-runtime "" '[ $rc = 3 ] && has $out "^via-conf$"' \
        "$D/podman" --runtime $rt run --rm $U /bin/sh -c 'echo via-conf; exit 3'

    local i s e times=()
    for i in 1 2 3; do
        s=$(date +%s%N)
        $P run --rm $U /bin/true >/dev/null 2>&1
        e=$(date +%s%N)
        times+=($(( (e - s) / 1000000 )))
    done
    TIME[$rt]=$(printf '%s\n' "${times[@]}" | median)
    say "  podman run --rm true with $rt: ${times[*]} ms, median ${TIME[$rt]} ms"
    podman_base rm -af -t 0 >/dev/null 2>&1
}

declare -A TIME
suite jrunc "$JRUNC"
suite runc "$RUNC"

say "== jrunc and runc agree"
for c in exit-status true exec tty stdin user read-only limits userns conf-runtime; do compare $c out; done
for c in detached exec-tty exec-missing pause unpause stop rm pod missing-command; do compare $c rc; done

table podman
echo "podman run --rm --rootfs ROOTFS /bin/true, median of 3: jrunc ${TIME[jrunc]} ms, runc ${TIME[runc]} ms"
[ "$xfailed" -gt 0 ] && echo "expected failures: $xfailed (verbs not in this jrunc yet)"
echo "podman: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
