# Shared by the engine suites (sourced, not run): results, package installs, rootfs, helpers.
#
# A suite runs every case once per runtime (jrunc, then Debian's runc), records each command's
# exit status and output, checks them, then compares jrunc's results with runc's.

passed=0
failed=0
xfailed=0
declare -A RESULT      # "runtime/case" -> PASS | FAIL | XFAIL | XPASS
declare -A RC          # "runtime/case" -> exit status of the case's main command
CASES=()               # case names in order, for the table
XFAIL_NOTE=""

say() { printf '%s\n' "$*" >&2; }

# The parent cgroups an engine makes for its containers (containerd's /default, podman's
# /libpod_parent) outlive it. track_cgroup_parent NAME before the engine starts notes one that
# does not exist yet; remove_new_cgroup_parents at exit removes those, if empty, in every hierarchy.
NEW_CGROUP_PARENTS=()
track_cgroup_parent() {
    local d
    for d in /sys/fs/cgroup/*/"$1" /sys/fs/cgroup/"$1"; do
        [ -d "$d" ] && return 0
    done
    NEW_CGROUP_PARENTS+=("$1")
}
remove_new_cgroup_parents() {
    local n d
    for n in "${NEW_CGROUP_PARENTS[@]}"; do
        for d in /sys/fs/cgroup/*/"$n" /sys/fs/cgroup/"$n"; do
            [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
        done
    done
    return 0
}

# die MESSAGE: the suite cannot run (e.g. an engine cannot be installed). That is a failure, never a skip.
die() {
    say "FATAL: $*"
    echo "FATAL: $*"
    echo "$SUITE: $passed passed, $((failed + 1)) failed"
    exit 2
}

# need_cmd COMMAND PACKAGE: installs PACKAGE with apt-get when COMMAND is missing; dies if it can't.
need_cmd() {
    command -v "$1" >/dev/null 2>&1 && return 0
    say "$1 is missing: installing Debian's $2"
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        die "cannot install $2 (need root and apt-get); the engine tests cannot run without it"
    fi
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2"; } >&2; then
        die "apt-get install $2 failed; the engine tests cannot run without it"
    fi
    command -v "$1" >/dev/null 2>&1 || die "$2 installed but $1 is still missing"
}

# need_common: what every suite needs: root, a built jrunc, Debian's runc to compare with (in
# RUNC), busybox for the rootfs and script(1) for the tty cases.
need_common() {
    [ "$(id -u)" -eq 0 ] || die "the engine tests need root"
    [ -x "$JRUNC" ] || die "$JRUNC is not built (run make)"
    need_cmd runc runc
    need_cmd busybox busybox-static
    need_cmd script bsdutils
    RUNC=$(command -v runc)
}

# make_rootfs DIR: a busybox root filesystem (scripts/make-bundle.sh, which also writes a config).
make_rootfs() {
    "$TOP/scripts/make-bundle.sh" "$1" "$JRUNC" >/dev/null || die "cannot make a busybox bundle"
}

# jrunc_has VERB: does this jrunc implement VERB? (pause/resume/ps may not be merged yet)
jrunc_has() { "$JRUNC" --help 2>/dev/null | grep -qE "^ +$1([ ,]|$)"; }

# record RT CASE STATUS: one check's outcome. An expected failure (xfail) neither passes nor fails.
record() {
    local key=$1/$2 ok=$3 xf=${4:-}
    [[ " ${CASES[*]} " == *" $2 "* ]] || CASES+=("$2")
    if [ -n "$xf" ]; then
        if [ "$ok" = 1 ]; then RESULT[$key]=XPASS; passed=$((passed + 1)); say "  XPASS $key (expected to fail: $xf)"
        else RESULT[$key]=XFAIL; xfailed=$((xfailed + 1)); say "  XFAIL $key ($xf)"; fi
    elif [ "$ok" = 1 ]; then
        RESULT[$key]=PASS; passed=$((passed + 1)); say "  pass  $key"
    else
        RESULT[$key]=FAIL; failed=$((failed + 1)); say "  FAIL  $key"
    fi
}

# run OUTFILE CMD...: runs CMD (stdout+stderr to OUTFILE, CR and NUL removed), sets $rc.
# A pty echoes the NUL that ctr -t writes at some moment as "^@": that goes too.
# ENGINE_TEST_TIMEOUT (seconds, default 60) bounds each command: more on a crowded machine.
run() {
    local out=$1; shift
    timeout "${ENGINE_TEST_TIMEOUT:-60}" "$@" >"$out.raw" 2>&1 </dev/null
    rc=$?
    tr -d '\r\000' <"$out.raw" | sed 's/\^@//g' >"$out"
    rm -f "$out.raw"
    printf '    $ %s\n    -> %s: %s\n' "$*" "$rc" "$(head -c 400 "$out" | tr '\n' '|')" >&2
}

# check RT CASE XFAIL-NOTE CONDITION...: records whether the shell test CONDITION holds.
check() {
    local rt=$1 name=$2 xf=$3; shift 3
    if "$@"; then record "$rt" "$name" 1 "$xf"; else record "$rt" "$name" 0 "$xf"; fi
}

has() { grep -qE -- "$2" "$1"; }
lacks() { ! grep -qE -- "$2" "$1"; }

# compare CASE KIND: jrunc's and runc's results agree (KIND rc: exit status; out: status and output).
compare() {
    local name=$1 kind=$2 ok=1
    [ "${RC[jrunc/$name]-x}" = "${RC[runc/$name]-y}" ] || ok=0
    # stdout and stderr reach the engine through separate pipes: their interleaving is not the runtime's
    if [ "$kind" = out ] && ! diff <(sort "$OUT/runc/$name.out") <(sort "$OUT/jrunc/$name.out") >"$OUT/$name.diff"; then
        ok=0
        sed 's/^/    /' "$OUT/$name.diff" >&2
    fi
    local xf=""
    [ "${RESULT[jrunc/$name]-}" = XFAIL ] && xf="jrunc's result is an expected failure"
    record same "$name" "$ok" "$xf"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# table SUITE: the per-case outcome for jrunc and runc, and whether they agree.
table() {
    printf '\n%-22s %-7s %-7s %-7s\n' "$1 case" jrunc runc same
    local c
    for c in "${CASES[@]}"; do
        printf '%-22s %-7s %-7s %-7s\n' "$c" "${RESULT[jrunc/$c]--}" "${RESULT[runc/$c]--}" "${RESULT[same/$c]--}"
    done
    echo
}
