#!/bin/bash
# cgroup2-tests.sh JRUNC [BASE_BUNDLE] - linux.resources and the cgroup verbs on a host whose only
# hierarchy is cgroup2 (make test-cgroup2 runs it in a throwaway VM, see ../shared/tools/cg2vm).
# Runs real containers, checks the cgroup files and the limits' effects, and ends with the line
# "cgroup2: N passed, M failed" (exit status 1 when M > 0, 2 when the host is not pure cgroup2).
set -u
JRUNC=${1:?usage: cgroup2-tests.sh JRUNC [BASE_BUNDLE]}
BASE=${2:-}
CG=/sys/fs/cgroup
[ -f $CG/cgroup.controllers ] || { echo "cgroup2-tests: $CG is not a cgroup2 mount" >&2; exit 2; }
for c in memory pids cpu cpuset io; do
    grep -qw $c $CG/cgroup.controllers || { echo "cgroup2-tests: controller $c missing in $CG" >&2; exit 2; }
done

W=$(mktemp -d /tmp/jrunc-cg2.XXXXXX)
ROOT=$W/root
PASS=0 FAIL=0
pass() { PASS=$((PASS + 1)); echo "ok   $*"; }
fail() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
skip() { echo "skip $*"; }
# check NAME EXPECTED ACTUAL
check() { if [ "$2" = "$3" ]; then pass "$1 = $3"; else fail "$1: expected '$2', got '$3'"; fi; }
# contains NAME NEEDLE HAYSTACK
contains() { case "$3" in *"$2"*) pass "$1";; *) fail "$1: no '$2' in: $3";; esac; }
j() { "$JRUNC" --root "$ROOT" "$@"; }
cgdir() { jq -r '.cgroupPaths[""]' "$ROOT/$1/state.json"; }
gone() { # the container left no state and no cgroup directory
    local id=$1 dir=$2
    if [ ! -e "$ROOT/$id" ] && [ ! -e "$dir" ] && [ -z "$(find $CG -maxdepth 4 -type d -name "$id" 2>/dev/null)" ]; then
        pass "$id: nothing left behind"
    else
        fail "$id: left behind: $(ls -d "$ROOT/$id" "$dir" 2>/dev/null) $(find $CG -maxdepth 4 -type d -name "$id")"
    fi
}
# bundle ID ARGS_JSON RESOURCES_JSON: a bundle sharing the one rootfs
bundle() {
    mkdir -p "$W/$1"
    jq --argjson args "$2" --argjson res "$3" --arg rootfs "$W/rootfs" \
       '.process.terminal = false | .process.args = $args | .root = {path: $rootfs, readonly: false}
        | .linux.resources = ((.linux.resources // {}) * $res)' "$W/base.json" > "$W/$1/config.json"
}
wait_for() { # wait_for SECONDS COMMAND...
    local end=$((SECONDS + $1)); shift
    until "$@"; do [ $SECONDS -ge $end ] && return 1; sleep 0.2; done
}
cleanup() {
    for r in "$ROOT" "$W/root2"; do
        for d in "$r"/*/; do [ -d "$d" ] && "$JRUNC" --root "$r" delete --force "$(basename "$d")" >/dev/null 2>&1; done
    done
    rm -rf "$W"
}
trap cleanup EXIT

# The rootfs: a copy of the base bundle's (or a new one), plus a node of a device no rule allows.
if [ -z "$BASE" ]; then
    BASE=$W/base; "$(dirname "$0")/make-bundle.sh" "$BASE" "$JRUNC" >/dev/null || exit 2
fi
cp -a "$BASE/rootfs" "$W/rootfs"
cp "$BASE/config.json" "$W/base.json"
mknod "$W/rootfs/tmp/fusedev" c 10 229

echo "cgroup2: kernel $(uname -r), controllers: $(cat $CG/cgroup.controllers)"

# --- 1. a long-running container with every limit; read back inside and on the host
A=cg2-a
bundle $A '["sh","-c","cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max > /tmp/inside; i=0; while true; do i=$((i+1)); echo $i > /tmp/count.new; mv /tmp/count.new /tmp/count; usleep 50000; done"]' \
    '{"memory":{"limit":33554432},"pids":{"limit":10},"cpu":{"shares":512,"quota":50000,"period":100000,"cpus":"0","mems":"0"},"blockIO":{"weight":300}}'
if j run -d --bundle "$W/$A" $A; then pass "run -d with memory, pids, cpu, cpuset, io limits"; else fail "run -d $A"; fi
D=$(cgdir $A)
contains "cgroup path is under $CG" "$CG/" "$D"
check "memory.max" 33554432 "$(cat $D/memory.max)"
check "pids.max" 10 "$(cat $D/pids.max)"
check "cpu.weight (shares 512)" 20 "$(cat $D/cpu.weight)"
check "cpu.max" "50000 100000" "$(cat $D/cpu.max)"
check "cpuset.cpus" 0 "$(cat $D/cpuset.cpus)"
check "cpuset.mems" 0 "$(cat $D/cpuset.mems)"
if [ -f $D/io.bfq.weight ]; then
    check "io.bfq.weight" "default 300" "$(head -1 $D/io.bfq.weight)"
elif [ -f $D/io.weight ]; then
    check "io.weight (blkio weight 300)" "default 2930" "$(head -1 $D/io.weight)"
else
    skip "io weight: neither io.weight nor io.bfq.weight on this kernel"
fi
wait_for 10 test -s "$W/rootfs/tmp/inside"
check "inside: memory.max pids.max cpu.max" "33554432 10 50000 100000" "$(tr '\n' ' ' < $W/rootfs/tmp/inside | sed 's/ $//')"

# freeze through cgroup.freeze
wait_for 10 test -s "$W/rootfs/tmp/count"
j pause $A && pass "pause" || fail "pause"
check "state while paused" paused "$(j state $A | jq -r .status)"
check "cgroup.freeze" 1 "$(cat $D/cgroup.freeze)"
check "cgroup.events frozen" "frozen 1" "$(grep frozen $D/cgroup.events)"
c1=$(cat $W/rootfs/tmp/count); sleep 1; c2=$(cat $W/rootfs/tmp/count)
check "counter while paused" "$c1" "$c2"
j resume $A && pass "resume" || fail "resume"
check "cgroup.freeze after resume" 0 "$(cat $D/cgroup.freeze)"
if wait_for 5 test "$(cat $W/rootfs/tmp/count)" != "$c2"; then pass "counter moves after resume"; else fail "counter stuck after resume"; fi

# update
j update $A --memory 64m --pids-limit 20 --cpu-shares 1024 --cpu-quota 20000 && pass "update" || fail "update"
check "memory.max after update" 67108864 "$(cat $D/memory.max)"
check "pids.max after update" 20 "$(cat $D/pids.max)"
check "cpu.weight after update (shares 1024)" 39 "$(cat $D/cpu.weight)"
check "cpu.max after update" "20000 100000" "$(cat $D/cpu.max)"
check "state.json keeps the new memory limit" 67108864 "$(jq .config.linux.resources.memory.limit $ROOT/$A/state.json)"
if [ -n "$(ls /sys/block 2>/dev/null | head -1)" ]; then
    dev=$(cat /sys/block/$(ls /sys/block | head -1)/dev)
    echo "{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":${dev%:*},\"minor\":${dev#*:},\"rate\":1048576}]}}" |
        j update --resources - $A && pass "update --resources - (io.max)" || fail "update --resources io.max"
    contains "io.max" "$dev rbps=1048576" "$(cat $D/io.max)"
else
    skip "io.max: no block device in this machine"
fi

# events --stats, ps
ev=$(j events --stats $A)
check "events --stats type" stats "$(jq -r .type <<<"$ev")"
check "events --stats memory limit" 67108864 "$(jq .data.memory.usage.limit <<<"$ev")"
check "events --stats pids limit" 20 "$(jq .data.pids.limit <<<"$ev")"
pid=$(jq .pid "$ROOT/$A/state.json")
contains "ps --format json lists the init" "$pid" "$(j ps --format json $A)"

j delete --force $A && pass "delete --force" || fail "delete --force $A"
gone $A "$D"

# --- 2. small limits: true runs; the next fork is refused; over 16 MiB is OOM-killed; and devices
# through the eBPF program: /dev/null allowed, a device with no allow rule denied (one container:
# every JVM start costs seconds in an emulated machine)
B=cg2-b
bundle $B '["sh","-c","true && echo true-ok; sh -c '"'"'for i in 1 2 3 4 5 6; do sleep 1 & done; wait'"'"'; sh -c '"'"'x=a; while true; do x=$x$x; done'"'"'; echo child=$?; grep oom_kill /sys/fs/cgroup/memory.events; echo x > /dev/null && echo null-ok; exec 3</tmp/fusedev"]' \
    '{"memory":{"limit":16777216},"pids":{"limit":4},"devices":[{"allow":false,"access":"rwm"},{"allow":false,"type":"c","major":10,"minor":229,"access":"rwm"}]}'
out=$(j run --bundle "$W/$B" $B 2>&1)
contains "true runs under memory 16 MiB, pids 4" "true-ok" "$out"
contains "pids.max refuses the next fork" "can't fork" "$out"
contains "memory.max OOM-kills (SIGKILL)" "child=137" "$out"
contains "memory.events counts the OOM kill" "oom_kill 1" "$out"
contains "an allowed device opens" "null-ok" "$out"
contains "a denied device cannot be opened" "Operation not permitted" "$out"
gone $B "$CG/$B"

# --- 3. hugetlb: hugetlb.2MB.max (and its reservation twin) set; a mapping past the limit refused.
# The machine is throwaway: it may reserve a few huge pages for the test.
echo 4 > /proc/sys/vm/nr_hugepages 2>/dev/null
if grep -qw hugetlb $CG/cgroup.controllers && [ -x "$W/rootfs/bin/hugetlb-probe" ] \
        && [ "$(cat /proc/sys/vm/nr_hugepages)" -ge 3 ]; then
    H=cg2-h
    bundle $H '["sh","-c","cat /sys/fs/cgroup/hugetlb.2MB.max; /bin/hugetlb-probe 2; /bin/hugetlb-probe 3"]' \
        '{"hugepageLimits":[{"pageSize":"2MB","limit":4194304}]}'
    out=$(j run --bundle "$W/$H" $H 2>&1)
    contains "hugetlb.2MB.max seen in the container" "4194304" "$out"
    contains "two huge pages fit in 4 MiB" "mapped 2" "$out"
    contains "a third huge page is refused" "mmap: Cannot allocate memory" "$out"
    gone $H "$CG/$H"
else
    fail "hugetlb: no hugetlb controller, probe or huge pages in this machine"
fi

# --- 4. the v2 conversions of the other fields (reservation, swap, burst, idle) and unified, read
# back inside the container
F=cg2-f
bundle $F '["sh","-c","cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.low /sys/fs/cgroup/memory.swap.max /sys/fs/cgroup/memory.high /sys/fs/cgroup/cpu.max.burst /sys/fs/cgroup/cpu.idle /sys/fs/cgroup/pids.max"]' \
    '{"memory":{"limit":67108864,"reservation":16777216,"swap":100663296},"cpu":{"quota":50000,"period":100000,"burst":20000,"idle":1},"unified":{"memory.high":"50331648","pids.max":"7"}}'
out=$(j run --bundle "$W/$F" $F 2>&1)
# memory.max, memory.low (reservation), memory.swap.max (swap - limit), memory.high and pids.max
# (unified), cpu.max.burst, cpu.idle
check "memory.max memory.low memory.swap.max memory.high cpu.max.burst cpu.idle pids.max" \
    "67108864 16777216 33554432 50331648 20000 1 7" "$(echo $out)"
gone $F "$CG/$F"

# --- 5. a bad value fails create, names the field and leaves nothing behind
E=cg2-e
bundle $E '["true"]' '{"cpu":{"cpus":"0-"}}'
out=$(j create --bundle "$W/$E" $E 2>&1); rc=$?
check "create with cpus \"0-\" fails" 1 "$rc"
contains "the message names the field" "cpus" "$out"
gone $E "$CG/$E"
N=cg2-n
bundle $N '["true"]' '{"network":{"classID":1048577}}'
out=$(j create --bundle "$W/$N" $N 2>&1); rc=$?
check "create with network.classID on cgroup v2 fails" 1 "$rc"
contains "the message names the field" "network.classID" "$out"
gone $N "$CG/$N"

# --- 6. safety: a path reaching the root is refused; only linux.resources.devices and the standard
# nodes are allowed (the eBPF program); a frozen cgroup is refused at once; exec --cgroup stays in
# the container's cgroup; two --root directories share a cgroup, and the last delete removes it.
# Everything lives under a parent of the test's own, with a sibling process that must survive.
P=jrunc-cg2-safe-$$
mkdir "$CG/$P" "$CG/$P/sibling"
sleep 1000 & SIB=$!
echo $SIB > "$CG/$P/sibling/cgroup.procs"
at() { jq --arg p "$2" '.linux.cgroupsPath = $p' "$W/$1/config.json" > "$W/$1/c.json" && mv "$W/$1/c.json" "$W/$1/config.json"; }
R=cg2-r
bundle $R '["true"]' '{}'
at $R ".."
out=$(j create --bundle "$W/$R" $R 2>&1); rc=$?
check "create with cgroupsPath \"..\" fails" 1 "$rc"
contains "the message names linux.cgroupsPath" '$.linux.cgroupsPath: ".." resolves to' "$out"
gone $R "$CG/$R"
K=cg2-k
bundle $K '["sh","-c","echo x > /dev/kmsg && echo wrote"]' '{"devices":[{"allow":false,"access":"rwm"}]}'
jq '.linux.devices = [{"path":"/dev/kmsg","type":"c","major":1,"minor":11,"fileMode":438,"uid":0,"gid":0}]' \
    "$W/$K/config.json" > "$W/$K/c.json" && mv "$W/$K/c.json" "$W/$K/config.json"
out=$(j run --bundle "$W/$K" $K 2>&1)
contains "a node of linux.devices without an allow rule cannot be written" "Operation not permitted" "$out"
gone $K "$CG/$K"
mkdir "$CG/$P/cold" && echo 1 > "$CG/$P/cold/cgroup.freeze"
Z=cg2-z
bundle $Z '["true"]' '{}'
at $Z "/$P/cold"
out=$(timeout 60 "$JRUNC" --root "$ROOT" create --bundle "$W/$Z" $Z 2>&1); rc=$?
check "create in a frozen cgroup fails at once" 1 "$rc"
contains "the message names the frozen cgroup" "cgroup $CG/$P/cold is frozen" "$out"
gone $Z "$CG/$P/cold/$Z"
X=cg2-x
bundle $X '["sleep","1000"]' '{}'
at $X "/$P/ctr"
j run -d --bundle "$W/$X" $X >/dev/null 2>&1 || fail "run -d $X"
mkdir "$CG/$P/ctr/sub"
check "exec --cgroup sub runs in the sub-cgroup" "0::/$P/ctr/sub" "$(j exec --cgroup sub $X cat /proc/self/cgroup)"
out=$(j exec --cgroup ../sibling $X true 2>&1); rc=$?
check "exec --cgroup ../sibling fails" 255 "$rc"
contains "the message says it is outside" "outside the container's cgroup" "$out"
out=$(j exec --cgroup memory:sub $X true 2>&1); rc=$?
check "exec --cgroup controller:path is refused on cgroup v2" 255 "$rc"
j delete --force $X
check "the container's cgroup went with its sub-cgroup" "no" "$([ -e "$CG/$P/ctr" ] && echo yes || echo no)"
S1=cg2-s1 S2=cg2-s2
ROOT2=$W/root2
for s in $S1 $S2; do bundle $s '["sh","-c","sleep 1000 & sleep 1000 & wait"]' '{}'; at $s "/$P/shared"; done
j run -d --bundle "$W/$S1" $S1 >/dev/null 2>&1 || fail "run -d $S1"
# (the detached container keeps its stdout open: no command substitution on it)
"$JRUNC" --root "$ROOT2" run -d --bundle "$W/$S2" $S2 >/dev/null 2>"$W/$S2.err" || fail "run -d $S2 in a second root"
out=$(cat "$W/$S2.err")
contains "the second container is warned that the cgroup holds processes" "already holds processes" "$out"
p2=$(jq .pid "$ROOT2/$S2/state.json")
j delete --force $S1
check "deleting the first leaves the second running" yes "$([ -d /proc/$p2 ] && echo yes || echo no)"
check "and the shared cgroup in place" yes "$([ -d "$CG/$P/shared" ] && echo yes || echo no)"
"$JRUNC" --root "$ROOT2" delete --force $S2
check "the last delete removes the shared cgroup" no "$([ -e "$CG/$P/shared" ] && echo yes || echo no)"
check "the sibling process survived" yes "$([ -d /proc/$SIB ] && echo yes || echo no)"
kill $SIB; wait $SIB 2>/dev/null
echo 0 > "$CG/$P/cold/cgroup.freeze"
rmdir "$CG/$P/sibling" "$CG/$P/cold" "$CG/$P" || fail "the test's cgroups could not be removed"

echo "cgroup2: $PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
