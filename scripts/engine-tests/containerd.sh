#!/bin/bash
# containerd (runc shim v2, driven by ctr) with jrunc as the runtime binary, then the same cases
# with Debian's runc; the two must agree. Each runtime gets its own containerd on a private socket
# with its own root, state and config under /tmp/jrunc-ctrd-XXXX, stopped by pid at the end.
#
#   scripts/engine-tests/containerd.sh            (JRUNC=/abs/path/to/jrunc to test another build)
#
# The last line is `containerd: N passed, M failed`; the exit status is non-zero on any failure.
# containerd, runc and busybox-static are installed from Debian when missing; if that is not
# possible the suite fails (it never skips).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
JRUNC=${JRUNC:-$TOP/jrunc}
SUITE=containerd
. "$HERE/lib.sh"

need_common
need_cmd containerd containerd
need_cmd ctr containerd

D=$(mktemp -d /tmp/jrunc-ctrd-XXXX)
OUT=$D/out
ROOTFS=$D/bundle/rootfs
make_rootfs "$D/bundle"
CTRD_PID=""

stop_containerd() {
    [ -n "$CTRD_PID" ] || return 0
    kill "$CTRD_PID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$CTRD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$CTRD_PID" 2>/dev/null
    wait "$CTRD_PID" 2>/dev/null
    CTRD_PID=""
}

track_cgroup_parent default
cleanup() {
    stop_containerd
    remove_new_cgroup_parents
    if grep -q " $D" /proc/self/mounts; then
        say "left mounted under $D (not removed):"; grep " $D" /proc/self/mounts >&2
    else
        rm -rf "$D"
    fi
}
trap cleanup EXIT

# start_containerd DIR BIN: a containerd whose v1 runtime entry (config file) names BIN.
start_containerd() {
    local dd=$1 bin=$2
    mkdir -p "$dd"
    cat >"$dd/config.toml" <<EOF
version = 2
root = "$dd/root"
state = "$dd/state"
# CRI needs CNI and a sandbox image; ctr does not use it.
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dd/sock"
# Keep the opt plugin's directory private too (its default is /opt/containerd).
[plugins."io.containerd.internal.v1.opt"]
  path = "$dd/opt"
# A configured runtime entry ctr can use without CRI: the v1 Linux runtime's runc binary.
[plugins."io.containerd.runtime.v1.linux"]
  runtime = "$bin"
  runtime_root = "$dd/v1-root"
EOF
    containerd --address "$dd/sock" --root "$dd/root" --state "$dd/state" --config "$dd/config.toml" \
        >"$dd/containerd.log" 2>&1 &
    CTRD_PID=$!
    for _ in $(seq 100); do
        ctr --address "$dd/sock" version >/dev/null 2>&1 && return 0
        kill -0 "$CTRD_PID" 2>/dev/null || break
        sleep 0.1
    done
    tail -20 "$dd/containerd.log" >&2
    die "containerd did not start (its log is above)"
}

# t CASE XFAIL-NOTE CONDITION CMD...: runs CMD, keeps its status, checks CONDITION ($rc, $out).
t() {
    local name=$1 xf=$2 cond=$3
    shift 3
    out=$o/$name.out
    run "$out" "$@"
    RC[$rt/$name]=$rc
    check "$rt" "$name" "$xf" eval "$cond"
}

task_status() { $C task ls 2>/dev/null | awk -v id="$1" '$1 == id {print $3}'; }
task_pid() { $C task ls 2>/dev/null | awk -v id="$1" '$1 == id {print $2}'; }
wait_status() {
    for _ in $(seq 50); do [ "$(task_status "$1")" = "$2" ] && return 0; sleep 0.1; done
    return 1
}

wait_event() {
    for _ in $(seq 30); do grep -qF -- "$1" "$dd/events.txt" && return 0; sleep 0.1; done
    return 1
}

# Everything left of a suite's containers goes before its containerd stops.
remove_all() {
    local id
    for id in $($C task ls -q 2>/dev/null); do
        $C task kill -s SIGKILL "$id" >/dev/null 2>&1; wait_status "$id" STOPPED
        $C task delete "$id" >/dev/null 2>&1
    done
    for id in $($C container ls -q 2>/dev/null); do $C container rm "$id" >/dev/null 2>&1; done
}

suite() {
    rt=$1
    local bin=$2 dd=$D/$1
    o=$OUT/$rt
    mkdir -p "$o"
    say "== containerd $(containerd --version | awk '{print $3}') with $rt ($bin)"
    start_containerd "$dd" "$bin"
    C="ctr --address $dd/sock"
    local R="--runc-binary $bin --runc-root $dd/runc-root"
    local xps="" xpause="" xresume="" id=$rt-d
    if [ "$rt" = jrunc ]; then
        jrunc_has ps || xps="jrunc has no ps verb yet"
        jrunc_has pause || xpause="jrunc has no pause verb yet"
        jrunc_has resume || xresume="jrunc has no resume verb yet"
        local err_rootfs='\$\.root\.path: rootfs .*/no-such-rootfs does not exist'
    else
        local err_rootfs='invalid rootfs: .*/no-such-rootfs'
    fi

    t exit-status "" '[ $rc = 3 ] && has $out "^to-stdout$" && has $out "^to-stderr$"' \
        $C run --rm $R --rootfs "$ROOTFS" $rt-exit /bin/sh -c 'echo to-stdout; echo to-stderr >&2; exit 3'
    t true "" '[ $rc = 0 ] && [ ! -s $out ]' $C run --rm $R --rootfs "$ROOTFS" $rt-true /bin/true

    t detached "" '[ $rc = 0 ]' $C run -d $R --memory-limit 67108864 --rootfs "$ROOTFS" $id /bin/sleep 1000
    t task-running "" '[ $rc = 0 ] && wait_status $id RUNNING' $C task ls
    t exec "" '[ $rc = 5 ] && has $out "^in-exec$"' \
        $C task exec --exec-id e1 $id /bin/sh -c 'echo in-exec; exit 5'
    t exec-tty "" '[ $rc = 7 ] && has $out "/dev/pts/[0-9]+$"' \
        script -qec "$C task exec -t --exec-id e2 $id /bin/sh -c 'tty; exit 7'" /dev/null
    t exec-missing "" '[ $rc != 0 ] && has $out "exec: \"/bin/nope\""' \
        $C task exec --exec-id e3 $id /bin/nope
    local pid
    pid=$(task_pid $id)
    t ps "$xps" '[ $rc = 0 ] && has $out "^$pid( |$)"' $C task ps $id
    t pause "$xpause" '[ $rc = 0 ] && wait_status $id PAUSED' $C task pause $id
    t resume "$xresume" '[ $rc = 0 ] && wait_status $id RUNNING' $C task resume $id
    t metrics "" '[ $rc = 0 ] && has $out "^memory\.([a-z_]+\.)?usage[a-z_]* +[0-9]+" && has $out "^pids\.current +[0-9]+" && has $out "^memory\.([a-z_]+\.)?limit[a-z_]* +67108864 *$"' \
        $C task metrics $id
    t kill "" '[ $rc = 0 ] && wait_status $id STOPPED' $C task kill -s SIGKILL $id
    t delete "" '[ $rc = 0 ] && [ -z "$(task_status $id)" ]' $C task delete $id
    t container-rm "" '[ $rc = 0 ] && ! $C container ls -q | grep -qx $id' $C container rm $id

    t tty "" '[ $rc = 4 ] && has $out "/dev/pts/[0-9]+$" && has $out "^stdin-and-stdout-are-ttys$"' \
        script -qec "$C run --rm -t $R --rootfs $ROOTFS $rt-tty /bin/sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo stdin-and-stdout-are-ttys; exit 4'" /dev/null
    t seccomp "" '[ $rc = 0 ] && has $out "^Seccomp:[[:space:]]+2$"' \
        $C run --rm --seccomp $R --rootfs "$ROOTFS" $rt-sec /bin/grep '^Seccomp:' /proc/self/status
    # The shim watches the cgroup the runtime made: an OOM kill becomes a /tasks/oom event.
    $C events >"$dd/events.txt" 2>&1 &
    local events_pid=$!
    t oom "" '[ $rc = 137 ] && wait_event "/tasks/oom {\"container_id\":\"$rt-oom\"}"' \
        $C run --rm $R --memory-limit 20000000 --rootfs "$ROOTFS" $rt-oom /bin/sh -c 'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo survived'
    kill $events_pid 2>/dev/null; wait $events_pid 2>/dev/null
    # Errors: ctr shows the runtime's own message, which the shim reads from its --log JSON.
    t bad-rootfs "" '[ $rc != 0 ] && has $out "$err_rootfs"' \
        $C run --rm $R --rootfs "$D/no-such-rootfs" $rt-badroot /bin/true
    t missing-command "" '[ $rc != 0 ] && has $out "exec: \"/bin/nonexistent\""' \
        $C run --rm $R --rootfs "$ROOTFS" $rt-nocmd /bin/nonexistent

    # The runtime named by containerd's config file (no --runc-binary on the command line).
    t config-runtime "" '[ $rc = 3 ] && has $out "^via-config$"' \
        $C run --rm --runtime io.containerd.runtime.v1.linux --rootfs "$ROOTFS" $rt-cfg /bin/sh -c 'echo via-config; exit 3'
    $C run -d --runtime io.containerd.runtime.v1.linux --rootfs "$ROOTFS" $rt-cfgd /bin/sleep 1000 >/dev/null 2>&1
    t config-runtime-state "" '[ $rc = 0 ] && has $out "\"status\": *\"running\""' \
        "$bin" --root "$dd/v1-root/default" state $rt-cfgd
    # README's CRI snippet: containerd parses it into the CRI plugin's runtimes (running a CRI pod
    # needs crictl and a sandbox image, neither of which Debian 12 provides offline).
    cat >"$dd/cri.toml" <<EOF
version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.jrunc]
  runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.jrunc.options]
    BinaryName = "$bin"
EOF
    t cri-config "" '[ $rc = 0 ] && has $out "^ +BinaryName = \"$bin\"$"' containerd --config "$dd/cri.toml" config dump

    # Wall time of `ctr run --rm ... true`, median of 5.
    local i s e times=()
    for i in 1 2 3 4 5; do
        s=$(date +%s%N)
        $C run --rm $R --rootfs "$ROOTFS" $rt-time$i /bin/true >/dev/null 2>&1
        e=$(date +%s%N)
        times+=($(( (e - s) / 1000000 )))
    done
    TIME[$rt]=$(printf '%s\n' "${times[@]}" | median)
    say "  ctr run --rm true with $rt: ${times[*]} ms, median ${TIME[$rt]} ms"

    remove_all
    stop_containerd
}

declare -A TIME
suite jrunc "$JRUNC"
suite runc "$RUNC"

say "== jrunc and runc agree"
for c in exit-status true exec tty seccomp config-runtime; do compare $c out; done
compare oom rc
for c in detached task-running exec-tty exec-missing ps pause resume metrics kill delete container-rm \
         bad-rootfs missing-command config-runtime-state cri-config; do compare $c rc; done

table containerd
echo "ctr run --rm --runc-binary RUNTIME --rootfs ROOTFS ID /bin/true, median of 5: jrunc ${TIME[jrunc]} ms, runc ${TIME[runc]} ms"
[ "$xfailed" -gt 0 ] && echo "expected failures: $xfailed (verbs not in this jrunc yet)"
echo "containerd: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
