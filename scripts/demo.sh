#!/bin/sh
# make demo: a busybox container that shows it is PID 1 in its own namespaces.
set -eu
jrunc=$1
work=$(mktemp -d /tmp/jrunc-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$(dirname "$0")/make-bundle.sh" "$work/bundle" "$jrunc" >/dev/null
cd "$work/bundle"
# A non-interactive process with its own hostname.
sed -i -e 's/"terminal": true/"terminal": false/' \
       -e 's/"hostname": "[^"]*"/"hostname": "jrunc-demo"/' config.json
python3 - config.json <<'PY' 2>/dev/null || sed -i 's/"sh"$/"sh", "-c", "echo hostname: $(hostname); id; ps"/' config.json
import json, sys
path = sys.argv[1]
c = json.load(open(path))
c["process"]["args"] = ["sh", "-c", "echo hostname: $(hostname); id; echo; ps; echo; echo namespaces:; ls -l /proc/self/ns | sed 1d"]
json.dump(c, open(path, "w"), indent=2)
PY
echo "\$ jrunc run demo   (bundle: busybox from Debian's busybox-static)"
"$jrunc" --root "$work/state" run "demo-$$"
