#!/bin/bash
# make bench: jrunc against Debian's runc, measured in the same run on the same busybox bundles.
#   bench.sh JRUNC JRUNC-DIRECT
# JRUNC is the front with the engine (warmed up first), JRUNC-DIRECT the same front with the
# engine off (a JVM per verb). For each: medians of state, kill, start, delete, a
# create/start/wait/delete cycle and `run true`, and the wall time of 50 cycles run in parallel,
# each as a ratio to runc's; `run true` in a new user namespace. Then `ctr run --rm` and
# `podman run --rm` of /bin/true with each runtime, and the engine's resident size idle and
# after every tenth of BENCH_LIFECYCLES (1000) lifecycles.
# BENCH_RUNS (11) sets how many runs each median takes. Best on a quiet machine.
set -euo pipefail
jrunc=$1
direct=$2
here=$(cd "$(dirname "$0")" && pwd)
runs=${BENCH_RUNS:-11}
lifecycles=${BENCH_LIFECYCLES:-1000}
runc=$(command -v runc || true)
[ -n "$runc" ] || { echo "bench: runc is missing (apt-get install runc)" >&2; exit 1; }
work=$(mktemp -d /tmp/jrunc-bench.XXXXXX)
chmod 0711 "$work"
cleanup() {
    for r in "$work"/root-*; do
        [ -d "$r" ] || continue
        for id in $(ls "$r" 2>/dev/null); do
            case $r in *runc*) "$runc" --root "$r" delete --force "$id" ;; *) "$jrunc" --root "$r" delete --force "$id" ;; esac >/dev/null 2>&1 || true
        done
    done
    rm -rf "$work"
}
trap cleanup EXIT

say() { printf '%s\n' "$*" >&2; }
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms_since() { echo $(( ($(now) - $1) / 1000000 )); }

# Two bundles: `true` for the cycles and runs, `sleep` for state and kill on a live container.
"$here/make-bundle.sh" "$work/true" "$jrunc" >/dev/null
edit() { # BUNDLE ARGS-JSON
    python3 - "$1/config.json" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = json.loads(sys.argv[2])
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
}
edit "$work/true" '["true"]'
cp -a "$work/true" "$work/sleep"
edit "$work/sleep" '["sleep", "100000"]'

# state of a container until it is no longer running (its process exited)
wait_stopped() { while "$1" --root "$2" state "$3" 2>/dev/null | grep -q '"running"'; do :; done; }

cycle() { # BIN ROOT ID: create, start, wait for the exit, delete
    "$1" --root "$2" create --bundle "$work/true" "$3" >/dev/null 2>&1
    "$1" --root "$2" start "$3" >/dev/null 2>&1
    wait_stopped "$1" "$2" "$3"
    "$1" --root "$2" delete "$3" >/dev/null 2>&1
}

# measure NAME BIN: one line "NAME state kill start delete cycle run par50" (ms)
measure() {
    local name=$1 bin=$2 root=$work/root-$1 i t
    local -a st=() ki=() sa=() de=() cy=() ru=()
    "$bin" --root "$root" create --bundle "$work/sleep" live >/dev/null
    "$bin" --root "$root" start live
    for i in $(seq "$runs"); do
        t=$(now); "$bin" --root "$root" state live >/dev/null; st+=($(ms_since "$t"))
        # the sleep is PID 1 of its namespace: USR1 without a handler does not touch it
        t=$(now); "$bin" --root "$root" kill live USR1; ki+=($(ms_since "$t"))
    done
    "$bin" --root "$root" delete --force live
    for i in $(seq "$runs"); do
        "$bin" --root "$root" create --bundle "$work/true" "s$i" >/dev/null
        t=$(now); "$bin" --root "$root" start "s$i"; sa+=($(ms_since "$t"))
        wait_stopped "$bin" "$root" "s$i"
        t=$(now); "$bin" --root "$root" delete "s$i"; de+=($(ms_since "$t"))
        t=$(now); cycle "$bin" "$root" "c$i"; cy+=($(ms_since "$t"))
        t=$(now); "$bin" --root "$root" run --bundle "$work/true" "r$i" >/dev/null 2>&1 || true; ru+=($(ms_since "$t"))
    done
    t=$(now)
    for i in $(seq 50); do cycle "$bin" "$root" "p$i" & done
    wait
    local par=$(ms_since "$t")
    echo "$name $(printf '%s\n' "${st[@]}" | median) $(printf '%s\n' "${ki[@]}" | median)" \
        "$(printf '%s\n' "${sa[@]}" | median) $(printf '%s\n' "${de[@]}" | median)" \
        "$(printf '%s\n' "${cy[@]}" | median) $(printf '%s\n' "${ru[@]}" | median) $par"
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
engine_pid() { "$jrunc" engine start | awk '$1 == "pid" {print $2}'; }

say "bench: warming the engine up"
"$jrunc" engine start >/dev/null
for i in $(seq 3); do cycle "$jrunc" "$work/root-warmup" "w$i"; done
# 100 lifecycles 10 at a time: the JIT's code for concurrent verbs, so the footprint below
# compares warm with warm
for b in $(seq 0 10 99); do
    for i in $(seq "$b" $((b + 9))); do cycle "$jrunc" "$work/root-warmup" "p$i" & done
    wait
done
for i in $(seq 200); do "$jrunc" --root "$work/root-warmup" state nosuch >/dev/null 2>&1 || true; done

say "bench: runc"; r_runc=$(measure runc "$runc")
say "bench: jrunc with the engine"; r_engine=$(measure engine "$jrunc")
say "bench: jrunc in direct mode"; r_direct=$(measure direct "$direct")

printf '\n%-22s %8s %8s %8s %8s %9s %9s %12s\n' "median ms ($runs runs)" state kill start delete cycle "run true" "50 parallel"
for r in "$r_runc" "$r_engine" "$r_direct"; do
    read -r n a b c d e f g <<<"$r"
    case $n in runc) label="runc";; engine) label="jrunc (engine warm)";; *) label="jrunc (direct mode)";; esac
    printf '%-22s %8s %8s %8s %8s %9s %9s %12s\n' "$label" "$a" "$b" "$c" "$d" "$e" "$f" "$g"
done
read -r _ ra rb rc rd re rf rg <<<"$r_runc"
for r in "$r_engine" "$r_direct"; do
    read -r n a b c d e f g <<<"$r"
    awk -v n="$n" -v a="$a" -v b="$b" -v c="$c" -v d="$d" -v e="$e" -v f="$f" -v g="$g" \
        -v ra="$ra" -v rb="$rb" -v rc="$rc" -v rd="$rd" -v re="$re" -v rf="$rf" -v rg="$rg" '
        function x(p, q) { return q > 0 ? sprintf("%.1fx", p / q) : "-" }
        BEGIN { printf "%-22s %8s %8s %8s %8s %9s %9s %12s\n", "jrunc/runc (" n ")", x(a, ra), x(b, rb), x(c, rc),
                x(d, rd), x(e, re), x(f, rf), x(g, rg) }'
done

# `run true` in a new user namespace (0 -> 100000, 65536 ids): the filesystems made by the
# container's PID 1, the rootfs built by the runtime's thread as the namespace's root.
cp -a "$work/true" "$work/userns"
python3 - "$work/userns/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["namespaces"].append({"type": "user"})
for f in ("uidMappings", "gidMappings"):
    c["linux"][f] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
userns_run() { # BIN ROOT: median ms of `run` of the user namespace bundle
    local -a ts=()
    local i t
    for i in $(seq "$runs"); do
        t=$(now)
        "$1" --root "$2" run --bundle "$work/userns" "u$i" >/dev/null 2>&1 || say "bench: $1 run in a user namespace failed"
        ts+=($(ms_since "$t"))
    done
    printf '%s\n' "${ts[@]}" | median
}
u_runc=$(userns_run "$runc" "$work/root-runc")
u_engine=$(userns_run "$jrunc" "$work/root-engine")
u_direct=$(userns_run "$direct" "$work/root-direct")
echo
echo "run true in a new user namespace (median of $runs): runc $u_runc ms, jrunc engine $u_engine ms ($(awk -v a="$u_engine" -v b="$u_runc" 'BEGIN{printf "%.1fx", a/b}')), direct $u_direct ms ($(awk -v a="$u_direct" -v b="$u_runc" 'BEGIN{printf "%.1fx", a/b}'))"

# Engines: containerd's runc shim (ctr) and podman (conmon), each runtime, median of 5.
rootfs=$work/true/rootfs
ctr_run() { # BIN: median ms of `ctr run --rm` of /bin/true
    local dd=$work/containerd-$(basename "$1") i t times=()
    mkdir -p "$dd"
    cat >"$dd/config.toml" <<EOF
version = 2
root = "$dd/root"
state = "$dd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dd/sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dd/opt"
EOF
    containerd --config "$dd/config.toml" >"$dd/log" 2>&1 &
    local pid=$!
    for i in $(seq 100); do ctr --address "$dd/sock" version >/dev/null 2>&1 && break; sleep 0.1; done
    for i in $(seq 5); do
        t=$(now)
        ctr --address "$dd/sock" run --rm --runc-binary "$1" --runc-root "$dd/runc-root" --rootfs "$rootfs" "b$i" /bin/true >/dev/null 2>&1 || true
        times+=($(ms_since "$t"))
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
    printf '%s\n' "${times[@]}" | median
}
podman_run() { # BIN: median ms of `podman run --rm` of /bin/true
    local pd=$work/podman i t times=()
    mkdir -p "$pd/tmp"
    for i in $(seq 5); do
        t=$(now)
        podman --root "$pd/storage" --runroot "$pd/run" --tmpdir "$pd/tmp" --cgroup-manager cgroupfs --events-backend file \
            --runtime "$1" run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
            --rootfs "$rootfs" /bin/true >/dev/null 2>&1 || true
        times+=($(ms_since "$t"))
    done
    podman --root "$pd/storage" --runroot "$pd/run" --tmpdir "$pd/tmp" system reset -f >/dev/null 2>&1 || true
    printf '%s\n' "${times[@]}" | median
}
echo
if command -v ctr >/dev/null && command -v containerd >/dev/null; then
    c_runc=$(ctr_run "$runc"); c_engine=$(ctr_run "$jrunc"); c_direct=$(ctr_run "$direct")
    echo "ctr run --rm /bin/true (median of 5): runc $c_runc ms, jrunc engine $c_engine ms ($(awk -v a="$c_engine" -v b="$c_runc" 'BEGIN{printf "%.1fx", a/b}')), direct $c_direct ms ($(awk -v a="$c_direct" -v b="$c_runc" 'BEGIN{printf "%.1fx", a/b}'))"
else
    echo "ctr run: skipped (containerd is not installed)"
fi
if command -v podman >/dev/null; then
    p_runc=$(podman_run "$runc"); p_engine=$(podman_run "$jrunc"); p_direct=$(podman_run "$direct")
    echo "podman run --rm /bin/true (median of 5): runc $p_runc ms, jrunc engine $p_engine ms ($(awk -v a="$p_engine" -v b="$p_runc" 'BEGIN{printf "%.1fx", a/b}')), direct $p_direct ms ($(awk -v a="$p_direct" -v b="$p_runc" 'BEGIN{printf "%.1fx", a/b}'))"
else
    echo "podman run: skipped (podman is not installed)"
fi

# The engine's footprint: idle (5 s after the last verb: it collects its heap and trims the C heap
# 3 s into every pause), then idle again after every tenth of the lifecycles (10 at a time).
pid=$(engine_pid)
sleep 5
idle=$(rss_kb "$pid")
say "bench: $lifecycles lifecycles through the engine"
root=$work/root-lifecycles
step=$(( (lifecycles + 99) / 100 * 10 )) # a tenth, in whole batches of 10
busy=0 samples=() last=
for t in $(seq 0 9); do
    for b in $(seq $((t * step)) 10 $(( (t + 1) * step - 1 ))); do
        [ "$b" -lt "$lifecycles" ] || break
        for i in $(seq "$b" $((b + 9))); do cycle "$jrunc" "$root" "l$i" & done
        wait
    done
    r=$(rss_kb "$pid"); [ "$r" -gt "$busy" ] && busy=$r
    sleep 5
    last=$(rss_kb "$pid")
    samples+=($((last / 1024)))
done
[ "$(engine_pid)" = "$pid" ] || echo "warning: the engine was replaced during the run"
echo "engine RSS: idle $((idle / 1024)) MiB; at most $((busy / 1024)) MiB during $lifecycles lifecycles; idle again $((last / 1024)) MiB ($(awk -v a="$last" -v b="$idle" 'BEGIN{printf "%+.1f%%", (a-b)*100/b}'))"
echo "engine idle RSS after each $step lifecycles: ${samples[*]} MiB"

# A cold call: no engine runs, so the front runs the verb in a JVM of its own and starts the
# engine for the calls after it; it must be no slower than direct mode.
say "bench: cold calls"
root=$work/root-cold
"$direct" --root "$root" create --bundle "$work/sleep" cold >/dev/null
"$direct" --root "$root" start cold
colds=(); directs=()
for i in $(seq 5); do
    "$jrunc" engine start >/dev/null   # the one the last cold call started, once it is up
    "$jrunc" engine stop >/dev/null
    sleep 2
    t=$(now); "$direct" --root "$root" state cold >/dev/null; directs+=($(ms_since "$t"))
    t=$(now); "$jrunc" --root "$root" state cold >/dev/null; colds+=($(ms_since "$t"))
done
"$direct" --root "$root" delete --force cold
cold_ms=$(printf '%s\n' "${colds[@]}" | median); direct_ms=$(printf '%s\n' "${directs[@]}" | median)
echo "cold state, no engine running (median of 5): $cold_ms ms; direct mode $direct_ms ms ($(awk -v a="$cold_ms" -v b="$direct_ms" 'BEGIN{printf "%.2fx", a/b}'))"
