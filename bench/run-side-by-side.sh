#!/usr/bin/env bash
# Whole networks side by side, one run: real Darknet (Debian libdarknet.so, single-threaded), the
# Vessels executors at 1 and 2 threads, and ONNX Runtime at 2 threads, on the same cfg, synthetic
# weights (seed 1) and input (dog.jpg letterboxed). Prints Markdown tables (docs/benchmarks.md).
#
#   bench/run-side-by-side.sh                 # all nine models (about 10-15 minutes on 2 cores)
#   bench/run-side-by-side.sh --quick         # alexnet, resnet152, darknet53 (a few minutes)
#   bench/run-side-by-side.sh --models resnet152,vgg16 --runs 5 --darknet-runs 3
#   bench/run-side-by-side.sh --help
#
# Darknet prints its layer tables on stderr: they go to $SIDE_BY_SIDE_LOG (default
# /tmp/side-by-side.stderr.log). SKIP_BUILD=1 reuses bench/target/benchmarks.jar.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/bin/java25.sh"
cd "$ROOT"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    ./mvnw -q -B -pl bench -am package -DskipTests
fi
LOG="${SIDE_BY_SIDE_LOG:-/tmp/side-by-side.stderr.log}"
rc=0
# Debian's Darknet is single-threaded (no OpenMP in its compute path); pin OpenMP anyway.
# The Java heap on transparent huge pages, as `bin/vessels bench` runs (see bin/vessels), and, so
# that every engine gets the same, glibc's malloc too (glibc >= 2.35: madvise(MADV_HUGEPAGE) on its
# heap and mmap'd chunks) — Darknet's and ONNX Runtime's buffers live in this process's malloc heap.
# Without it Darknet ran on 4 KB pages while we ran on 2 MB ones: AlexNet's Darknet time is 176-178 ms
# with, 190-217 ms without (docs/benchmarks.md). Override with GLIBC_TUNABLES= to compare.
export GLIBC_TUNABLES="${GLIBC_TUNABLES-glibc.malloc.hugetlb=1}"
OMP_NUM_THREADS=1 "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -XX:+UseTransparentHugePages -Xss4m -Xmx8g -cp bench/target/benchmarks.jar dev.vessels.bench.SideBySide "$@" 2>"$LOG" || rc=$?
if [ "$rc" -ne 0 ]; then
    echo "side-by-side exited $rc; last lines of $LOG:" >&2
    grep -v -E '^ *[0-9]+ +(conv|max|avg|connected|softmax|route|res|upsample|yolo|dropout|crop|cost)' "$LOG" | grep -v "^WARNING: Using incubator" | tail -20 >&2
fi
exit "$rc"
