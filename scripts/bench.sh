#!/bin/bash
# make bench: median wall time of `run true` and of a create/start/wait/delete cycle, for jrunc
# and (when installed) runc, on the same busybox bundle in the same run.
set -euo pipefail
jrunc=$1
here=$(cd "$(dirname "$0")" && pwd)
runs=${BENCH_RUNS:-11}
work=$(mktemp -d /tmp/jrunc-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$(dirname "$0")/make-bundle.sh" "$work/bundle" "$jrunc" >/dev/null
cd "$work/bundle"
python3 - <<'PY'
import json
c = json.load(open("config.json"))
c["process"]["terminal"] = False
c["process"]["args"] = ["true"]
json.dump(c, open("config.json", "w"), indent=2)
PY

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# run-true RUNTIME ROOT: one `run` of `true`, in ms
run_true() {
    local t0 t1
    t0=$(now); "$1" --root "$2" run "b$RANDOM$RANDOM" >/dev/null 2>&1; t1=$(now)
    echo $(( (t1 - t0) / 1000000 ))
}

# cycle RUNTIME ROOT: create, start, wait for the process to exit, delete, in ms
cycle() {
    local id="c$RANDOM$RANDOM" t0 t1
    t0=$(now)
    "$1" --root "$2" create "$id" >/dev/null 2>&1
    "$1" --root "$2" start "$id" >/dev/null 2>&1
    while "$1" --root "$2" state "$id" 2>/dev/null | grep -q '"running"'; do :; done
    "$1" --root "$2" delete "$id" >/dev/null 2>&1
    t1=$(now)
    echo $(( (t1 - t0) / 1000000 ))
}

measure() { # NAME BINARY
    local name=$1 bin=$2 root="$work/root-$1"
    run_true "$bin" "$root" >/dev/null   # warm the page cache
    local rt cy
    rt=$(for _ in $(seq "$runs"); do run_true "$bin" "$root"; done | median)
    cy=$(for _ in $(seq "$runs"); do cycle "$bin" "$root"; done | median)
    echo "$name $rt $cy"
}

results=("$(measure jrunc "$jrunc")")
if command -v runc >/dev/null; then results+=("$(measure runc "$(command -v runc)")"); fi

printf "%-8s %18s %30s\n" runtime "run true (median)" "create/start/wait/delete (median)"
for r in "${results[@]}"; do
    read -r n rt cy <<<"$r"
    printf "%-8s %15s ms %27s ms\n" "$n" "$rt" "$cy"
done
if [ ${#results[@]} -eq 2 ]; then
    read -r _ jrt jcy <<<"${results[0]}"
    read -r _ rrt rcy <<<"${results[1]}"
    awk -v a="$jrt" -v b="$rrt" -v c="$jcy" -v d="$rcy" \
        'BEGIN { printf "ratio jrunc/runc: run true %.1fx, cycle %.1fx  (%s runs each)\n", a/b, c/d, '"$runs"' }'
fi

# What compiling a real seccomp profile (podman's) costs jrunc's create: the same bundle with and
# without it, create then delete, interleaved so both see the same machine.
profile="$here/../conformance/fixtures/engine-configs/podman-run.json"
cp -a "$work/bundle" "$work/seccomp"
python3 - "$work/seccomp/config.json" "$profile" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["seccomp"] = json.load(open(sys.argv[2]))["linux"]["seccomp"]
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
create_ms() { # BUNDLE: one create, in ms (then the container is removed)
    local id="s$RANDOM$RANDOM" t0 t1
    t0=$(now); "$jrunc" --root "$work/root-seccomp" create --bundle "$1" "$id" >/dev/null 2>&1; t1=$(now)
    "$jrunc" --root "$work/root-seccomp" delete --force "$id" >/dev/null 2>&1
    echo $(( (t1 - t0) / 1000000 ))
}
: >"$work/plain.ms"; : >"$work/seccomp.ms"
for _ in $(seq "$runs"); do
    create_ms "$work/bundle" >>"$work/plain.ms"
    create_ms "$work/seccomp" >>"$work/seccomp.ms"
done
plain=$(median <"$work/plain.ms"); sec=$(median <"$work/seccomp.ms")
echo "jrunc create with podman's seccomp profile: $sec ms, without: $plain ms (medians of $runs): +$((sec - plain)) ms"
