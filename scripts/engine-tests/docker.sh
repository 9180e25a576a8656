#!/bin/bash
# Docker (Debian's docker.io, dockerd + containerd + the runc shim v2) with jrunc as a runtime
# named in daemon.json, then the same cases with Debian's runc (`--runtime runc`) on the same
# daemon; the two must agree. The daemon and its own containerd run on private state under
# /tmp/jrunc-docker-XXXX (data root, exec root, pidfile, sockets, key, containerd's root, state
# and opt dir), with a cgroup parent of their own, and never touch the host's network: no bridge,
# no iptables, containers on --network none. No registry is reachable: the image is a busybox
# rootfs brought in with `docker import`. Everything is stopped by pid and removed at the end.
#
#   scripts/engine-tests/docker.sh               (JRUNC=/abs/path/to/jrunc to test another build)
#
# The last line is `docker: N passed, M failed`; the exit status is non-zero on any failure.
# docker.io, runc and busybox-static are installed from Debian when missing; if that is not
# possible the suite fails (it never skips).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
JRUNC=${JRUNC:-$TOP/jrunc}
SUITE=docker
. "$HERE/lib.sh"

need_common
# Debian's client is /usr/bin/docker (/usr/local/bin may hold another, newer one): by path, then.
DOCKER_BIN=/usr/bin/docker
if [ ! -x /usr/sbin/dockerd ] || [ ! -x "$DOCKER_BIN" ]; then
    say "dockerd or $DOCKER_BIN is missing: installing Debian's docker.io"
    [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 \
        || die "cannot install docker.io (need root and apt-get); the docker tests cannot run without it"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io; } >&2 \
        || die "apt-get install docker.io failed; the docker tests cannot run without it"
    [ -x /usr/sbin/dockerd ] && [ -x "$DOCKER_BIN" ] || die "docker.io installed but /usr/sbin/dockerd or $DOCKER_BIN is missing"
fi
need_cmd containerd containerd
need_cmd containerd-shim-runc-v2 containerd

D=$(mktemp -d /tmp/jrunc-docker-XXXX)
OUT=$D/out
ROOTFS=$D/bundle/rootfs
make_rootfs "$D/bundle"
IMG=jrunc-test/busybox:1
CGP=jrunc-docker-${D##*-}         # the daemon's --cgroup-parent
CTRD_PID="" DOCKERD_PID=""
export DOCKER_CONFIG=$D/client    # the client's config too stays private
DOCKER="$DOCKER_BIN -H unix://$D/docker.sock"

# Directories outside $D made whatever the flags say (dockerd's plugin sockets, the runc shim's
# socket directory): removed at the end if they did not exist before and are empty.
NEW_DIRS=()
for p in /run/docker/plugins /run/docker /run/containerd/s /run/containerd/fifo /run/containerd; do
    [ -e "$p" ] || NEW_DIRS+=("$p")
done

stop_pid() {
    local pid=$1
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

track_cgroup_parent "$CGP"
cleanup() {
    if [ -n "$DOCKERD_PID" ]; then
        $DOCKER rm -f $($DOCKER ps -aq 2>/dev/null) >/dev/null 2>&1
        stop_pid "$DOCKERD_PID"
    fi
    stop_pid "$CTRD_PID"
    remove_new_cgroup_parents
    local p m
    for p in "${NEW_DIRS[@]}"; do [ -d "$p" ] && rmdir "$p" 2>/dev/null; done
    # dockerd's own mounts (its data root bound onto itself, overlay layers, netns files), all under $D.
    for m in $(awk -v d="$D" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r); do umount "$m"; done
    if grep -q " $D" /proc/self/mountinfo; then
        say "left mounted under $D (not removed):"; grep " $D" /proc/self/mountinfo >&2
    else
        rm -rf "$D"
    fi
}
trap cleanup EXIT

start_daemon() {
    # containerd of our own (dockerd's managed one would make /opt/containerd).
    mkdir -p "$D/ctrd"
    cat >"$D/ctrd/config.toml" <<EOF
version = 2
root = "$D/ctrd/root"
state = "$D/ctrd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$D/ctrd/sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$D/ctrd/opt"
EOF
    containerd --config "$D/ctrd/config.toml" >"$D/ctrd/containerd.log" 2>&1 &
    CTRD_PID=$!
    for _ in $(seq 100); do [ -S "$D/ctrd/sock" ] && break; sleep 0.1; done
    [ -S "$D/ctrd/sock" ] || { tail -20 "$D/ctrd/containerd.log" >&2; die "containerd did not start (its log is above)"; }

    # The README's daemon.json entry; "deprecated-key-path" keeps dockerd's key out of /etc/docker.
    cat >"$D/daemon.json" <<EOF
{
  "runtimes": {"jrunc": {"path": "$JRUNC"}},
  "deprecated-key-path": "$D/key.json"
}
EOF
    /usr/sbin/dockerd --config-file "$D/daemon.json" --containerd "$D/ctrd/sock" \
        --data-root "$D/data" --exec-root "$D/exec" --pidfile "$D/dockerd.pid" -H "unix://$D/docker.sock" \
        --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
        --userland-proxy=false --cgroup-parent "/$CGP" --exec-opt native.cgroupdriver=cgroupfs \
        >"$D/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    for _ in $(seq 300); do
        $DOCKER version >/dev/null 2>&1 && break
        kill -0 "$DOCKERD_PID" 2>/dev/null || break
        sleep 0.1
    done
    $DOCKER version >/dev/null 2>&1 || { tail -20 "$D/dockerd.log" >&2; die "dockerd did not start (its log is above)"; }
    $DOCKER info --format '{{json .Runtimes}}' | grep -q "\"jrunc\":{\"path\":\"$JRUNC\"" \
        || die "dockerd did not take the jrunc runtime from daemon.json"
    tar -C "$ROOTFS" -c . | $DOCKER import - "$IMG" >/dev/null || die "docker import of the busybox rootfs failed"
}

t() {
    local name=$1 xf=$2 cond=$3
    shift 3
    out=$o/$name.out
    run "$out" "$@"
    RC[$rt/$name]=$rc
    check "$rt" "$name" "$xf" eval "$cond"
}

inspect() { $DOCKER inspect -f "$2" "$1" 2>/dev/null; }
# the host cgroup directory of a container in one v1 hierarchy
cgroup_of() { echo "/sys/fs/cgroup/$2/$CGP/$($DOCKER inspect -f '{{.Id}}' "$1")"; }
no_cgroup_left() { ! ls -d /sys/fs/cgroup/*/"$CGP/$1"* /sys/fs/cgroup/"$CGP/$1"* >/dev/null 2>&1; }

suite() {
    rt=$1
    o=$OUT/$rt
    mkdir -p "$o"
    say "== docker $($DOCKER version -f '{{.Server.Version}}') with $rt ($2)"
    local R="run --runtime $rt --network none" n=$rt-d full="" xpause="" xresume=""
    if [ "$rt" = jrunc ]; then
        jrunc_has pause || xpause="jrunc has no pause verb yet"
        jrunc_has resume || xresume="jrunc has no resume verb yet"
    fi

    t run-rm "" '[ $rc = 3 ] && has $out "^to-stdout$" && has $out "^to-stderr$"' \
        $DOCKER $R --rm $IMG sh -c 'echo to-stdout; echo to-stderr >&2; exit 3'
    t true "" '[ $rc = 0 ] && [ ! -s $out ]' $DOCKER $R --rm $IMG true

    # -d, logs, exec, stats, pause/unpause, stop, rm
    t detached "" '[ $rc = 0 ] && [ "$(inspect $n {{.State.Status}})" = running ]' \
        $DOCKER $R -d --name $n --memory 64m $IMG sh -c 'echo started; exec sleep 1000'
    full=$(inspect $n '{{.Id}}')
    sleep 0.5
    t logs "" '[ $rc = 0 ] && has $out "^started$"' $DOCKER logs $n
    t exec "" '[ $rc = 5 ] && has $out "^in-exec$" && has $out "^pid1=sleep$"' \
        $DOCKER exec $n sh -c 'echo in-exec; echo pid1=$(cat /proc/1/comm); exit 5'
    t exec-user "" '[ $rc = 0 ] && has $out "^1000:1001$"' $DOCKER exec -u 1000:1001 $n sh -c 'echo $(id -u):$(id -g)'
    t exec-tty "" '[ $rc = 7 ] && has $out "/dev/pts/[0-9]+$"' \
        script -qec "$DOCKER exec -t $n sh -c 'tty; exit 7'" /dev/null
    t exec-missing "" '[ $rc = 126 -o $rc = 127 ] && has $out "/bin/nope"' $DOCKER exec $n /bin/nope
    t stats "" '[ $rc = 0 ] && has $out " / 64MiB$"' $DOCKER stats --no-stream --format '{{.MemUsage}}' $n
    t pause "$xpause" '[ $rc = 0 ] && [ "$(inspect $n {{.State.Status}})" = paused ] && [ "$(cat $(cgroup_of $n freezer)/freezer.state)" = FROZEN ]' \
        $DOCKER pause $n
    t exec-paused "$xpause" '[ $rc != 0 ] && has $out "is paused"' $DOCKER exec $n true
    t unpause "$xresume" '[ $rc = 0 ] && [ "$(inspect $n {{.State.Status}})" = running ] && [ "$(cat $(cgroup_of $n freezer)/freezer.state)" = THAWED ]' \
        $DOCKER unpause $n
    t exec-unpaused "" '[ $rc = 0 ] && has $out "^thawed$"' $DOCKER exec $n echo thawed
    # sleep as PID 1 ignores SIGTERM: docker kills it after the timeout.
    t stop "" '[ $rc = 0 ] && [ "$(inspect $n "{{.State.Status}} {{.State.ExitCode}}")" = "exited 137" ]' \
        $DOCKER stop -t 1 $n
    t rm "" '[ $rc = 0 ] && [ -z "$($DOCKER ps -aq --filter name=^$n\$)" ] && no_cgroup_left $full' $DOCKER rm $n

    t tty "" '[ $rc = 4 ] && has $out "/dev/pts/[0-9]+$" && has $out "^stdin-and-stdout-are-ttys$"' \
        script -qec "$DOCKER $R --rm -t $IMG sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo stdin-and-stdout-are-ttys; exit 4'" /dev/null
    t stdin "" '[ $rc = 0 ] && has $out "^piped-in$"' sh -c "echo piped-in | $DOCKER $R --rm -i $IMG cat"
    t user "" '[ $rc = 0 ] && has $out "^uid=1000 gid=1001$" && has $out "^CapEff:[[:space:]]+0+$" && has $out "Permission denied"' \
        $DOCKER $R --rm --user 1000:1001 $IMG sh -c 'echo uid=$(id -u) gid=$(id -g); grep CapEff /proc/self/status; touch /etc/x; true'

    mkdir -p "$D/volume-$rt" && echo from-host >"$D/volume-$rt/in"
    t volume "" '[ $rc = 0 ] && has $out "^from-host$" && has $out "^ro-refused$" && [ "$(cat $D/volume-$rt/out)" = from-container ]' \
        $DOCKER $R --rm -v "$D/volume-$rt:/data" -v "$D/volume-$rt:/ro:ro" $IMG \
        sh -c 'cat /data/in; echo from-container >/data/out; touch /ro/x 2>/dev/null || echo ro-refused'
    t read-only "" '[ $rc = 0 ] && has $out "Read-only file system" && has $out "^root=ro$" && has $out "^volume-writable$"' \
        $DOCKER $R --rm --read-only -v "$D/volume-$rt:/data" $IMG \
        sh -c 'touch /x; awk "\$2 == \"/\" {split(\$4, o, \",\"); print \"root=\" o[1]}" /proc/mounts; touch /data/y && echo volume-writable'

    # The limits read back inside (the cgroup v1 file, else the v2 one), then seen to bite: a
    # dd whose one buffer outgrows the memory limit is OOM-killed (status 137) while PID 1 lives on and
    # the cgroup counts the kill; a shell forking 40 sleeps hits pids.max (with only builtins
    # left to PID 1 once no fork is possible) and the cgroup stays within it.
    t memory-limit "" '[ $rc = 0 ] && has $out "^limit=33554432$" && has $out "^subshell=137$" && has $out "^oom_kills=1$"' \
        $DOCKER $R --rm --memory 32m --memory-swap 32m $IMG sh -c '
            echo limit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max 2>/dev/null)
            (dd if=/dev/zero of=/dev/null bs=100M count=1 2>/dev/null && echo survived)
            echo subshell=$?
            awk "\$1 == \"oom_kill\" {print \"oom_kills=\" \$2}" /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/memory.events 2>/dev/null; true'
    t pids-limit "" '[ $rc = 0 ] && has $out "^max=20$" && has $out "^fork-refused$" && has $out "^current-within-limit$"' \
        $DOCKER $R --rm --pids-limit 20 $IMG sh -c '
            f=/sys/fs/cgroup/pids; [ -d $f ] || f=/sys/fs/cgroup
            read max <$f/pids.max; echo max=$max
            sh -c "i=0; while [ \$i -lt 40 ]; do sleep 100 & i=\$((i + 1)); done" 2>/tmp/err
            read cur <$f/pids.current; [ "$cur" -le "$max" ] && echo current-within-limit
            while read -r line; do case $line in *"can'"'"'t fork"*) echo fork-refused; break;; esac; done </tmp/err
            kill -9 -1 2>/dev/null; true'
    # PID 1 itself outgrows the limit: the container ends with 137 and docker saw the OOM kill.
    t oom "" '[ $rc = 137 ] && [ "$(inspect $rt-oom {{.State.OOMKilled}})" = true ]' \
        $DOCKER $R --name $rt-oom --memory 20m --memory-swap 20m $IMG sh -c 'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo survived'
    $DOCKER rm -f $rt-oom >/dev/null 2>&1

    # A failure at create: docker maps the runtime's "no such file" to 127 and shows its message.
    t missing-command "" '[ $rc = 127 ] && has $out "/bin/nonexistent"' $DOCKER $R --rm $IMG /bin/nonexistent

    local i s e times=()
    for i in 1 2 3; do
        s=$(date +%s%N)
        $DOCKER $R --rm $IMG true >/dev/null 2>&1
        e=$(date +%s%N)
        times+=($(( (e - s) / 1000000 )))
    done
    TIME[$rt]=$(printf '%s\n' "${times[@]}" | median)
    say "  docker run --rm true with $rt: ${times[*]} ms, median ${TIME[$rt]} ms"
    $DOCKER rm -f $($DOCKER ps -aq) >/dev/null 2>&1
}

start_daemon
declare -A TIME
suite jrunc "$JRUNC"
suite runc "$($DOCKER info -f '{{.RuncCommit.ID}}' 2>/dev/null | sed 's/^/runc /')"

say "== jrunc and runc agree"
for c in run-rm true logs exec exec-user tty stdin user volume read-only memory-limit pids-limit; do compare $c out; done
for c in detached exec-tty exec-missing stats pause exec-paused unpause exec-unpaused stop rm oom missing-command; do
    compare $c rc
done

table docker
echo "docker run --rm --runtime RUNTIME --network none IMAGE true, median of 3: jrunc ${TIME[jrunc]} ms, runc ${TIME[runc]} ms"
[ "$xfailed" -gt 0 ] && echo "expected failures: $xfailed (verbs not in this jrunc yet)"
echo "docker: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
