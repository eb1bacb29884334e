package dev.vessels.core.exec;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * Whether the JIT compiler is still busy: the basis of "after warm-up" in the benchmarks.
 *
 * <p>Why a fixed number of warm-up predictions is not enough: a fresh JVM compiles for the first
 * several predictions, and at two threads the compiler threads compete with the two prediction
 * threads for this VM's two cores, so compilation finishes late. Measured (ResNet152, two
 * threads, five warm-ups first): the predictions during which the JIT compiled for 30–70 ms took
 * 159–189 ms, and every one after it fell quiet (≤ 7 ms) took 135–145 ms; at one thread the
 * compiler has a core to itself and there is no such tail. So benchmarks warm up for at least the
 * requested predictions and then until two in a row pass with the compiler (nearly) quiet.
 */
public final class JitWatch {
    /** Compilation during one prediction below which the JIT counts as quiet. */
    public static final long QUIET_MILLIS = 5;
    /**
     * Consecutive quiet predictions that end a warm-up: the JIT pauses (WarmupTrace, ResNet152 at
     * two threads: 5, 7, 8 ms during predictions 3–5, then 34, 75, 28, 34 ms, then quiet for good).
     */
    public static final int QUIET_RUNS = 2;

    private final LongSupplier totalMillis; // the JVM's total compilation time so far; null: not reported
    private long last;

    public JitWatch() {
        this(compilationClock());
    }

    /** A watch over {@code totalMillis} (cumulative compilation milliseconds; null: not reported). */
    JitWatch(LongSupplier totalMillis) {
        this.totalMillis = totalMillis;
        last = totalMillis == null ? 0 : totalMillis.getAsLong();
    }

    private static LongSupplier compilationClock() {
        CompilationMXBean mx = ManagementFactory.getCompilationMXBean();
        return mx != null && mx.isCompilationTimeMonitoringSupported() ? mx::getTotalCompilationTime : null;
    }

    /** Whether this JVM reports its compilation time (HotSpot does). */
    public boolean supported() {
        return totalMillis != null;
    }

    /** Milliseconds the JIT compiled since the previous call (or since this watch was made); 0 where unreported. */
    public long compiledMillis() {
        if (totalMillis == null) return 0;
        long now = totalMillis.getAsLong(), d = now - last;
        last = now;
        return d;
    }

    /**
     * Runs {@code prediction} {@code min} times, then again until {@link #QUIET_RUNS} runs in a row
     * see less than {@link #QUIET_MILLIS} of compilation each, at most {@code maxExtra} more times. {@code min = 0}
     * runs nothing (a cold measurement).
     *
     * @return how many times it ran
     */
    public static int warmUp(int min, int maxExtra, Runnable prediction) {
        return warmUp(min, maxExtra, prediction, new JitWatch());
    }

    static int warmUp(int min, int maxExtra, Runnable prediction, JitWatch watch) {
        if (min <= 0) return 0;
        for (int i = 0; i < min; i++) prediction.run();
        // Then watched runs (when allowed), so a compiler still busy from the minimum is caught.
        return min + watch.untilQuiet(maxExtra, prediction);
    }

    /**
     * Runs {@code run} until {@link #QUIET_RUNS} runs in a row see less than {@link #QUIET_MILLIS}
     * of compilation each, at most {@code max} times (none where the JVM does not report its
     * compilation time).
     *
     * @return how many times it ran
     */
    public int untilQuiet(int max, Runnable run) {
        if (!supported()) return 0;
        compiledMillis();
        int done = 0, quiet = 0;
        while (done < max && quiet < QUIET_RUNS) {
            run.run();
            done++;
            quiet = compiledMillis() < QUIET_MILLIS ? quiet + 1 : 0;
        }
        return done;
    }
}
