package dev.vessels.core.exec;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * The threads one prediction may use. Kernels split their work into {@link #threads()} contiguous,
 * deterministic parts (never work stealing), so the result does not depend on timing and the
 * baseline and vessels executors compute bit-identical outputs. Each prediction owns its own
 * Parallel, so several predictions can run side by side without sharing workers.
 */
public final class Parallel implements AutoCloseable {
    /** A single-threaded instance: runs every part on the caller. */
    public static final Parallel SERIAL = new Parallel(1);

    private final int threads;
    private final ExecutorService pool; // threads - 1 workers; the caller runs part 0

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        if (threads == 1) {
            pool = null;
        } else {
            AtomicInteger n = new AtomicInteger();
            ThreadFactory tf = r -> {
                Thread t = new Thread(r, "vessels-worker-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
            pool = Executors.newFixedThreadPool(threads - 1, tf);
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code body.accept(part)} for part in [0, parts), at most {@link #threads()} at a time. */
    public void forEachPart(int parts, IntConsumer body) {
        if (parts <= 0) return;
        if (pool == null || parts == 1) {
            for (int p = 0; p < parts; p++) body.accept(p);
            return;
        }
        int workers = Math.min(threads, parts);
        CountDownLatch done = new CountDownLatch(workers - 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger next = new AtomicInteger(workers); // parts beyond the first round, claimed in order
        for (int wk = 1; wk < workers; wk++) {
            final int first = wk;
            pool.execute(() -> {
                try {
                    for (int p = first; p < parts && failure.get() == null; p = next.getAndIncrement()) body.accept(p);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            });
        }
        try {
            for (int p = 0; p < parts && failure.get() == null; p = next.getAndIncrement()) body.accept(p);
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for workers", e);
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error err) throw err;
        if (t != null) throw new IllegalStateException(t);
    }

    /** Splits [0, n) into {@code threads()} near-equal contiguous ranges and runs each as one part. */
    public void forRange(int n, RangeBody body) {
        int parts = Math.min(threads, Math.max(1, n));
        forEachPart(parts, p -> {
            int lo = (int) ((long) n * p / parts);
            int hi = (int) ((long) n * (p + 1) / parts);
            if (hi > lo) body.run(lo, hi);
        });
    }

    /** A contiguous range [lo, hi) of work. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int lo, int hi);
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
