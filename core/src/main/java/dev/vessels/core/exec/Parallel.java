package dev.vessels.core.exec;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The threads one prediction may use. Kernels split their work into {@link #threads()} contiguous,
 * deterministic parts (never work stealing), so the result does not depend on timing and the
 * baseline and vessels executors compute bit-identical outputs. Each prediction owns its own
 * Parallel, so several predictions can run side by side without sharing workers.
 *
 * <p>Why not an {@code ExecutorService}: a prediction runs hundreds of short parallel regions
 * (ResNet152: about one per layer, more for on-demand reads), separated by a few microseconds of
 * serial work. A pool's idle worker parks at once, and waking a parked thread costs 50–100 µs on
 * a virtual machine (measured: an empty two-part region after a 200 µs gap took 80–100 µs) — as
 * long as a small layer's whole computation. So workers, and the caller waiting for them, first
 * spin ({@link Thread#onSpinWait}) for {@link #SPIN_NANOS}, then yield the core until
 * {@link #YIELD_NANOS} (so that other runnable threads — another prediction, a decryption — get
 * it), and only then park. Set {@code -Dvessels.parallel.spinMicros=0} to park at once (A/B runs).
 *
 * <p>One job runs at a time. A call made while another is running (from another thread, or from
 * inside a part) runs all its parts on its caller, in order: same results, no deadlock.
 */
public final class Parallel implements AutoCloseable {
    /** A single-threaded instance: runs every part on the caller. */
    public static final Parallel SERIAL = new Parallel(1);

    private static final long SPIN_NANOS = 1_000L * Long.getLong("vessels.parallel.spinMicros", 50);
    private static final long YIELD_NANOS = Math.max(SPIN_NANOS, 1_000L * Long.getLong("vessels.parallel.yieldMicros", 300));

    private final int threads;
    private final long spinNanos, yieldNanos;        // the waits before parking (see the class comment)
    private final Worker[] workers;                 // threads - 1; the caller runs part 0
    private final AtomicBoolean busy = new AtomicBoolean();
    // The current job. Written by the caller only while every worker has acknowledged the previous
    // job (pending == 0), published by the volatile write of `epoch`.
    private IntConsumer body;
    private int parts;
    private final AtomicInteger next = new AtomicInteger();    // next part to claim after the first round
    private final AtomicInteger pending = new AtomicInteger(); // workers yet to finish the current job
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile long epoch;                    // incremented once per job
    private volatile Thread waiter;                 // the caller while parked waiting for workers
    private volatile boolean closed;
    private final Backoff callerWait = new Backoff(); // only the caller holding `busy` uses it

    public Parallel(int threads) {
        this(threads, SPIN_NANOS, YIELD_NANOS);
    }

    /**
     * Threads that park as soon as they wait: for helpers whose jobs are long next to a wake-up
     * (decrypting a parameter piece) and which run beside a prediction's own threads, where a
     * spinning idle helper would take a core the prediction needs.
     */
    public static Parallel parking(int threads) {
        return threads == 1 ? SERIAL : new Parallel(threads, 0, 0);
    }

    private Parallel(int threads, long spinNanos, long yieldNanos) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.spinNanos = spinNanos;
        this.yieldNanos = yieldNanos;
        workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread.start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code body.accept(part)} for part in [0, parts), at most {@link #threads()} at a time. */
    public void forEachPart(int parts, IntConsumer body) {
        if (parts <= 0) return;
        if (workers.length == 0 || parts == 1 || closed || !busy.compareAndSet(false, true)) {
            for (int p = 0; p < parts; p++) body.accept(p);
            return;
        }
        runJob(parts, body);
    }

    /**
     * Runs part p on thread p for every p in [0, {@link #threads()}) at the same time — so parts may
     * wait for each other (a barrier) — and returns true; or, when that cannot be had (a single
     * thread, a closed pool, or a job already running: a call from inside a part or from another
     * thread), runs nothing and returns false, and the caller does the work another way. A part
     * that waits for another must give up when {@code body} fails elsewhere, or the job never ends.
     */
    public boolean forEachPartTogether(IntConsumer body) {
        if (workers.length == 0 || closed || !busy.compareAndSet(false, true)) return false;
        runJob(threads, body);
        return true;
    }

    /** Runs a job while holding {@code busy}: part 0 on the caller, part i first on worker i. */
    private void runJob(int parts, IntConsumer body) {
        Throwable t;
        try {
            this.body = body;
            this.parts = parts;
            failure.set(null);
            next.set(Math.min(threads, parts));
            pending.set(workers.length);
            epoch = epoch + 1; // publishes the job (only this caller writes epoch while busy)
            for (Worker w : workers) {
                if (w.sleeping) LockSupport.unpark(w.thread);
            }
            runParts(0);
            awaitWorkers();
            this.body = null; // do not keep the caller's lambda (and what it captured) reachable
            t = failure.getAndSet(null); // before releasing `busy`: the next caller resets it
        } finally {
            busy.set(false);
        }
        if (t != null) {
            if (t instanceof RuntimeException re) throw re;
            if (t instanceof Error err) throw err;
            throw new IllegalStateException(t);
        }
    }

    /** Part {@code first} (if it exists), then parts claimed in order until none is left. */
    private void runParts(int first) {
        int n = parts;
        IntConsumer b = body;
        try {
            for (int p = first; p < n && failure.get() == null; p = next.getAndIncrement()) b.accept(p);
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    private void awaitWorkers() {
        callerWait.reset();
        while (pending.get() != 0) {
            if (callerWait.spin()) continue;
            waiter = Thread.currentThread();
            if (pending.get() != 0) LockSupport.park(this);
            waiter = null;
        }
    }

    /** Splits [0, n) into {@code threads()} near-equal contiguous ranges and runs each as one part. */
    public void forRange(int n, RangeBody body) {
        int parts = Math.min(threads, Math.max(1, n));
        forEachPart(parts, p -> {
            int lo = partStart(n, p, parts), hi = partStart(n, p + 1, parts);
            if (hi > lo) body.run(lo, hi);
        });
    }

    /**
     * Where part {@code part} of [0, n) split into {@code parts} near-equal contiguous ranges starts
     * ({@code part = parts}: n). The split {@link #forRange} makes, for callers that must split the
     * same way (or split panels, chunks, rows deterministically without it).
     */
    public static int partStart(int n, int part, int parts) {
        return (int) ((long) n * part / parts);
    }

    /** A contiguous range [lo, hi) of work. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int lo, int hi);
    }

    @Override
    public void close() {
        if (workers.length == 0) return;
        closed = true;
        for (Worker w : workers) LockSupport.unpark(w.thread);
    }

    private final class Worker implements Runnable {
        final int index;            // the part this worker runs first
        final Thread thread;
        volatile boolean sleeping;  // parked (or about to park) waiting for a job
        final Backoff wait = new Backoff();

        Worker(int index) {
            this.index = index;
            thread = new Thread(this, "vessels-worker-" + index);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                long e = awaitJob(seen);
                if (e == seen) return; // closed
                seen = e;
                if (index < parts) runParts(index);
                if (pending.decrementAndGet() == 0) {
                    Thread w = waiter;
                    if (w != null) LockSupport.unpark(w);
                }
            }
        }

        /** Spins, yields, then parks until a job newer than {@code seen} is published; {@code seen} if closed. */
        private long awaitJob(long seen) {
            wait.reset();
            while (true) {
                long e = epoch;
                if (e != seen) return e;
                if (closed) return seen;
                if (wait.spin()) continue;
                sleeping = true;
                if (epoch == seen && !closed) LockSupport.park(this);
                sleeping = false;
            }
        }
    }

    /** The wait before parking: spin for {@code spinNanos}, then yield until {@code yieldNanos}. */
    private final class Backoff {
        private long start;
        private int spins;

        void reset() {
            start = 0;
            spins = 0;
        }

        /** Waits a little; false once it is time to park. */
        boolean spin() {
            if ((spins++ & 63) != 0) { // read the clock every 64 pauses only
                Thread.onSpinWait();
                return true;
            }
            long now = System.nanoTime();
            if (start == 0) start = now;
            long waited = now - start;
            if (waited < spinNanos) {
                Thread.onSpinWait();
                return true;
            }
            if (waited < yieldNanos) {
                Thread.yield();
                return true;
            }
            return false;
        }
    }
}
