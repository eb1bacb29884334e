#!/usr/bin/env bash
# Issue 3 asks kernels to reach full speed in every JVM launch: run the same `bin/vessels bench`
# in N fresh JVMs, one after another, and print one Markdown row per launch (median, min, GFLOP/s,
# share of the FMA ceiling measured in that launch, the ceilings themselves) and the spread.
#
#   bench/run-launches.sh MODEL [LAUNCHES=5] [THREADS=2] [-- extra bench options, e.g. --weights FILE]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="${1:?usage: bench/run-launches.sh MODEL [LAUNCHES] [THREADS] [-- bench options]}"
shift
launches=5
threads=2
if [ $# -gt 0 ] && [ "$1" != "--" ]; then launches="$1"; shift; fi
if [ $# -gt 0 ] && [ "$1" != "--" ]; then threads="$1"; shift; fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "| launch | median ms | min ms | GFLOP/s | share of FMA ceiling | FMA ceiling before / after GFLOP/s | memory read before / after GB/s |"
echo "|---|---:|---:|---:|---:|---|---|"
for i in $(seq 1 "$launches"); do
    "$ROOT/bin/vessels" bench "$model" --threads "$threads" --warmup 5 --runs 9 --json "$@" > "$tmp/$i.json" 2> "$tmp/$i.err" \
        || { echo "launch $i failed:" >&2; cat "$tmp/$i.err" >&2; exit 1; }
    python3 - "$tmp/$i.json" "$i" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); m = j["models"][0]; mc = j["machine"]
f, s = mc["fma_peak_gflops_per_s"], mc["memory_read_gb_per_s"]
print(f"| {sys.argv[2]} | {m['latency_ms']['median']:.1f} | {m['latency_ms']['min']:.1f} | {m['gflops_per_s']:.1f} | "
      f"{m['peak_fraction']:.3f} | {f['before']:.0f} / {f['after']:.0f} | {s['before']:.1f} / {s['after']:.1f} |")
PY
done
python3 - "$tmp" "$launches" <<'PY'
import json, sys
med = sorted(json.load(open(f"{sys.argv[1]}/{i}.json"))["models"][0]["latency_ms"]["median"] for i in range(1, int(sys.argv[2]) + 1))
print(f"\nmedians over {len(med)} launches: {med[0]:.1f}–{med[-1]:.1f} ms (spread {100 * (med[-1] / med[0] - 1):.1f} %)")
PY
