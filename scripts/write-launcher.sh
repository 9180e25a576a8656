#!/bin/sh
# write-launcher.sh OUT HOME JAVA COMMIT JVM-FLAGS...
# The launcher holds absolute paths only, so it works with an empty environment from any
# directory (containerd's shim calls the runtime that way).
set -eu
out=$1 home=$2 java=$3 commit=$4
shift 4
cat > "$out" <<LAUNCHER
#!/bin/sh
aot=; [ -s '$home/jrunc.aot' ] && aot=-XX:AOTCache='$home/jrunc.aot'
exec '$java' $* \$aot --enable-native-access=ALL-UNNAMED -Djrunc.home='$home' -Djrunc.commit=$commit -cp '$home/jrunc.jar' dev.jrunc.Main "\$@"
LAUNCHER
chmod 755 "$out"
