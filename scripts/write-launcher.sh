#!/bin/sh
# write-launcher.sh OUT HOME JAVA COMMIT BUILD-ID DEFAULT-ENGINE LOG-DIR JVM-FLAGS ENGINE-JVM-FLAGS
# Builds the native front (native-helpers/front.c) as OUT, the `jrunc` executable, with absolute
# paths compiled in: it works with an empty environment from any directory (containerd's shim
# calls the runtime that way). DEFAULT-ENGINE is auto (the resident engine when it can be
# reached) or off (direct mode: every verb in a JVM of its own).
# The engine's directory is derived from HOME, so two builds or installs on one machine never
# reach each other's engine. LOG-DIR is where the JVMs' crash reports go (the flags name it): the
# front makes it, and sends them to stderr where it cannot, never to the caller's working
# directory (often the bundle) or /tmp.
set -eu
out=$1 home=$2 java=$3 commit=$4 build=$5 default=$6 logdir=$7 flags=$8 engine_flags=$9
here=$(cd "$(dirname "$0")/.." && pwd)
engine_dir=/run/jrunc-engine/$(printf %s "$home" | sha256sum | cut -c1-16)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
q() { printf '"%s"' "$(printf %s "$1" | sed 's/[\\"]/\\&/g')"; }
cat > "$tmp/front-config.h" <<CONFIG
#define JRUNC_HOME $(q "$home")
#define JRUNC_JAVA $(q "$java")
#define JRUNC_COMMIT $(q "$commit")
#define JRUNC_BUILD_ID $(q "$build")
#define JRUNC_ENGINE_DIR $(q "$engine_dir")
#define JRUNC_LOG_DIR $(q "$logdir")
#define JRUNC_JVM_FLAGS $(q "$flags")
#define JRUNC_ENGINE_JVM_FLAGS $(q "$engine_flags")
#define JRUNC_DEFAULT_ENGINE $(q "$default")
CONFIG
mkdir -p "$(dirname "$out")"
gcc -O2 -static -Wall -Wextra -Werror -I"$tmp" -I"$here/native-helpers" -o "$out.tmp" "$here/native-helpers/front.c"
mv -f "$out.tmp" "$out"
