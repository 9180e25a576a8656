#!/bin/bash
# systemd-tests.sh JRUNC BASE_BUNDLE - the systemd cgroup driver (--systemd-cgroup) for real, on a
# host where systemd is PID 1 on the unified cgroup hierarchy (make test-systemd runs it in a
# throwaway VM, scripts/systemd-vm/run.sh). Each case runs with jrunc and then with Debian's runc,
# and the results are shown side by side; jrunc's count. The last line is
# "systemd: N passed, M failed" (exit status 1 when M > 0, 2 when the host is not such a host).
set -u
JRUNC=${1:?usage: systemd-tests.sh JRUNC BASE_BUNDLE}
BASE=${2:?usage: systemd-tests.sh JRUNC BASE_BUNDLE}
CG=/sys/fs/cgroup
[ "$(cat /proc/1/comm)" = systemd ] || { echo "systemd-tests: PID 1 is not systemd" >&2; exit 2; }
[ -f $CG/cgroup.controllers ] || { echo "systemd-tests: $CG is not cgroup2" >&2; exit 2; }
RUNC=$(command -v runc || true)
W=$(mktemp -d /tmp/jrunc-sd.XXXXXX)
declare -A RES NOTE
CASES=()
passed=0 failed=0

say() { echo "$*"; }
# check CASE DESCRIPTION EXPECTED ACTUAL: one result for the current runtime $rt
check() {
    local case=$1 what=$2 want=$3 got=$4 ok=0
    [ "$want" = "$got" ] && ok=1
    record "$case" "$ok" "$what: want '$want', got '$got'"
}
# has CASE DESCRIPTION NEEDLE HAYSTACK
has() {
    local ok=0
    case "$4" in *"$3"*) ok=1;; esac
    record "$1" "$ok" "$2: no '$3' in '$4'"
}
record() {
    local key=$rt/$1
    [[ " ${CASES[*]} " == *" $1 "* ]] || CASES+=("$1")
    if [ "$2" = 1 ]; then
        [ "${RES[$key]:-PASS}" = PASS ] && RES[$key]=PASS
        say "  ok    $rt $1"
    else
        RES[$key]=FAIL; NOTE[$key]="${NOTE[$key]:-}$3; "
        say "  FAIL  $rt $1: $3"
    fi
}

prop() { systemctl show "$1" -p "$2" --value 2>/dev/null; }
# bundle NAME ARGS_JSON RESOURCES_JSON CGROUPS_PATH: a bundle with its own copy of the rootfs
bundle() {
    local d=$W/$rt/$1
    mkdir -p "$d"
    cp -a "$BASE/rootfs" "$d/rootfs"
    jq --argjson args "$2" --argjson res "$3" --arg cgp "$4" \
       '.process.terminal = false | .process.args = $args | .root = {path: "rootfs", readonly: false}
        | .linux.resources = ((.linux.resources // {}) * $res)
        | if $cgp == "" then del(.linux.cgroupsPath) else .linux.cgroupsPath = $cgp end' \
       "$BASE/config.json" > "$d/config.json"
}
wait_for() { local end=$((SECONDS + $1)); shift; until "$@"; do [ $SECONDS -ge $end ] && return 1; sleep 0.2; done; }

# The rest of case A, once its container runs ($A, $unit, $slice, $cgpath, $pid, R from suite)
suite_a() {
    local out rc
    check unit "the unit is active" active "$(prop $unit ActiveState)"
    check unit "the unit's cgroup" "$cgpath" "$(prop $unit ControlGroup)"
    check unit "the unit's slice" "$slice" "$(prop $unit Slice)"
    check unit "Delegate" yes "$(prop $unit Delegate)"
    check unit "the init is in the unit" "0::$cgpath" "$(cat /proc/$pid/cgroup 2>/dev/null)"
    check nested-slices "the parent slices are units" "active active active" \
        "$(echo $(prop kubepods.slice ActiveState) $(prop kubepods-besteffort.slice ActiveState) $(prop $slice ActiveState))"
    check properties "MemoryMax" 33554432 "$(prop $unit MemoryMax)"
    check properties "TasksMax" 10 "$(prop $unit TasksMax)"
    check properties "CPUWeight (shares 512)" 20 "$(prop $unit CPUWeight)"
    check properties "CPUQuotaPerSecUSec" 500ms "$(prop $unit CPUQuotaPerSecUSec)"
    check properties "CPUQuotaPeriodUSec" 100ms "$(prop $unit CPUQuotaPeriodUSec)"
    check properties "AllowedCPUs" 0 "$(prop $unit AllowedCPUs)"
    check properties "IOWeight (blkio weight 300)" 2930 "$(prop $unit IOWeight)"
    check properties "DevicePolicy" strict "$(prop $unit DevicePolicy)"
    has properties "DeviceAllow" "/dev/char/1:3 rwm" "$(prop $unit DeviceAllow)"
    local D=$CG$cgpath
    check files "memory.max" 33554432 "$(cat $D/memory.max 2>&1)"
    check files "pids.max" 10 "$(cat $D/pids.max 2>&1)"
    check files "cpu.weight" 20 "$(cat $D/cpu.weight 2>&1)"
    check files "cpu.max" "50000 100000" "$(cat $D/cpu.max 2>&1)"
    check files "cpuset.cpus" 0 "$(cat $D/cpuset.cpus 2>&1)"
    wait_for 20 test -s "$W/$rt/a/rootfs/tmp/count"
    has pids-limit-bites "a fork past pids.max fails" "can't fork" "$(cat $W/$rt/a/rootfs/tmp/forks 2>&1)"
    check pids-limit-bites "pids.events counts refused forks" 1 "$(awk '/^max/ {print ($2 > 0)}' $D/pids.events 2>&1)"
    # systemd rewrites a unit's cgroup files from its properties when it realizes the unit again
    # (here: a property change of its own); the limits must be among them
    systemctl set-property --runtime $unit CPUAccounting=yes
    check limits-survive-systemd "memory.max after systemd re-applied the unit" 33554432 "$(cat $D/memory.max 2>&1)"
    check limits-survive-systemd "cpu.max after systemd re-applied the unit" "50000 100000" "$(cat $D/cpu.max 2>&1)"

    out=$(R update --memory 67108864 --pids-limit 20 --cpu-quota 20000 $A 2>&1); rc=$?
    check update "update exit status ($out)" 0 "$rc"
    check update "MemoryMax" 67108864 "$(prop $unit MemoryMax)"
    check update "TasksMax" 20 "$(prop $unit TasksMax)"
    check update "CPUQuotaPerSecUSec" 200ms "$(prop $unit CPUQuotaPerSecUSec)"
    check update "memory.max" 67108864 "$(cat $D/memory.max 2>&1)"
    check update "pids.max" 20 "$(cat $D/pids.max 2>&1)"
    check update "cpu.max" "20000 100000" "$(cat $D/cpu.max 2>&1)"

    out=$(R pause $A 2>&1); rc=$?
    check pause-resume "pause exit status ($out)" 0 "$rc"
    check pause-resume "cgroup.events while paused" "frozen 1" "$(grep frozen $D/cgroup.events 2>&1)"
    local c1 c2
    c1=$(cat $W/$rt/a/rootfs/tmp/count); sleep 1; c2=$(cat $W/$rt/a/rootfs/tmp/count)
    check pause-resume "the counter stands still" "$c1" "$c2"
    out=$(R resume $A 2>&1); rc=$?
    check pause-resume "resume exit status ($out)" 0 "$rc"
    check pause-resume "cgroup.events after resume" "frozen 0" "$(grep frozen $D/cgroup.events 2>&1)"
    if wait_for 5 test "$(cat $W/$rt/a/rootfs/tmp/count)" != "$c2"; then record pause-resume 1 ""; else record pause-resume 0 "the counter did not move after resume"; fi

    out=$(R ps --format json $A 2>&1)
    has verbs "ps lists the init" "$pid" "$out"
    out=$(R events --stats $A 2>&1)
    check verbs "events --stats: the memory limit" 67108864 "$(jq .data.memory.usage.limit <<<"$out" 2>&1)"

    # memory.max bites: the allocating subshell is OOM-killed
    # (the update left the container 20% of a CPU, and this machine is emulated: give it time)
    touch $W/$rt/a/rootfs/tmp/oom
    wait_for 180 grep -q rc= $W/$rt/a/rootfs/tmp/oom.out
    has memory-limit-bites "the allocation past memory.max is killed" "rc=137" "$(cat $W/$rt/a/rootfs/tmp/oom.out 2>&1)"
    check memory-limit-bites "memory.events counts it" 1 "$(awk '/^oom_kill / {print ($2 > 0)}' $D/memory.events 2>&1)"
    say "  note  $rt: after the OOM kill the unit is $(prop $unit ActiveState)"

    out=$(R kill --all $A KILL 2>&1); rc=$?
    check verbs "kill --all exit status ($out)" 0 "$rc"
    wait_for 10 eval '! kill -0 $pid 2>/dev/null' 
    out=$(R delete $A 2>&1); rc=$?
    check delete "delete exit status ($out)" 0 "$rc"
    check delete "the unit is gone" not-found "$(prop $unit LoadState)"
    check delete "its cgroup is gone" absent "$([ -e $D ] && echo present || echo absent)"
    check delete "its state is gone" absent "$([ -e $W/$rt/state/$A ] && echo present || echo absent)"

}

suite() {
    rt=$1
    local bin=$2
    R() { "$bin" --root "$W/$rt/state" --systemd-cgroup "$@"; }
    mkdir -p "$W/$rt"
    say "== $rt ($bin)"

    # --- A: a Kubernetes-shaped cgroupsPath (nested slices), with limits. The container first
    # tries to go past pids.max in a subshell (a shell that cannot fork exits), then counts until
    # /tmp/oom appears, then goes past memory.max.
    local A=$rt-a unit=cri-containerd-$rt-a.scope
    local slice=kubepods-besteffort-pod1234.slice
    local cgpath=/kubepods.slice/kubepods-besteffort.slice/$slice/$unit
    bundle a '["sh","-c","(for i in $(seq 15); do sleep 3 & done) 2>/tmp/forks; sleep 4; i=0; while [ ! -e /tmp/oom ]; do i=$((i+1)); echo $i > /tmp/count.new; mv /tmp/count.new /tmp/count; usleep 100000; done; (dd if=/dev/zero of=/dev/null bs=100M count=1 && echo survived) > /tmp/oom.out 2>&1; echo rc=$? >> /tmp/oom.out; sleep 1000"]' \
        '{"memory":{"limit":33554432},"pids":{"limit":10},"cpu":{"shares":512,"quota":50000,"period":100000,"cpus":"0"},"blockIO":{"weight":300}}' \
        "$slice:cri-containerd:$A"
    local out rc
    # (every jrunc verb is a JVM start, which costs seconds in an emulated machine: no more than needed)
    # the detached container inherits run's stdio: a file, not the pipe of a $(...) that would wait for it
    R run -d --pid-file "$W/$rt/a.pid" --bundle "$W/$rt/a" $A >"$W/$rt/a.out" 2>&1 </dev/null; rc=$?
    out=$(cat "$W/$rt/a.out")
    check unit "run -d exit status ($out)" 0 "$rc"
    local pid
    pid=$(cat "$W/$rt/a.pid" 2>/dev/null)
    if [ "$rc" != 0 ] || [ -z "$pid" ]; then
        for c in nested-slices properties files pids-limit-bites limits-survive-systemd update pause-resume verbs \
                 memory-limit-bites delete; do
            record $c 0 "not run: the container did not start"
        done
    else
        suite_a
    fi

    # --- B: no cgroupsPath: the default slice, a scope named after the runtime and the id
    local B=$rt-b
    bundle b '["cat","/proc/self/cgroup"]' '{}' ""
    out=$(R run --bundle "$W/$rt/b" $B 2>&1); rc=$?
    check default-path "run exit status" 0 "$rc"
    has default-path "the container's cgroup" "0::/system.slice/" "$out"
    has default-path "a scope named after the id" "-$B.scope" "$out"
    check default-path "the unit is gone after run" "" "$(systemctl list-units --all --no-legend "*-$B.scope" 2>/dev/null)"

    # --- C: a slice as the unit (slice:prefix:name.slice): a transient slice, nested by its name
    local C=$rt-c
    bundle c '["cat","/proc/self/cgroup"]' '{"pids":{"limit":5}}' "test.slice:x:test-$rt.slice"
    out=$(R run --bundle "$W/$rt/c" $C 2>&1); rc=$?
    check slice-unit "run exit status ($out)" 0 "$rc"
    has slice-unit "the container's cgroup" "0::/test.slice/test-$rt.slice" "$out"

    # --- E: a cgroupsPath systemd refuses: an error, and nothing left behind
    local E=$rt-e
    bundle e '["true"]' '{}' "system.slice:p:a+b"
    out=$(R run --bundle "$W/$rt/e" $E 2>&1); rc=$?
    check bad-unit-name "run exit status" 1 "$rc"
    has bad-unit-name "the message names the unit" "p-a+b.scope" "$out"
    check bad-unit-name "no state left" absent "$([ -e $W/$rt/state/$E ] && echo present || echo absent)"
    check bad-unit-name "no unit left" "" "$(systemctl list-units --all --no-legend 'p-a*' 2>/dev/null)"

    for d in "$W/$rt/state"/*/; do [ -d "$d" ] && R delete --force "$(basename "$d")" >/dev/null 2>&1; done
}

# --- containerd's runc shim with SystemdCgroup=true (ctr run --runc-systemd-cgroup) and jrunc as its binary
ctr_suite() {
    rt=$1
    local bin=$2 dd=$W/ctrd-$1
    mkdir -p "$dd"
    cat > "$dd/config.toml" <<EOF
version = 2
root = "$dd/root"
state = "$dd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dd/sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dd/opt"
EOF
    containerd --config "$dd/config.toml" > "$dd/log" 2>&1 &
    local cpid=$!
    wait_for 30 ctr --address "$dd/sock" version >/dev/null 2>&1
    local id=ctr-$rt out rc
    out=$(timeout 120 ctr --address "$dd/sock" run --rm --runc-binary "$bin" --runc-systemd-cgroup \
        --cgroup "system.slice:ctr:$id" --rootfs "$BASE/rootfs" $id /bin/cat /proc/self/cgroup 2>&1); rc=$?
    check containerd "ctr run --runc-systemd-cgroup exit status ($out)" 0 "$rc"
    has containerd "the task ran in the unit" "0::/system.slice/ctr-$id.scope" "$out"
    check containerd "the unit is gone after run --rm" "" "$(systemctl list-units --all --no-legend "ctr-$id.scope" 2>/dev/null)"
    kill $cpid; wait $cpid 2>/dev/null
}

cleanup() { rm -rf "$W"; }
trap cleanup EXIT
say "systemd $(systemctl --version | head -1 | awk '{print $2}'), kernel $(uname -r), $(cat $CG/cgroup.controllers)"
start=$SECONDS
suite jrunc "$JRUNC"
jt=$((SECONDS - start))
[ -n "$RUNC" ] && suite runc "$RUNC"
rt_end=$SECONDS
if command -v containerd >/dev/null && command -v ctr >/dev/null; then
    ctr_suite jrunc "$JRUNC"
    [ -n "$RUNC" ] && ctr_suite runc "$RUNC"
else
    rt=jrunc; record containerd 0 "containerd or ctr is not installed"
fi

say ""
printf '%-24s %-6s %-6s\n' case jrunc runc
for c in "${CASES[@]}"; do
    printf '%-24s %-6s %-6s\n' "$c" "${RES[jrunc/$c]:--}" "${RES[runc/$c]:--}"
    case "${RES[jrunc/$c]:-}" in PASS) passed=$((passed + 1));; *) failed=$((failed + 1));; esac
done
for c in "${CASES[@]}"; do
    [ -n "${NOTE[runc/$c]:-}" ] && say "runc $c: ${NOTE[runc/$c]}"
done
say "jrunc cases took ${jt}s, runc's $((rt_end - start - jt))s"
echo "systemd: $passed passed, $failed failed"
[ $failed -eq 0 ]
