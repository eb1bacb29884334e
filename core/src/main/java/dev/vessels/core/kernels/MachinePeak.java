package dev.vessels.core.kernels;

import java.util.concurrent.CountDownLatch;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The multiply-add ceiling of this machine, measured now: every thread runs independent FMA chains
 * on registers only (no memory traffic), so the figure is what the cores deliver at this moment.
 * Why: on a shared VM the same prediction's latency moved by up to a third between JVM launches an
 * hour apart (docs/benchmarks.md, session 4); a bench run that also reports the ceiling it ran
 * under tells a slower machine from a slower engine. The FMA ceiling alone did not move between two
 * runs an hour apart whose predictions differed by 12 % (session 5), so {@link #streamGBps} measures
 * the other resource a prediction needs, memory bandwidth, the same way.
 */
public final class MachinePeak {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Independent accumulators: enough to cover FMA latency × ports (4 cycles × 2 ports = 8). */
    private static final int CHAINS = 16;

    private MachinePeak() {}

    /** Rounds per timed slice: ~0.1 ms at full speed, far above the clock's resolution. */
    private static final int SLICE = 1 << 14;

    /**
     * GFLOP/s (2 per multiply-add) of {@code threads} threads running FMA chains side by side for
     * about {@code millis} ms: the sum over threads of each thread's median slice rate. The loop is
     * first run until C2 has compiled it (interpreted or C1 code is 100× slower and would be
     * measured instead: a test caught that).
     */
    public static double gflops(int threads, int millis) throws InterruptedException {
        long warmUntil = System.nanoTime() + 150_000_000L;
        float sink = 0;
        for (int calls = 0; calls < 30_000 || System.nanoTime() < warmUntil; calls++) sink += chains(64, 0.999f);
        double flopsPerSlice = (double) SLICE * CHAINS * 2 * S.length();
        return sideBySide(threads, millis, 1, id -> chains(SLICE, 0.999f), flopsPerSlice) + (sink == 42f ? 1e-9 : 0);
    }

    /** One timed unit of work of thread {@code id}; its result keeps C2 from dropping the work. */
    @FunctionalInterface
    private interface Pass {
        float run(int id);
    }

    /**
     * Runs {@code pass} on {@code threads} threads side by side for about {@code millis} ms (and at
     * least {@code minPasses} times each) and returns the sum over threads of each thread's median
     * rate, {@code unitsPerPass} per pass (FLOPs, bytes) per nanosecond.
     */
    private static double sideBySide(int threads, int millis, int minPasses, Pass pass, double unitsPerPass)
            throws InterruptedException {
        long duration = millis * 1_000_000L;
        double[] rates = new double[threads];
        CountDownLatch start = new CountDownLatch(1);
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                double[] passes = new double[4096];
                int n = 0;
                float keep = 0;
                long end = System.nanoTime() + duration;
                for (long now = System.nanoTime(); (now < end || n < minPasses) && n < passes.length; ) {
                    keep += pass.run(id);
                    long next = System.nanoTime();
                    passes[n++] = unitsPerPass / (next - now);
                    now = next;
                }
                java.util.Arrays.sort(passes, 0, n);
                rates[id] = n == 0 ? 0 : passes[n / 2] + (keep == 42f ? 1e-9 : 0);
            }, "machine-peak-" + t);
            ts[t].start();
        }
        start.countDown();
        double sum = 0;
        for (int t = 0; t < threads; t++) {
            ts[t].join();
            sum += rates[t];
        }
        return sum;
    }

    /**
     * Bytes each thread streams for {@link #streamGBps}: 256 MiB, past every cache. Not 32 MiB, as
     * until session 6: this VM's last-level cache holds that (reads of 16–32 MiB a thread ran at
     * 29–31 GB/s on one thread, 64 MiB at 24, 128 MiB and more at 13.2–13.5), so the old figure
     * (57 GB/s on two threads) was the cache's, not the memory's.
     */
    public static final long MEMORY_STREAM_BYTES = 256L << 20;
    /** Bytes each thread streams for {@link #cacheStreamGBps}: 32 MiB, past L2 (2 MiB a core here). */
    public static final long CACHE_STREAM_BYTES = 32L << 20;

    /**
     * GB/s (10^9 bytes) that {@code threads} threads read from memory side by side, each summing its
     * own {@link #MEMORY_STREAM_BYTES} array again and again for about {@code millis} ms: the sum over
     * threads of each thread's median pass. What weights read once a prediction are bound by.
     */
    public static double streamGBps(int threads, int millis) throws InterruptedException {
        return streamGBps(threads, millis, MEMORY_STREAM_BYTES);
    }

    /**
     * The same with {@link #CACHE_STREAM_BYTES} a thread: past the cores' own caches, within a large
     * shared last-level cache where there is one (then well above {@link #streamGBps}).
     */
    public static double cacheStreamGBps(int threads, int millis) throws InterruptedException {
        return streamGBps(threads, millis, CACHE_STREAM_BYTES);
    }

    /** The same with {@code bytesPerThread} a thread (a multiple of 64 bytes, under 8 GiB). */
    public static double streamGBps(int threads, int millis, long bytesPerThread) throws InterruptedException {
        int floats = (int) (bytesPerThread / Float.BYTES);
        float[][] data = new float[threads][floats]; // [thread][floats]
        // Written first, so every page is the thread's own: pages of a fresh array the JVM has not
        // written could all map the kernel's one zero page, which stays in cache.
        for (float[] d : data) java.util.Arrays.fill(d, 1f);
        float sink = 0;
        long warmUntil = System.nanoTime() + 100_000_000L;
        for (int calls = 0; calls < 20 || System.nanoTime() < warmUntil; calls++) sink += sum(data[0], 1 << 12);
        return sideBySide(threads, millis, 3, id -> sum(data[id], floats), (double) floats * Float.BYTES)
                + (sink == 42f ? 1e-9 : 0);
    }

    /** The first {@code len} floats of {@code x} summed in four vector chains (a multiple of 4L). */
    private static float sum(float[] x, int len) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        int l = S.length();
        for (int i = 0; i + 4 * l <= len; i += 4 * l) {
            a0 = a0.add(FloatVector.fromArray(S, x, i));
            a1 = a1.add(FloatVector.fromArray(S, x, i + l));
            a2 = a2.add(FloatVector.fromArray(S, x, i + 2 * l));
            a3 = a3.add(FloatVector.fromArray(S, x, i + 3 * l));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }

    /** {@code iters} rounds of CHAINS independent register FMAs; the sum keeps C2 from dropping them. */
    private static float chains(long iters, float x) {
        FloatVector m = FloatVector.broadcast(S, x), add = FloatVector.broadcast(S, 1e-3f);
        FloatVector a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m;
        FloatVector a8 = m, a9 = m, a10 = m, a11 = m, a12 = m, a13 = m, a14 = m, a15 = m;
        for (long i = 0; i < iters; i++) {
            a0 = a0.fma(m, add); a1 = a1.fma(m, add); a2 = a2.fma(m, add); a3 = a3.fma(m, add);
            a4 = a4.fma(m, add); a5 = a5.fma(m, add); a6 = a6.fma(m, add); a7 = a7.fma(m, add);
            a8 = a8.fma(m, add); a9 = a9.fma(m, add); a10 = a10.fma(m, add); a11 = a11.fma(m, add);
            a12 = a12.fma(m, add); a13 = a13.fma(m, add); a14 = a14.fma(m, add); a15 = a15.fma(m, add);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .add(a12).add(a13).add(a14).add(a15).reduceLanes(VectorOperators.ADD);
    }

    /**
     * The processor this runs on, from /proc/cpuinfo: model name, family and model (e.g. "AMD EPYC
     * (family 25, model 17)"), or "unknown". Bench reports carry it because the ceilings, and with
     * them what a speed-up target asks, differ between the VMs this project has been measured on
     * (an Intel Xeon, an AMD Zen 4 and a Zen 5 at the same "2 vCPU" size; docs/benchmarks.md).
     */
    public static String cpuName() {
        try {
            return cpuName(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/cpuinfo")));
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** {@link #cpuName()} from the text of a /proc/cpuinfo: its first processor's fields. */
    static String cpuName(String cpuinfo) {
        String name = null, family = null, model = null;
        for (String line : cpuinfo.split("\n")) {
            if (line.isBlank()) {
                if (name != null || family != null) break; // the end of the first processor's block
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String key = line.substring(0, colon).trim(), value = line.substring(colon + 1).trim();
            switch (key) {
                case "model name" -> name = name == null ? value : name;
                case "cpu family" -> family = family == null ? value : family;
                case "model" -> model = model == null ? value : model;
                default -> { }
            }
        }
        if (name == null && family == null) return "unknown";
        String id = family == null ? "" : " (family " + family + (model == null ? "" : ", model " + model) + ")";
        return (name == null ? "unnamed" : name) + id;
    }
}
