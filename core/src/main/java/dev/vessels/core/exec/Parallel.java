package dev.vessels.core.exec;

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
 * <p>A prediction forks and joins a few hundred times (once per convolution, shortcut, pooling
 * layer), often for well under a millisecond of work. So the workers are plain threads that, after
 * a job, spin briefly ({@link #SPIN_NANOS}) waiting for the next one before they park, and the
 * caller hands a job to a worker by a volatile write to that worker's own slot: no queue, no latch
 * and no allocation per call. A thread pool with a latch cost ~20–50 µs per fork/join here (two
 * park/unpark round trips).
 */
public final class Parallel implements AutoCloseable {
    /** A single-threaded instance: runs every part on the caller. */
    public static final Parallel SERIAL = new Parallel(1);

    /**
     * How long an idle worker (or a caller waiting for workers) spins before parking. Consecutive
     * parallel regions of one prediction are usually microseconds apart; a parked thread takes tens
     * of microseconds to wake. Short enough not to hold a core that another process needs for long.
     */
    static final long SPIN_NANOS = 50_000;

    private final int threads;
    private final Worker[] workers; // [threads - 1]; the caller runs part 0

    // The current job. Written by the caller before it publishes the job to each worker's volatile
    // slot (Worker.assigned), so a worker that sees its slot change sees these too.
    private IntConsumer body;
    private int parts;
    private final AtomicInteger next = new AtomicInteger();     // parts beyond the first round, claimed in order
    private final AtomicInteger running = new AtomicInteger();  // workers still in the current job
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile Thread waiter;    // the caller, when parked waiting for the workers
    private volatile boolean closed;
    private long jobs;                 // jobs handed out so far: each worker's slot takes the job number
    // The thread inside forEachPart, if any: a nested call, or a second thread sharing this instance
    // at the same time, runs its parts inline instead of corrupting the current job.
    private final AtomicReference<Thread> owner = new AtomicReference<>();

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code body.accept(part)} for part in [0, parts), at most {@link #threads()} at a time. */
    public void forEachPart(int parts, IntConsumer body) {
        if (parts <= 0) return;
        Thread me = Thread.currentThread();
        if (workers.length == 0 || parts == 1 || closed || me instanceof Worker || !owner.compareAndSet(null, me)) {
            // One part, one thread, or the workers are busy (a call from inside a part): run inline.
            for (int p = 0; p < parts; p++) body.accept(p);
            return;
        }
        try {
            int used = Math.min(threads, parts);
            this.body = body;
            this.parts = parts;
            next.set(used);
            failure.set(null);
            running.set(used - 1);
            long job = ++jobs;
            for (int w = 1; w < used; w++) {
                Worker wk = workers[w - 1];
                wk.assigned = job; // publishes the job fields above to this worker
                if (wk.sleeping) LockSupport.unpark(wk);
            }
            runParts(0);
            awaitWorkers();
            Throwable t = failure.get();
            if (t instanceof RuntimeException re) throw re;
            if (t instanceof Error err) throw err;
            if (t != null) throw new IllegalStateException(t);
        } finally {
            this.body = null;
            owner.set(null);
        }
    }

    private void runParts(int first) {
        IntConsumer b = body;
        int n = parts;
        try {
            for (int p = first; p < n && failure.get() == null; p = next.getAndIncrement()) b.accept(p);
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    private void awaitWorkers() {
        long t0 = System.nanoTime();
        for (int spins = 0; running.get() != 0; spins++) {
            if ((spins & 63) != 63 || System.nanoTime() - t0 < SPIN_NANOS) {
                Thread.onSpinWait();
                continue;
            }
            waiter = Thread.currentThread();
            boolean interrupted = false;
            while (running.get() != 0) {
                LockSupport.park(this);
                if (Thread.interrupted()) interrupted = true;
            }
            waiter = null;
            if (interrupted) Thread.currentThread().interrupt();
            return;
        }
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
        closed = true;
        for (Worker w : workers) LockSupport.unpark(w);
    }

    private static final AtomicInteger NAMES = new AtomicInteger();

    private final class Worker extends Thread {
        private final int index;        // the part it runs first: 1 .. threads-1
        volatile long assigned;         // the last job handed to this worker
        volatile boolean sleeping;      // parked (or about to park): the caller must unpark it

        Worker(int index) {
            super("vessels-worker-" + NAMES.incrementAndGet());
            this.index = index;
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                long t0 = System.nanoTime();
                long job;
                for (int spins = 0; (job = assigned) == seen; spins++) {
                    if (closed) return;
                    if ((spins & 63) != 63 || System.nanoTime() - t0 < SPIN_NANOS) {
                        Thread.onSpinWait();
                        continue;
                    }
                    // Announce the park, then look again: the caller writes `assigned` before it reads
                    // `sleeping`, so either it sees the flag and unparks, or this sees the job.
                    sleeping = true;
                    if (assigned == seen && !closed) LockSupport.park(this);
                    sleeping = false;
                    t0 = System.nanoTime();
                }
                seen = job;
                runParts(index);
                if (running.decrementAndGet() == 0) {
                    Thread w = waiter;
                    if (w != null) LockSupport.unpark(w);
                }
            }
        }
    }
}
