# Sourced by bin/vessels and bin/test: sets JAVA25 to a JDK 25+ home or exits with a clear message.
# Order: $JAVA_HOME if it is 25 or newer, then the newest JDK >= 25 under /usr/lib/jvm.
java_major() {
    "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}
JAVA25=""
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(java_major "$JAVA_HOME")" -ge 25 ] 2>/dev/null; then
    JAVA25="$JAVA_HOME"
else
    for d in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
        d="${d%/}"
        if [ -x "$d/bin/javac" ] && [ "$(java_major "$d")" -ge 25 ] 2>/dev/null; then JAVA25="$d"; break; fi
    done
fi
if [ -z "$JAVA25" ]; then
    echo "vessels: no JDK 25 found (JAVA_HOME=${JAVA_HOME:-unset}; nothing >= 25 under /usr/lib/jvm)." >&2
    echo "vessels: install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
    exit 1
fi
export JAVA_HOME="$JAVA25"
