#!/bin/bash
# rootless-tests.sh JRUNC [--cgroup2]: jrunc run by an unprivileged user, each case also run with
# Debian's runc, results side by side. Run as root: it makes the test user (rootless-user.sh:
# jrunc-rootless with /etc/subuid and /etc/subgid ranges) and runs every container as that user
# (runuser), with its own XDG_RUNTIME_DIR. --cgroup2 runs the delegated cgroup v2 cases instead,
# where systemd is PID 1 on cgroup v2 (make test-rootless runs them in scripts/systemd-vm): a scope
# systemd delegates to the user, where a memory limit OOM-kills, pause freezes and nothing is left;
# and --systemd-cgroup on the user's own systemd instance.
#
# Each case prints "NAME  jrunc: PASS|FAIL (...)  runc: ..."; the last line is
# "rootless: N passed, M failed" (jrunc's results; runc's are shown for comparison). Nothing is
# left behind: state, cgroups, mounts, processes of the user and the work directory are checked
# and removed.
set -u
JRUNC=${1:?usage: rootless-tests.sh JRUNC [--cgroup2]}
MODE=${2:-host}
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "rootless-tests: run as root (the cases run as an unprivileged user)" >&2; exit 2; }
command -v jq >/dev/null || { echo "rootless-tests: jq is missing (apt-get install jq)" >&2; exit 2; }
RUNC=$(command -v runc) || { echo "rootless-tests: runc is missing (apt-get install runc)" >&2; exit 2; }
U=$("$HERE/rootless-user.sh") || exit 2
UID_=$(id -u "$U") GID_=$(id -g "$U")
SUB_UID=$(awk -F: -v u="$U" '$1 == u {print $2; exit}' /etc/subuid)
SUB_GID=$(awk -F: -v u="$U" '$1 == u {print $2; exit}' /etc/subgid)

W=$(mktemp -d /tmp/jrunc-rootless.XXXXXX)
chmod 0755 "$W"
"$HERE/make-bundle.sh" "$W/base" "$JRUNC" >/dev/null || { echo "rootless-tests: cannot make a bundle" >&2; exit 2; }
rm "$W/base/config.json"
chown -R "$U:" "$W/base"
mkdir -p "$W/xdg" && chown "$U:" "$W/xdg" && chmod 0700 "$W/xdg"
echo root-owned >"$W/host-file" && chmod 0644 "$W/host-file"

# as_user CMD...: the command as the test user, in a clean environment.
as_user() {
    runuser -u "$U" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="/home/$U" XDG_RUNTIME_DIR="$W/xdg" "$@"
}
# rt RUNTIME ARGS...: jrunc or runc, as the user, on its state under $W/xdg.
rt() {
    local r=$1; shift
    if [ "$r" = jrunc ]; then as_user "$JRUNC" "$@"; else as_user "$RUNC" --root "$W/xdg/runc" "$@"; fi
}
(cd "$W/xdg" && as_user "$JRUNC" spec --rootless)
mv "$W/xdg/config.json" "$W/base.json"

# bundle NAME JQ-FILTER: a bundle sharing the one rootfs, `jrunc spec --rootless`'s config
# (made as the user) with the filter applied.
bundle() {
    mkdir -p "$W/$1"
    jq --arg rootfs "$W/base/rootfs" ".process.terminal = false | .root = {path: \$rootfs, readonly: true} | $2" \
        "$W/base.json" >"$W/$1/config.json"
    chown -R "$U:" "$W/$1"
}
# The user's live processes: a zombie is gone as far as jrunc can tell (the host's PID 1 reaps it when it will).
live_procs() { ps -u "$U" -o pid=,stat=,comm= | awk '$2 !~ /^Z/ {print $1, $3}'; }
args() { printf '.process.args = ["sh", "-c", %s]' "$(jq -Rn --arg s "$1" '$s')"; }

PASS=0 FAIL=0
declare -A RES
# check CASE RUNTIME COND DETAIL: one runtime's result for a case (COND evaluated by bash).
check() {
    if eval "$3"; then RES[$1/$2]="PASS"; else RES[$1/$2]="FAIL ($4)"; fi
}
report() {
    local c=$1
    printf '%-18s jrunc: %-40s runc: %s\n' "$c" "${RES[$c/jrunc]:0:200}" "${RES[$c/runc]:-n/a}"
    case "${RES[$c/jrunc]}" in PASS*) PASS=$((PASS + 1)) ;; *) FAIL=$((FAIL + 1)) ;; esac
}
# run_case RUNTIME NAME: `run` of bundle NAME; out, err and rc are set.
run_case() {
    rc=0
    out=$(cd "$W/$2" && rt "$1" run "$2-$1" 2>"$W/$2/$1.err") || rc=$?
    err=$(cat "$W/$2/$1.err")
    rt "$1" delete -f "$2-$1" >/dev/null 2>&1
}

host_cases() {
    local r
    # uid 0 inside is the user's uid outside
    bundle ids "$(args 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g')"
    for r in jrunc runc; do
        run_case $r ids
        local want
        want=$(printf '0 %s 1|0 %s 1|0|0' "$UID_" "$GID_")
        got=$(echo "$out" | awk '{$1=$1; print}' | paste -sd'|')
        check ids $r '[ "$rc" = 0 ] && [ "$got" = "$want" ]' "rc=$rc out=$got err=$err"
    done
    report ids

    bundle pidns "$(args 'echo $$; ls /proc | grep -c "^[0-9]"')"
    for r in jrunc runc; do
        run_case $r pidns
        check pidns $r '[ "$rc" = 0 ] && [ "$(echo "$out" | head -1)" = 1 ] && [ "$(echo "$out" | tail -1)" -le 3 ]' "rc=$rc out=$out err=$err"
    done
    report pidns

    bundle hostname "$(args 'hostname') | .hostname = \"rootless-box\""
    for r in jrunc runc; do
        run_case $r hostname
        check hostname $r '[ "$rc" = 0 ] && [ "$out" = rootless-box ]' "rc=$rc out=$out err=$err"
    done
    report hostname

    # a root-owned host file, bind-mounted read-write: still not writable (root is the user)
    bundle hostfile "$(args 'echo changed >/mnt/host-file && echo WROTE; cat /mnt/host-file') | .mounts += [{destination: \"/mnt/host-file\", type: \"bind\", source: \"$W/host-file\", options: [\"rbind\", \"rw\"]}]"
    for r in jrunc runc; do
        run_case $r hostfile
        check hostfile $r '[ "$rc" = 0 ] && [ "$out" = root-owned ] && [ "$(cat $W/host-file)" = root-owned ]' "rc=$rc out=$out err=$err"
    done
    report hostfile

    # several ranges: the user's own id as 0, its /etc/subuid range from 1 on (newuidmap)
    bundle multirange "$(args 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g') | .process.user = {uid: 1000, gid: 1000}
        | .linux.uidMappings = [{containerID: 0, hostID: $UID_, size: 1}, {containerID: 1, hostID: $SUB_UID, size: 65536}]
        | .linux.gidMappings = [{containerID: 0, hostID: $GID_, size: 1}, {containerID: 1, hostID: $SUB_GID, size: 65536}]"
    for r in jrunc runc; do
        run_case $r multirange
        local want got
        want=$(printf '0 %s 1|1 %s 65536|0 %s 1|1 %s 65536|1000|1000' "$UID_" "$SUB_UID" "$GID_" "$SUB_GID")
        got=$(echo "$out" | awk '{$1=$1; print}' | paste -sd'|')
        check multirange $r '[ "$rc" = 0 ] && [ "$got" = "$want" ]' "rc=$rc out=$got err=$err"
    done
    report multirange

    # a range the user was not granted: one error naming the mapping, exit 1, nothing left
    bundle badrange "$(args 'true') | .linux.uidMappings = [{containerID: 0, hostID: $UID_, size: 1}, {containerID: 1, hostID: 5000, size: 10}]"
    for r in jrunc runc; do
        run_case $r badrange
        local left
        left=$(ls "$W/xdg/jrunc" "$W/xdg/runc" 2>/dev/null | grep -c badrange)
        if [ $r = jrunc ]; then
            check badrange $r '[ "$rc" = 1 ] && [[ "$err" == *"\$.linux.uidMappings[1]"* ]] && [ "$(echo "$err" | wc -l)" = 1 ] && [ "$left" = 0 ]' "rc=$rc left=$left err=$err"
        else
            check badrange $r '[ "$rc" != 0 ] && [ "$left" = 0 ]' "rc=$rc left=$left err=$err"
        fi
    done
    report badrange

    # devices are the host's nodes, bound
    bundle devices "$(args 'echo x >/dev/null && head -c 3 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c')"
    for r in jrunc runc; do
        run_case $r devices
        check devices $r '[ "$rc" = 0 ] && [ "$(echo $out)" = "3 4" ]' "rc=$rc out=$out err=$err"
    done
    report devices

    # /sys: the host's, read-only, since the network namespace is the host's
    bundle sysfs "$(args 'cut -d" " -f5,6 /proc/self/mountinfo | grep "^/sys " | cut -d" " -f2 | cut -d, -f1; touch /sys/x 2>/dev/null && echo WROTE; ls /sys/kernel >/dev/null && echo listed')"
    for r in jrunc runc; do
        run_case $r sysfs
        check sysfs $r '[ "$rc" = 0 ] && [ "$(echo $out)" = "ro listed" ]' "rc=$rc out=$(echo $out) err=$err"
    done
    report sysfs

    # a memory limit on a host where the user has no cgroup: skipped with a warning
    bundle limits "$(args 'echo ran') | .linux.resources = {memory: {limit: 33554432}, pids: {limit: 100}}"
    for r in jrunc runc; do
        run_case $r limits
        if [ $r = jrunc ]; then
            check limits $r '[ "$rc" = 0 ] && [ "$out" = ran ] && [[ "$err" == *"not applied: memory, pids"* ]]' "rc=$rc out=$out err=$err"
        else
            check limits $r '[ "$rc" = 0 ] && [ "$out" = ran ]' "rc=$rc out=$out err=$err"
        fi
    done
    report limits

    # -d, exec (joins the user namespace), ps, pause refused, kill, delete
    bundle lifecycle "$(args 'sleep 300')"
    for r in jrunc runc; do
        local id=lifecycle-$r e1 e2 st pr kr dr
        (cd "$W/lifecycle" && rt $r run -d $id >/dev/null 2>"$W/lifecycle/$r.err" </dev/null)
        e1=$(rt $r exec $id cat /proc/self/uid_map 2>&1 | awk '{$1=$1; print}')
        e2=$(rt $r exec $id sh -c 'echo $$' 2>&1)
        pr=$(rt $r ps $id 2>/dev/null | grep -c sleep)
        rt $r pause $id >/dev/null 2>"$W/lifecycle/$r.pause"; local prc=$?
        rt $r kill $id KILL; kr=$?
        for _ in $(seq 50); do st=$(rt $r state $id 2>/dev/null | jq -r .status); [ "$st" = stopped ] && break; sleep 0.1; done
        rt $r delete $id; dr=$?
        local procs
        procs=$(live_procs | wc -l)
        check lifecycle $r '[ "$e1" = "0 $UID_ 1" ] && [ "$e2" != 1 ] && [ "$pr" = 1 ] && [ "$prc" = 1 ] && [ "$kr" = 0 ] && [ "$st" = stopped ] && [ "$dr" = 0 ] && [ "$procs" = 0 ] && ! rt $r state $id >/dev/null 2>&1' \
            "exec=$e1/$e2 ps=$pr pause=$prc($(head -c 120 "$W/lifecycle/$r.pause")) kill=$kr state=$st delete=$dr procs=$procs"
    done
    report lifecycle

    # create, start, kill --all TERM: all the container's processes go, delete leaves nothing
    bundle killall "$(args 'sleep 300 & sleep 300 & wait')"
    for r in jrunc runc; do
        local id=killall-$r st n
        (cd "$W/killall" && rt $r create $id </dev/null >/dev/null 2>"$W/killall/$r.err") && rt $r start $id
        sleep 0.5
        n=$(ps -u "$U" -o comm= | grep -c sleep)
        local ipid
        ipid=$(rt $r state $id 2>/dev/null | jq -r .pid)
        rt $r kill --all $id TERM
        for _ in $(seq 50); do st=$(rt $r state $id 2>/dev/null | jq -r .status); [ "$st" = stopped ] && break; sleep 0.1; done
        rt $r delete $id
        local procs
        procs=$(live_procs | wc -l)
        check killall $r '[ "$n" = 2 ] && [ "$st" = stopped ] && [ "$procs" = 0 ] && [ ! -e "$W/xdg/$r/$id" ]' "sleeps=$n state=$st procs=$procs err=$(cat "$W/killall/$r.err")"
        rt $r delete -f $id >/dev/null 2>&1   # what a failed kill --all left
        # runc without a cgroup may leave its init behind; it is the comparison's, not jrunc's, and ours to stop
        [ $r = runc ] && [ -n "$ipid" ] && [ "$ipid" != 0 ] && [ "$ipid" != null ] && kill -KILL "$ipid" 2>/dev/null
    done
    report killall

    # spec --rootless: runc's template (the ociVersion aside)
    local js rs
    mkdir -p "$W/spec-j" "$W/spec-r" && chown "$U:" "$W/spec-j" "$W/spec-r"
    js=$(cd "$W/spec-j" && as_user "$JRUNC" spec --rootless && jq -S 'del(.ociVersion)' config.json)
    rs=$(cd "$W/spec-r" && as_user "$RUNC" spec --rootless && jq -S 'del(.ociVersion)' config.json)
    check spec jrunc '[ -n "$js" ] && [ "$js" = "$rs" ]' "differs from runc spec --rootless: $(diff <(echo "$js") <(echo "$rs") | head -5)"
    check spec runc '[ -n "$rs" ]' "no output"
    report spec
}

cgroup2_cases() {
    local CG=/sys/fs/cgroup D= r holder c
    [ -f $CG/cgroup.controllers ] || { echo "rootless-tests --cgroup2: $CG is not cgroup2" >&2; rm -rf "$W"; exit 2; }
    [ -d /run/systemd/system ] || { echo "rootless-tests --cgroup2: needs systemd as init (scripts/systemd-vm)" >&2; rm -rf "$W"; exit 2; }
    # The throwaway VM's kernel may keep unprivileged user namespaces off (Debian's switch): on.
    [ -w /proc/sys/kernel/unprivileged_userns_clone ] && echo 1 >/proc/sys/kernel/unprivileged_userns_clone
    [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 1)" = 0 ] && echo 1000 >/proc/sys/user/max_user_namespaces
    # The kernel refuses an unprivileged user namespace to a process whose root is a chroot.
    if ! runuser -u "$U" -- unshare --user true 2>/dev/null; then
        echo "rootless-tests --cgroup2: cannot run: $U may not create a user namespace here (a chroot? unshare(2) EPERM)"
        rm -rf "$W"; exit 2
    fi
    # The delegated subtree, made by systemd as for a user's manager: a scope with Delegate=yes and
    # User= (systemd 252 on), so systemd enables the controllers in the slice's cgroup.subtree_control
    # and chowns the scope's directory, cgroup.procs, cgroup.subtree_control and cgroup.threads to
    # the user. Its one process (a sleep of the user's) moves itself into the leaf "session", as a
    # delegatee does: a cgroup with processes in it cannot pass controllers on.
    # (An older systemd without User= on scopes: the same scope, chowned by this script as systemd would.)
    local how="systemd (Delegate=yes, User=$U)" try
    for try in user chown; do
        local props=(-p Delegate=yes)
        [ $try = user ] && props+=(-p User="$U" -p Group="$U")
        systemd-run --quiet --scope --unit=jrunc-rootless-delegated-$try.scope "${props[@]}" --uid="$U" --gid="$GID_" -- \
            sh -c 'c=/sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup); for i in $(seq 100); do [ -w "$c" ] && break; sleep 0.1; done
                   mkdir "$c/session" && echo $$ >"$c/session/cgroup.procs" && exec sleep 900' \
            </dev/null >/dev/null 2>"$W/scope-$try.err" &
        holder=$!
        for _ in $(seq 300); do
            c=$(cut -d: -f3 /proc/$holder/cgroup 2>/dev/null)
            if [ $try = chown ] && [[ "$c" == */jrunc-rootless-delegated-chown.scope ]] && [ ! -O "$CG$c" ]; then
                chown "$U:$U" "$CG$c" "$CG$c/cgroup.procs" "$CG$c/cgroup.subtree_control" "$CG$c/cgroup.threads"
                how="this script (systemd-run refused User= on a scope: $(head -c 200 "$W/scope-user.err"))"
            fi
            [[ "$c" == */session ]] && { D=$CG${c%/session}; break; }
            kill -0 $holder 2>/dev/null || break
            sleep 0.1
        done
        [ -n "$D" ] && break
        kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
    done
    if [ -z "$D" ]; then
        echo "rootless-tests --cgroup2: no delegated scope: $(cat "$W"/scope-*.err) (cgroup: $c)"
        rm -rf "$W"; exit 2
    fi
    echo "delegated by $how"
    echo "delegated: $D ($(stat -c %U $D), cgroup.procs $(stat -c %U $D/cgroup.procs), subtree_control $(stat -c %U $D/cgroup.subtree_control); controllers: $(cat $D/cgroup.controllers))"
    subdirs() { (cd $D && find . -mindepth 1 -type d | sort | paste -sd' '); }
    # as_user from inside the session (moving a process into the subtree from outside needs root).
    as_user() {
        sh -c 'echo $$ >'"$D"'/session/cgroup.procs && exec "$@"' sh \
            runuser -u "$U" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="/home/$U" XDG_RUNTIME_DIR="$W/xdg" "$@"
    }

    # A memory limit that bites: the container reads its memory.max (its own cgroup at /sys/fs/cgroup,
    # or the host's view of it: /proc/self/cgroup under /sys/fs/cgroup), a dd whose one buffer
    # outgrows the limit is OOM-killed (status 137), and memory.events counts the kill. One process
    # allocates: with a pipeline that goes on allocating once its hog is killed, the kernel may kill
    # again before the hog's memory is back, and take PID 1.
    local prog
    prog=$(cat <<'EOF'
c=$(cut -d: -f3 /proc/self/cgroup); d=/sys/fs/cgroup
[ -e $d/memory.max ] || d=/sys/fs/cgroup$c
echo max=$(cat $d/memory.max) swap=$(cat $d/memory.swap.max)
dd if=/dev/zero of=/dev/null bs=200M count=1 2>/dev/null && echo survived
echo status=$?
echo oom_kill=$(sed -n "s/^oom_kill //p" $d/memory.events)
EOF
)
    bundle oom "$(args "$prog") | .linux.cgroupsPath = \"oom\" | .linux.resources = {memory: {limit: 33554432, swap: 33554432}}"
    for r in jrunc runc; do
        run_case $r oom
        local ok
        ok=$(echo "$out" | sed -n 's/^oom_kill=//p')
        check oom $r '[ "$rc" = 0 ] && [[ "$out" == *"max=33554432 swap=0"* ]] && [[ "$out" == *status=137* ]] && [ "${ok:-0}" -ge 1 ] && [[ "$out" != *survived* ]] && [ ! -e $D/oom ]' \
            "rc=$rc out=$(echo $out) err=$err left=$(subdirs)"
        RES[oom/$r]="${RES[oom/$r]} [$(echo $out)]"
    done
    report oom

    # pids.max written; pause freezes the cgroup (cgroup.events: frozen 1), resume thaws it.
    bundle pause "$(args 'sleep 300') | .linux.cgroupsPath = \"paused\" | .linux.resources = {pids: {limit: 20}}"
    for r in jrunc runc; do
        local id=pause-$r pst rst pmax fz tz
        (cd "$W/pause" && rt $r run -d $id </dev/null >/dev/null 2>"$W/pause/$r.err")
        pmax=$(cat $D/paused/pids.max 2>/dev/null)
        rt $r pause $id; pst=$(rt $r state $id | jq -r .status)
        fz=$(sed -n 's/^frozen //p' $D/paused/cgroup.events 2>/dev/null)
        rt $r resume $id; rst=$(rt $r state $id | jq -r .status)
        tz=$(sed -n 's/^frozen //p' $D/paused/cgroup.events 2>/dev/null)
        rt $r delete -f $id
        check pause $r '[ "$pmax" = 20 ] && [ "$pst" = paused ] && [ "$fz" = 1 ] && [ "$rst" = running ] && [ "$tz" = 0 ] && [ ! -e $D/paused ]' \
            "pids.max=$pmax paused=$pst frozen=$fz resumed=$rst frozen=$tz err=$(cat "$W/pause/$r.err") left=$(subdirs)"
        RES[pause/$r]="${RES[pause/$r]} [pids.max=$pmax frozen=$fz/$tz]"
    done
    report pause

    # The subtree holds nothing of the containers': only the session and its one process.
    local dirs procs
    dirs=$(subdirs)
    procs=$(cat $D/cgroup.procs $D/session/cgroup.procs | paste -sd' ')
    check subtree jrunc '[ "$dirs" = ./session ] && [ "$procs" = "$holder" ]' "dirs=$dirs procs=$procs"
    RES[subtree/runc]="(the same subtree)"
    report subtree
    kill "$holder"; wait "$holder" 2>/dev/null
    for _ in $(seq 50); do [ -e $D ] || break; sleep 0.1; done
    [ -e $D ] && { echo "left behind: $D"; FAIL=$((FAIL + 1)); }
    user_systemd_case
}

# --systemd-cgroup as the user: the container's unit belongs to the user's own systemd instance
# (user@UID.service, started as a login would start it), reached over the user's bus at
# $XDG_RUNTIME_DIR/bus; with no cgroupsPath it is a scope in the user's user.slice with Delegate=yes,
# its memory.max holds the limit, update and pause act on it, and delete removes the unit.
user_systemd_case() {
    local RUN=/run/user/$UID_ MGR=/sys/fs/cgroup/user.slice/user-$UID_.slice/user@$UID_.service r
    local dropin=/run/systemd/system/user@$UID_.service.d
    if ! systemctl start user@$UID_.service 2>"$W/user-manager.err"; then
        # This guest may lack the PAM service systemd-user (a trimmed image): start the user's manager
        # without PAM, with the runtime directory pam_systemd would give it (a runtime drop-in, removed below).
        echo "user@$UID_.service did not start: $(journalctl -b -u user@$UID_.service --no-pager -o cat 2>/dev/null | tail -4 | paste -sd'|'); again without PAM"
        mkdir -p $dropin
        printf '[Service]\nPAMName=\nEnvironment=XDG_RUNTIME_DIR=%s\n' $RUN >$dropin/jrunc-test.conf
        systemctl daemon-reload
        systemctl reset-failed user@$UID_.service
        systemctl start user@$UID_.service || echo "user@$UID_.service: $(journalctl -b -u user@$UID_.service --no-pager -o cat | tail -6 | paste -sd'|')"
    fi
    for _ in $(seq 100); do [ -S $RUN/bus ] && break; sleep 0.1; done
    as_user_sd() { runuser -u "$U" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="/home/$U" XDG_RUNTIME_DIR=$RUN "$@"; }
    bundle usersd "$(args 'sleep 300') | del(.linux.cgroupsPath) | .linux.resources = {memory: {limit: 33554432}}"
    for r in jrunc runc; do
        local id=usersd-$r unit=$r-usersd-$r.scope bin=$JRUNC show pid cgd max incg upd umax fz gone
        [ $r = runc ] && bin=$RUNC
        (cd "$W/usersd" && as_user_sd "$bin" --root "$W/xdg/$r" --systemd-cgroup run -d $id </dev/null >/dev/null 2>"$W/usersd/$r.err")
        show=$(as_user_sd systemctl --user show -p Slice -p Delegate -p ActiveState -p ControlGroup $unit 2>&1 | sort | paste -sd' ')
        cgd=/sys/fs/cgroup$(as_user_sd systemctl --user show -P ControlGroup $unit 2>/dev/null)
        pid=$(as_user_sd "$bin" --root "$W/xdg/$r" state $id 2>/dev/null | jq -r .pid)
        max=$(cat $cgd/memory.max 2>/dev/null)
        incg=$(cut -d: -f3 /proc/${pid:-0}/cgroup 2>/dev/null)
        as_user_sd "$bin" --root "$W/xdg/$r" --systemd-cgroup update --memory 67108864 $id 2>>"$W/usersd/$r.err"
        upd=$(cat $cgd/memory.max 2>/dev/null) umax=$(as_user_sd systemctl --user show -P MemoryMax $unit 2>/dev/null)
        as_user_sd "$bin" --root "$W/xdg/$r" --systemd-cgroup pause $id 2>>"$W/usersd/$r.err"
        fz=$(sed -n 's/^frozen //p' $cgd/cgroup.events 2>/dev/null)
        as_user_sd "$bin" --root "$W/xdg/$r" --systemd-cgroup resume $id 2>>"$W/usersd/$r.err"
        as_user_sd "$bin" --root "$W/xdg/$r" --systemd-cgroup delete -f $id 2>>"$W/usersd/$r.err"
        gone=$(as_user_sd systemctl --user show -P LoadState $unit 2>&1)
        check usersd $r '[ "$show" = "ActiveState=active ControlGroup=${MGR#/sys/fs/cgroup}/user.slice/$unit Delegate=yes Slice=user.slice" ] && [ "$max" = 33554432 ] && [ "$incg" = "${cgd#/sys/fs/cgroup}" ] && [ "$upd" = 67108864 ] && [ "$umax" = 67108864 ] && [ "$fz" = 1 ] && [ "$gone" = not-found ] && [ ! -e "$cgd" ]' \
            "show=$show max=$max init-in=$incg update=$upd/$umax frozen=$fz after-delete=$gone err=$(head -c 400 "$W/usersd/$r.err")"
        RES[usersd/$r]="${RES[usersd/$r]} [$unit memory.max=$max→$upd frozen=$fz]"
    done
    report usersd
    systemctl stop user@$UID_.service user-runtime-dir@$UID_.service
    [ -d $dropin ] && { rm -rf $dropin; systemctl daemon-reload; }
    for _ in $(seq 100); do [ -z "$(live_procs)" ] && break; sleep 0.1; done
}

if [ "$MODE" = --cgroup2 ]; then cgroup2_cases; else host_cases; fi

# Nothing of the user's left: processes, state, mounts under the work directory.
for _ in $(seq 50); do [ -z "$(live_procs)" ] && break; sleep 0.1; done
left=$(live_procs | tr '\n' ' ')
[ -n "$left" ] && { echo "left behind: processes of $U: $left"; FAIL=$((FAIL + 1)); }
state=$(ls "$W/xdg/jrunc" 2>/dev/null)
[ -n "$state" ] && { echo "left behind: jrunc state: $state"; FAIL=$((FAIL + 1)); }
grep -q " $W" /proc/self/mountinfo && { echo "left behind: mounts under $W"; FAIL=$((FAIL + 1)); }
rm -rf "$W"
echo "rootless: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
