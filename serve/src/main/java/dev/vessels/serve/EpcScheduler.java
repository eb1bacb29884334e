package dev.vessels.serve;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.vessels.core.exec.Prediction;
import dev.vessels.serve.SchedulerCore.Action;
import dev.vessels.serve.SchedulerCore.Destroy;
import dev.vessels.serve.SchedulerCore.Launch;
import dev.vessels.serve.SchedulerCore.Mode;
import dev.vessels.serve.SchedulerCore.Run;

/**
 * Runs {@link SchedulerCore}'s decisions on real enclaves: requests come in as futures, launches
 * and predictions run on platform threads (one per running enclave: predictions are CPU-bound, and
 * concurrency is what the scheduler decides, not what a carrier pool allows), destroys happen
 * under the lock, before any later launch, so the platform never commits more than the core reserved.
 * Thread-safe.
 */
public final class EpcScheduler implements AutoCloseable {
    /** The queue is full, or the service is shutting down: answer 503. */
    public static final class Rejected extends RuntimeException {
        public Rejected(String message) {
            super(message, null, false, false);
        }
    }

    /** The request's enclave failed, and so did the one it was retried on (both destroyed, their EPC released): answer 500. */
    public static final class EnclaveFault extends RuntimeException {
        public EnclaveFault(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** An accepted request; {@code retried} (guarded by the lock) once it has been given a second enclave. */
    private static final class Pending {
        final String model;
        final float[] input;
        final CompletableFuture<Prediction> future;
        boolean retried;

        Pending(String model, float[] input, CompletableFuture<Prediction> future) {
            this.model = model;
            this.input = input;
            this.future = future;
        }

        String model() { return model; }
        float[] input() { return input; }
        CompletableFuture<Prediction> future() { return future; }
    }

    private final WorkerFactory factory;
    private final SchedulerCore core;
    private final Object lock = new Object();
    private final Map<Long, Pending> pending = new HashMap<>();          // accepted, not finished
    private final Map<Long, EnclaveWorker> workers = new HashMap<>();    // core worker id -> launched enclave
    private final ExecutorService runners;
    private final AtomicLong nextRequest = new AtomicLong(1);
    private final AtomicLong launched = new AtomicLong(), destroyedCount = new AtomicLong(), faults = new AtomicLong(),
            invariantViolations = new AtomicLong(), retries = new AtomicLong(), switched = new AtomicLong();
    private long peakPlatformCommitted;
    private long idleSlotNanos, lastChange = System.nanoTime(); // guarded by lock (see accrueIdleSlots)
    private int lastQueueDepth, lastRunning;
    private boolean accepting = true;

    public EpcScheduler(WorkerFactory factory, Mode mode, long boundBytes, int queueCapacity, int maxLive) {
        this(factory, mode, boundBytes, queueCapacity, maxLive, Integer.MAX_VALUE);
    }

    /** With at most {@code maxRunning} predictions at once under {@link Mode#EPC} (see {@link SchedulerCore}). */
    public EpcScheduler(WorkerFactory factory, Mode mode, long boundBytes, int queueCapacity, int maxLive, int maxRunning) {
        this(factory, mode, boundBytes, queueCapacity, maxLive, maxRunning, Map.of());
    }

    /** With a request of model m taking {@code slots.get(m)} of the {@code maxRunning} slots (see {@link SchedulerCore}). */
    public EpcScheduler(WorkerFactory factory, Mode mode, long boundBytes, int queueCapacity, int maxLive, int maxRunning,
                        Map<String, Integer> slots) {
        this.factory = factory;
        Map<String, Long> needs = new LinkedHashMap<>();
        for (ServedModel m : factory.models()) needs.put(m.name(), factory.epcNeed(m.name()));
        this.core = new SchedulerCore(mode, needs, boundBytes, queueCapacity, maxLive, maxRunning, factory.sharedEnclaves(), slots);
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "vessels-enclave-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.runners = java.util.concurrent.Executors.newCachedThreadPool(tf);
    }

    /**
     * Queues one prediction of {@code model} (known to this scheduler) on an input of the model's size.
     *
     * @throws Rejected if the queue is full or the scheduler is shutting down
     */
    public CompletableFuture<Prediction> submit(String model, float[] input) {
        CompletableFuture<Prediction> f = new CompletableFuture<>();
        synchronized (lock) {
            if (!accepting) throw new Rejected("shutting down");
            long id = nextRequest.getAndIncrement();
            pending.put(id, new Pending(model, input, f));
            var a = core.submit(id, model);
            if (!a.accepted()) {
                pending.remove(id);
                apply(a.actions());
                throw new Rejected("queue full (" + core.queueCapacity() + " waiting)");
            }
            apply(a.actions());
        }
        return f;
    }

    /**
     * Adds the interval since the last state change to {@link #idleSlotNanos} if, during it,
     * requests waited while fewer than {@code maxRunning} ran: the EPC-aware scheduler's price for
     * strict FIFO (the head waits for EPC, and nobody may overtake it). Called with the lock held,
     * right after the core changed state.
     */
    private void accrueIdleSlots() {
        long now = System.nanoTime();
        idleSlotNanos += idleSince(now);
        lastChange = now;
    }

    /** Idle-slot time from the last change to {@code now}, in the state the last change left: lock held. */
    private long idleSince(long now) {
        if (core.mode() != Mode.EPC || lastQueueDepth == 0 || lastRunning >= core.maxRunning()) return 0;
        return (long) (core.maxRunning() - lastRunning) * (now - lastChange);
    }

    /** Carries out the core's actions; called with the lock held, once after every change of the core's state. */
    private void apply(List<Action> actions) {
        accrueIdleSlots();
        lastQueueDepth = core.queueDepth();
        lastRunning = core.running();
        for (Action a : actions) {
            switch (a) {
                case Destroy d -> {
                    EnclaveWorker w = workers.remove(d.worker());
                    if (w != null) {
                        w.destroy();
                        destroyedCount.incrementAndGet();
                    }
                }
                case Launch l -> {
                    Pending p = pending.get(l.request());
                    runners.execute(() -> launchAndRun(l, p));
                }
                case Run r -> {
                    Pending p = pending.get(r.request());
                    EnclaveWorker w = workers.get(r.worker());
                    runners.execute(() -> runOn(r.worker(), r.request(), w, p));
                }
            }
        }
    }

    private void launchAndRun(Launch l, Pending p) {
        EnclaveWorker w;
        try {
            w = factory.launch(l.model(), l.need());
        } catch (Throwable t) {
            faults.incrementAndGet();
            synchronized (lock) {
                if (retryOnce(l.worker(), l.request(), p)) return;
                pending.remove(l.request());
                apply(core.failed(l.worker()));
                lock.notifyAll();
            }
            p.future().completeExceptionally(new EnclaveFault("cannot launch an enclave for " + l.model() + ": " + t.getMessage(), t));
            return;
        }
        launched.incrementAndGet();
        synchronized (lock) {
            workers.put(l.worker(), w);
            long platformCommitted = factory.platform().committedBytes();
            peakPlatformCommitted = Math.max(peakPlatformCommitted, platformCommitted);
            // Runtime check of the invariant on the platform's own books, not just the core's; a
            // violation is a bug: it fails this request loudly instead of serving from a bad state.
            if (core.mode() == Mode.EPC && platformCommitted > core.bound()) {
                invariantViolations.incrementAndGet();
                w.destroy();
                workers.remove(l.worker());
                pending.remove(l.request());
                apply(core.failed(l.worker()));
                lock.notifyAll();
                p.future().completeExceptionally(new IllegalStateException("platform commits " + platformCommitted
                        + " bytes of EPC, above the bound " + core.bound()));
                return;
            }
        }
        runOn(l.worker(), l.request(), w, p);
    }

    private void runOn(long worker, long request, EnclaveWorker w, Pending p) {
        Prediction out;
        try {
            if (!w.model().equals(p.model())) {
                w.switchTo(p.model());
                switched.incrementAndGet();
            }
            out = w.predict(p.input());
        } catch (Throwable t) {
            faults.incrementAndGet();
            w.destroy(); // before the core releases its commit: the platform never runs ahead of the books
            synchronized (lock) {
                workers.remove(worker);
                destroyedCount.incrementAndGet();
                if (retryOnce(worker, request, p)) return;
                pending.remove(request);
                apply(core.failed(worker));
                lock.notifyAll();
            }
            p.future().completeExceptionally(new EnclaveFault("enclave for " + p.model() + " failed: " + t, t));
            return;
        }
        synchronized (lock) {
            pending.remove(request);
            apply(core.completed(worker));
            lock.notifyAll();
        }
        p.future().complete(out);
    }

    /**
     * After a fault of {@code worker} (already destroyed, or never built) while serving {@code request}:
     * a request's first fault sends it back into the queue at its arrival position (the head, unless
     * older retried requests wait), to run on another enclave
     * (usually a fresh one: the failed enclave is gone); a second fault fails it (500). A transient
     * loss (on real SGX, e.g. an enclave lost across a power transition) is then invisible to the
     * client, and a request that breaks every enclave costs one more build, not a retry loop.
     * Called with the lock held; false when the request has had its retry.
     */
    private boolean retryOnce(long worker, long request, Pending p) {
        if (p.retried) return false;
        p.retried = true;
        retries.incrementAndGet();
        apply(core.failedRetry(worker, request));
        lock.notifyAll();
        return true;
    }

    /**
     * Graceful stop: refuses new requests, lets every accepted one finish (up to {@code timeoutMillis}),
     * then destroys every enclave. Requests still waiting after the timeout fail with {@link Rejected}.
     */
    public void shutdown(long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (lock) {
            accepting = false;
            while (!pending.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            for (long id : core.abandonQueue()) {
                Pending p = pending.remove(id);
                if (p != null) p.future().completeExceptionally(new Rejected("shut down before it could run"));
            }
            apply(core.drainIdle());
        }
        runners.shutdown();
    }

    @Override
    public void close() {
        shutdown(0);
        synchronized (lock) {
            for (EnclaveWorker w : workers.values()) w.destroy();
            workers.clear();
        }
    }

    public WorkerFactory factory() { return factory; }
    public Mode mode() { return core.mode(); }
    public long boundBytes() { return core.bound(); }
    public int maxRunning() { return core.maxRunning(); }
    /** Running slots a request of {@code model} takes. */
    public int slotsFor(String model) { return core.slotsFor(model); }

    public long epcNeed(String model) {
        return core.need(model);
    }

    /**
     * A consistent view of the scheduler for metrics and tests. {@code switched}: requests served by
     * an idle enclave last used for another model (shared enclaves); {@code idleSlotNanos}: under
     * {@link Mode#EPC}, the sum over time of running slots left free while requests waited.
     */
    public record Snapshot(int queueDepth, int queueCapacity, int busy, int idle, long reservedBytes, long platformCommittedBytes,
                           long peakPlatformCommittedBytes, long boundBytes, long launched, long destroyed, long faults, long invariantViolations, int pending,
                           long retries, long switched, long idleSlotNanos) {}

    public Snapshot snapshot() {
        synchronized (lock) {
            var by = core.workersByState();
            return new Snapshot(core.queueDepth(), core.queueCapacity(), by.get(SchedulerCore.WorkerState.BUSY),
                    by.get(SchedulerCore.WorkerState.IDLE), core.committedBytes(), factory.platform().committedBytes(),
                    peakPlatformCommitted, core.bound(), launched.get(), destroyedCount.get(), faults.get(), invariantViolations.get(), pending.size(),
                    retries.get(), switched.get(), idleSlotNanos + idleSince(System.nanoTime()));
        }
    }
}
