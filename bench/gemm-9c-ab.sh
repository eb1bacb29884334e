#!/usr/bin/env bash
# Speed pass 9c's GEMM paths (-Dvessels.gemm.fusedStore, tileRows, kInner) all on (the default) vs
# all off, in alternating JVM launches of LayerProfile (each pair's first launch alternates too),
# weights mapped from WEIGHTS (default /tmp/vw/MODEL.weights, as `bin/vessels bench --weights`):
#   [SWITCHES="fusedStore tileRows kInner"] bench/gemm-9c-ab.sh MODEL THREADS PAIRS [WARMUP RUNS [WEIGHTS]]
# (SWITCHES: the ones the "off" side turns off; the default all three).
# Prints per pair the whole-prediction medians, then per layer kind the medians over the pairs.
# Needs bench/target/benchmarks.jar (./mvnw -o -q -B -pl bench -am package -DskipTests) and python3.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/bin/java25.sh"
m=$1; t=$2; pairs=$3; w=${4:-8}; r=${5:-9}; weights=${6:-/tmp/vw/$m.weights}
out=$(mktemp -d)
for p in $(seq 1 "$pairs"); do
    order="on off"; [ $((p % 2)) -eq 0 ] && order="off on" # alternate which side runs first
    for side in $order; do
        props=()
        if [ "$side" = off ]; then for sw in ${SWITCHES:-fusedStore tileRows kInner}; do props+=("-Dvessels.gemm.$sw=false"); done; fi
        "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC \
            -XX:+UseTransparentHugePages ${props[@]+"${props[@]}"} \
            -cp "$ROOT/bench/target/benchmarks.jar" dev.vessels.bench.LayerProfile "$m" "$t" "$w" "$r" 0 "vessels:$weights" \
            2>/dev/null > "$out/$p-$side.txt"
        echo "load $(cut -d' ' -f1 /proc/loadavg) at $(date -u +%T)" >> "$out/$p-$side.txt"
    done
done
python3 - "$out" "$m" "$t" "$pairs" <<'PY'
import re, statistics as st, sys
out, m, t, pairs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def load(f):
    kinds, total, ld = {}, None, ''
    for line in open(f):
        x = re.match(r'(conv \S+(?: g\d+)? \S+|\w+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)$', line.strip())
        if x: kinds[x.group(1)] = (int(x.group(2)), float(x.group(3)))
        x = re.search(r'median ([\d.]+) ms', line)
        if x: total = float(x.group(1))
        if line.startswith('load'): ld = line[5:].strip()
    return kinds, total, ld
runs = []
for p in range(1, pairs + 1):
    a, ta, la = load(f'{out}/{p}-on.txt')
    b, tb, lb = load(f'{out}/{p}-off.txt')
    runs.append((a, ta, b, tb))
    print(f'{m} threads={t} pair {p}: on {ta:.1f} ms (load {la}), off {tb:.1f} ms (load {lb})')
print(f'{m} threads={t} whole-prediction medians of {pairs} pairs: on {st.median(r[1] for r in runs):.1f} ms, '
      f'off {st.median(r[3] for r in runs):.1f} ms')
top = sorted(runs[0][0], key=lambda k: -runs[0][0][k][1])[:10]
for k in top:
    on = st.median(r[0][k][1] for r in runs); off = st.median(r[2][k][1] for r in runs)
    print(f'  {k:<26} x{runs[0][0][k][0]:<3} on {on:7.2f} ms  off {off:7.2f} ms  off/on {off / on if on else float("nan"):.3f}')
PY
rm -rf "$out"
