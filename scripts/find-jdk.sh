#!/bin/sh
# Prints the home of a JDK >= 25 (the pom compiles for release 25: the FFM API, ScopedValue, the AOT cache): $JAVA_HOME if it is new enough, else the newest
# under /usr/lib/jvm. Fails with a message saying what to install.
set -eu
version_of() {
    "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'
}
good() {
    [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
    v=$(version_of "$1")
    [ -n "$v" ] && [ "${v%%.*}" -ge 25 ]
}
if [ -n "${JAVA_HOME:-}" ] && good "$JAVA_HOME"; then echo "$JAVA_HOME"; exit 0; fi
best=""; best_v=0
for d in /usr/lib/jvm/*; do
    [ -d "$d" ] && [ ! -L "$d" ] || continue
    if good "$d"; then
        v=$(version_of "$d"); v=${v%%.*}
        if [ "$v" -gt "$best_v" ]; then best=$d; best_v=$v; fi
    fi
done
if [ -z "$best" ]; then
    echo "jrunc needs a JDK >= 25 (the FFM API, ScopedValue, the AOT cache): none in JAVA_HOME or /usr/lib/jvm." >&2
    echo "Install one, e.g. Temurin 25 (temurin-25-jdk), or set JAVA_HOME to it." >&2
    exit 1
fi
echo "$best"
