#!/usr/bin/env bash
# The shortcut fused into the convolution (Executor, -Dvessels.fuse.shortcut) on vs off, in
# alternating JVM launches of LayerProfile (each pair's first launch alternates too) (vessels-resident, synthetic weights seed 1):
#   bench/fuse-shortcut-ab.sh MODEL THREADS PAIRS [WARMUP RUNS]
# Per pair: the whole-prediction medians, and the sum over the fused pairs of convolution plus
# shortcut (fused: the shortcut shows ~0 and the convolution a bit more). Needs
# bench/target/benchmarks.jar (./mvnw -o -q -B -pl bench -am package -DskipTests) and python3.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/bin/java25.sh"
m=$1; t=$2; pairs=$3; w=${4:-4}; r=${5:-9}
out=$(mktemp -d)
for p in $(seq 1 "$pairs"); do
    order="true false"; [ $((p % 2)) -eq 0 ] && order="false true" # alternate which side runs first
    for f in $order; do
        "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC \
            -XX:+UseTransparentHugePages -Dvessels.fuse.shortcut=$f -cp "$ROOT/bench/target/benchmarks.jar" \
            dev.vessels.bench.LayerProfile "$m" "$t" "$w" "$r" 100000 vessels-resident 2>/dev/null > "$out/$p-$f.txt"
        echo "load $(cut -d' ' -f1 /proc/loadavg)" >> "$out/$p-$f.txt"
    done
done
python3 - "$out" "$m" "$t" "$pairs" <<'PY'
import re, statistics as st, sys
out, m, t, pairs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def load(f):
    layers, total, ld = {}, None, ''
    for line in open(f):
        x = re.match(r'\s*(\d+) (\w+)\s+([\d.]+) ms', line)
        if x: layers[int(x.group(1))] = (x.group(2), float(x.group(3)))
        x = re.search(r'median ([\d.]+) ms', line)
        if x: total = float(x.group(1))
        if line.startswith('load'): ld = line.split()[1]
    return layers, total, ld
rows = []
for p in range(1, pairs + 1):
    a, ta, la = load(f'{out}/{p}-true.txt')
    b, tb, lb = load(f'{out}/{p}-false.txt')
    pa = pb = 0.0
    for i, (kind, ms) in b.items():
        if kind == 'res' and a[i][1] < 0.02 and b[i - 1][0] == 'conv':  # a fused pair
            pa += a[i - 1][1] + a[i][1]
            pb += b[i - 1][1] + ms
    rows.append((ta, tb, pa, pb))
    print(f'{m} threads={t} pair {p}: fused {ta:.1f} ms (load {la}), unfused {tb:.1f} ms (load {lb}); '
          f'fused pairs conv+res {pa:.2f} vs {pb:.2f} ms')
med = lambda i: st.median(r[i] for r in rows)
print(f'{m} threads={t} medians of {pairs} pairs: fused {med(0):.1f}, unfused {med(1):.1f} ms (unfused/fused {med(1)/med(0):.3f}); '
      f'fused pairs conv+res {med(2):.2f} vs {med(3):.2f} ms')
PY
rm -rf "$out"
