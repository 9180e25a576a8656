#!/bin/sh
# rootless-user.sh [NAME]: makes (once) the unprivileged user the rootless tests run as, with a
# home directory and subordinate id ranges in /etc/subuid and /etc/subgid, and prints its name.
# Idempotent: an existing user or range is left as it is. Needs root and uidmap (newuidmap).
set -eu
name=${1:-jrunc-rootless}
[ "$(id -u)" -eq 0 ] || { echo "rootless-user.sh: run as root" >&2; exit 1; }
if ! command -v newuidmap >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq uidmap >/dev/null
fi
if ! id -u "$name" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/sh --user-group "$name" >/dev/null
fi
# 65536 ids from 200000 + 65536*k, the first block no other user's range overlaps.
add_range() {   # FILE
    grep -q "^$name:" "$1" 2>/dev/null && return 0
    start=200000
    while awk -F: -v s="$start" '$2 < s + 65536 && s < $2 + $3 { found = 1 } END { exit !found }' "$1" 2>/dev/null; do
        start=$((start + 65536))
    done
    echo "$name:$start:65536" >> "$1"
}
add_range /etc/subuid
add_range /etc/subgid
echo "$name"
