#!/bin/sh
# write-launcher.sh OUT HOME JAVA COMMIT LOG-DIR JVM-FLAGS...
# The launcher holds absolute paths only, so it works with an empty environment from any
# directory (containerd's shim calls the runtime that way). It makes jrunc's log directory, where
# the JVM's crash reports go (JVM-FLAGS name it); where it cannot, they go to stderr, never to the
# caller's working directory (often the bundle) or /tmp. The init JVM gets the same flags.
set -eu
out=$1 home=$2 java=$3 commit=$4 logdir=$5
shift 5
cat > "$out" <<LAUNCHER
#!/bin/sh
aot=; [ -s '$home/jrunc.aot' ] && aot=-XX:AOTCache='$home/jrunc.aot'
[ -d '$logdir' ] || mkdir -p -m 0700 '$logdir' 2>/dev/null
crash=; [ -w '$logdir' ] || crash='-XX:+ErrorFileToStderr -XX:-DumpReplayDataOnError'
exec '$java' $* \$crash \$aot --enable-native-access=ALL-UNNAMED -Djrunc.home='$home' -Djrunc.commit=$commit -Djrunc.logDir='$logdir' '-Djrunc.jvmFlags=$*' -cp '$home/jrunc.jar' dev.jrunc.Main "\$@"
LAUNCHER
chmod 755 "$out"
