package dev.vessels.serve;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scheduling decisions of the service, with no threads, clocks or enclaves: a state machine fed
 * with arrivals and completions that answers with the actions to carry out. Keeping it pure lets
 * the properties (committed EPC never above the bound, FIFO service, no request lost) be checked
 * over random event sequences; {@link EpcScheduler} runs the actions on real enclaves.
 *
 * <p>Rules ({@link Mode#EPC}, the paper's EPC-aware scheduling):
 * <ol>
 *   <li>requests are served strictly in arrival order: only the head of the queue may start, so a
 *       request can never be overtaken and never starves;</li>
 *   <li>the head runs on an idle enclave of its model if there is one (most recently used first);
 *       else, when enclaves are {@linkplain #SchedulerCore(Mode, Map, long, int, int, int, boolean) shared
 *       between models}, on the smallest idle enclave whose commit covers the head's need (least
 *       recently used among equals), which then serves the head's model;</li>
 *   <li>else a new enclave is launched if the live enclaves stay under {@code maxLive} and
 *       committed + need ≤ bound, destroying idle enclaves of other models, least recently used
 *       first, only as many as make it fit and only if it then fits;</li>
 *   <li>else the head waits until a running request completes;</li>
 *   <li>and in either case, at most {@code maxRunning} requests run at once (default: no limit):
 *       the head also waits while that many run (a request of a "solo" model takes several of
 *       these slots, all of them to run alone on every core). Predictions are CPU-bound, so starting more than
 *       the machine's cores run at once adds no throughput; it only takes EPC that idle enclaves
 *       could keep, so that the next request of their model reuses one instead of building one;</li>
 *   <li>at most {@code queueCapacity} requests wait; a request that would wait beyond that is rejected.</li>
 * </ol>
 * {@link Mode#NAIVE} (what the baseline system does) applies the same rules without the EPC bound
 * and without {@code maxRunning}: an enclave per concurrent request, however much EPC they commit together.
 *
 * <p>Commit is reserved when a launch is decided and released when a destroy is decided, so the
 * runner must carry out destroys before later launches (it does: in order, under one lock).
 * Not thread-safe; the caller serialises calls.
 */
public final class SchedulerCore {
    public enum Mode { EPC, NAIVE }

    public enum WorkerState { BUSY, IDLE }

    /** What the runner must do, in list order. */
    public sealed interface Action permits Launch, Run, Destroy {}

    /**
     * Build a new enclave {@code worker} for {@code model}, committing {@code need} bytes of EPC (already
     * reserved: the model's need, or more for a shared enclave, see {@link #launchSize}), and run {@code request} on it.
     */
    public record Launch(long worker, String model, long need, long request) implements Action {}

    /**
     * Run {@code request} on the idle enclave {@code worker}; when enclaves are shared and the worker
     * last served another model, it switches to the request's model first.
     */
    public record Run(long worker, long request) implements Action {}

    /** Destroy the idle enclave {@code worker} (its commit is already released). */
    public record Destroy(long worker) implements Action {}

    /** Result of an arrival: rejected (queue full) or accepted, with the actions it triggered. */
    public record Admission(boolean accepted, List<Action> actions) {}

    private record Waiting(long request, String model) {}

    private static final class Worker {
        final long id;
        String model;    // the model it serves now (changes only when enclaves are shared)
        final long need; // EPC it commits, fixed at launch: a shared enclave serves any model needing no more
        WorkerState state = WorkerState.BUSY;
        int slots;       // running slots the request it runs takes (its model's, see slotsFor)
        long lastUsed; // logical clock of the last start or completion: LRU order

        Worker(long id, String model, long need) {
            this.id = id;
            this.model = model;
            this.need = need;
        }
    }

    private final Mode mode;
    private final long bound;
    private final int queueCapacity;
    private final int maxLive;
    private final int maxRunning; // EPC mode only
    private final boolean shared; // an idle enclave may serve a model other than the one it was built for
    private final Map<String, Integer> slots; // running slots a request of each model takes (EPC mode; absent: 1)
    private int running;          // running slots taken: the busy workers' slot counts (1 each unless solo)
    private final Map<String, Long> needs;
    private final Deque<Waiting> queue = new ArrayDeque<>();
    private final Map<Long, Worker> workers = new LinkedHashMap<>();
    private long committed;
    private long clock;
    private long nextWorker = 1;
    private long peakCommitted;

    /**
     * @param needs         EPC bytes each model's enclave commits, known before launch
     * @param bound         most EPC bytes live enclaves may commit together (ignored in naive mode)
     * @param queueCapacity most requests waiting at once (≥ 0)
     * @param maxLive       most enclaves alive at once, idle ones included (≥ 1): caps host memory
     *                      and the predictions running at once
     * @throws IllegalArgumentException if, in EPC mode, one model alone needs more than the bound
     */
    public SchedulerCore(Mode mode, Map<String, Long> needs, long bound, int queueCapacity, int maxLive) {
        this(mode, needs, bound, queueCapacity, maxLive, Integer.MAX_VALUE);
    }

    /**
     * As {@link #SchedulerCore(Mode, Map, long, int, int)}, with at most {@code maxRunning} (≥ 1)
     * requests running at once in EPC mode (ignored in naive mode).
     */
    public SchedulerCore(Mode mode, Map<String, Long> needs, long bound, int queueCapacity, int maxLive, int maxRunning) {
        this(mode, needs, bound, queueCapacity, maxLive, maxRunning, false);
    }

    /**
     * As {@link #SchedulerCore(Mode, Map, long, int, int, int)}; with {@code shared}, enclaves are not
     * tied to the model they were built for: an idle enclave whose commit is at least a model's need
     * may serve that model. This holds for enclaves that keep no model state between requests (a
     * Vessels enclave reads every parameter on demand and holds only buffers sized by the plan), not
     * for a Darknet-style enclave, which loads its model's parameters when built. Reusing such an
     * enclave replaces a build (adding every page, measuring it) by nothing.
     */
    public SchedulerCore(Mode mode, Map<String, Long> needs, long bound, int queueCapacity, int maxLive, int maxRunning,
                         boolean shared) {
        this(mode, needs, bound, queueCapacity, maxLive, maxRunning, shared, Map.of());
    }

    /**
     * As {@link #SchedulerCore(Mode, Map, long, int, int, int, boolean)}; in EPC mode a request of
     * model m takes {@code slots.get(m)} (default 1, at most {@code maxRunning}) of the
     * {@code maxRunning} running slots: a model whose prediction runs on every core takes them all
     * and runs alone ("solo"; see {@code Serving}). Ignored in naive mode.
     */
    public SchedulerCore(Mode mode, Map<String, Long> needs, long bound, int queueCapacity, int maxLive, int maxRunning,
                         boolean shared, Map<String, Integer> slots) {
        for (var e : slots.entrySet()) {
            if (!needs.containsKey(e.getKey())) throw new IllegalArgumentException("slots for unknown model " + e.getKey());
            if (e.getValue() < 1 || (mode == Mode.EPC && e.getValue() > maxRunning)) {
                throw new IllegalArgumentException(e.getKey() + ": slots must be 1.." + maxRunning + ", got " + e.getValue());
            }
        }
        this.slots = mode == Mode.EPC ? Map.copyOf(slots) : Map.of();
        if (maxRunning < 1) throw new IllegalArgumentException("at least one running request must be allowed, got " + maxRunning);
        if (queueCapacity < 0) throw new IllegalArgumentException("queue capacity must be >= 0, got " + queueCapacity);
        if (maxLive < 1) throw new IllegalArgumentException("at least one enclave must be allowed, got " + maxLive);
        if (needs.isEmpty()) throw new IllegalArgumentException("no models");
        for (var e : needs.entrySet()) {
            if (e.getValue() <= 0) throw new IllegalArgumentException(e.getKey() + ": EPC need must be > 0");
            if (mode == Mode.EPC && e.getValue() > bound) {
                throw new IllegalArgumentException(String.format("model %s needs %.1f MiB of EPC, more than the bound of %.1f MiB",
                        e.getKey(), e.getValue() / 1048576.0, bound / 1048576.0));
            }
        }
        this.mode = mode;
        this.needs = Map.copyOf(needs);
        this.bound = bound;
        this.queueCapacity = queueCapacity;
        this.maxLive = maxLive;
        this.maxRunning = mode == Mode.EPC ? maxRunning : Integer.MAX_VALUE;
        this.shared = shared;
    }

    /** A request for {@code model} arrives (the model must be known). */
    public Admission submit(long request, String model) {
        if (!needs.containsKey(model)) throw new IllegalArgumentException("unknown model " + model);
        queue.addLast(new Waiting(request, model));
        List<Action> actions = dispatch();
        if (!queue.isEmpty() && queue.peekLast().request() == request && queue.size() > queueCapacity) {
            queue.removeLast(); // it would wait beyond the bound: reject it (nothing was decided for it)
            return new Admission(false, actions);
        }
        return new Admission(true, actions);
    }

    /** The request running on {@code worker} finished; the enclave becomes idle. */
    public List<Action> completed(long worker) {
        Worker w = busy(worker);
        w.state = WorkerState.IDLE;
        w.lastUsed = ++clock;
        running -= w.slots;
        return dispatch();
    }

    /**
     * The enclave {@code worker} failed (its launch or its request): it is gone, its commit released.
     * The runner has already destroyed it (or never built it), so no Destroy action is issued for it.
     */
    public List<Action> failed(long worker) {
        Worker w = busy(worker);
        workers.remove(w.id);
        committed -= w.need;
        running -= w.slots;
        check();
        return dispatch();
    }

    /**
     * The enclave {@code worker} failed while serving {@code request}, which is to be tried again on
     * another enclave: as {@link #failed}, and the request goes back into the queue at its arrival
     * position (request ids are given in arrival order), which is the head unless older retried
     * requests still wait; it is never rejected for a full queue, having been accepted already.
     * The runner decides how often a request may be retried.
     */
    public List<Action> failedRetry(long worker, long request) {
        Worker w = busy(worker);
        workers.remove(w.id);
        committed -= w.need;
        running -= w.slots;
        check();
        Deque<Waiting> older = new ArrayDeque<>();
        while (!queue.isEmpty() && queue.peekFirst().request() < request) older.addLast(queue.pollFirst());
        queue.addFirst(new Waiting(request, w.model));
        while (!older.isEmpty()) queue.addFirst(older.pollLast());
        return dispatch();
    }

    /** Stops serving: every idle enclave is destroyed; busy ones are left to finish. Returns the destroys. */
    public List<Action> drainIdle() {
        List<Action> out = new ArrayList<>();
        for (Iterator<Worker> it = workers.values().iterator(); it.hasNext(); ) {
            Worker w = it.next();
            if (w.state == WorkerState.IDLE) {
                it.remove();
                committed -= w.need;
                out.add(new Destroy(w.id));
            }
        }
        check();
        return out;
    }

    /** Removes and returns every waiting request (for a shutdown that cannot serve them). */
    public List<Long> abandonQueue() {
        List<Long> out = new ArrayList<>();
        for (Waiting q : queue) out.add(q.request());
        queue.clear();
        return out;
    }

    private Worker busy(long worker) {
        Worker w = workers.get(worker);
        if (w == null || w.state != WorkerState.BUSY) throw new IllegalStateException("worker " + worker + " is not running a request");
        return w;
    }

    private List<Action> dispatch() {
        List<Action> out = new ArrayList<>();
        while (!queue.isEmpty()) {
            Waiting head = queue.peekFirst();
            int take = slotsFor(head.model());
            if (running + take > maxRunning) break; // FIFO: the head waits for its slots
            long need = needs.get(head.model());
            Worker idle = null;
            for (Worker w : workers.values()) {
                if (w.state == WorkerState.IDLE && w.model.equals(head.model()) && (idle == null || w.lastUsed > idle.lastUsed)) idle = w;
            }
            if (idle == null && shared) {
                for (Worker w : workers.values()) {
                    if (w.state == WorkerState.IDLE && w.need >= need
                            && (idle == null || w.need < idle.need || (w.need == idle.need && w.lastUsed < idle.lastUsed))) idle = w;
                }
                if (idle != null) idle.model = head.model();
            }
            if (idle != null) {
                idle.state = WorkerState.BUSY;
                idle.lastUsed = ++clock;
                idle.slots = take;
                running += take;
                queue.removeFirst();
                out.add(new Run(idle.id, head.request()));
                continue;
            }
            // No idle enclave can serve the head here; find how many LRU ones must go.
            List<Worker> idleLru = new ArrayList<>();
            for (Worker w : workers.values()) if (w.state == WorkerState.IDLE) idleLru.add(w);
            idleLru.sort(Comparator.comparingLong(w -> w.lastUsed));
            int k = 0;
            long freed = 0;
            while (!fits(workers.size() - k, committed - freed, need)) {
                if (k == idleLru.size()) break;
                freed += idleLru.get(k).need;
                k++;
            }
            if (!fits(workers.size() - k, committed - freed, need)) break; // the head waits; FIFO: nobody overtakes it
            for (Worker v : idleLru.subList(0, k)) {
                workers.remove(v.id);
                committed -= v.need;
                out.add(new Destroy(v.id));
            }
            Worker w = new Worker(nextWorker++, head.model(), launchSize(need));
            w.lastUsed = ++clock;
            w.slots = take;
            workers.put(w.id, w);
            running += take;
            committed += w.need;
            peakCommitted = Math.max(peakCommitted, committed);
            queue.removeFirst();
            out.add(new Launch(w.id, w.model, w.need, head.request()));
            check();
        }
        return out;
    }

    /**
     * The commit of a new enclave for a model needing {@code need}, once {@code committed} counts
     * what stays: the need itself, except that a shared enclave under the EPC bound is built as
     * large as the largest model need that fits in the free EPC, so that it can serve that model
     * later instead of another build. (Builds are the dearest thing here: about 8 ms per MiB on
     * SGX1, a YOLOv3-sized enclave 0.6 s of busy CPU. The extra commit is EPC that nothing else
     * holds now; idle enclaves are still destroyed to make room when a launch needs it.) The naive
     * scheduler has no bound to size against: its enclaves are built for their model's need.
     */
    private long launchSize(long need) {
        if (!shared || mode != Mode.EPC) return need;
        long size = need;
        for (long n : needs.values()) if (n > size && committed + n <= bound) size = n;
        return size;
    }

    /** Running slots a request of {@code model} takes: 1, or all of them for a solo model (EPC mode). */
    public int slotsFor(String model) {
        return slots.getOrDefault(model, 1);
    }

    private boolean fits(int live, long committedAfter, long need) {
        if (live + 1 > maxLive) return false;
        return mode == Mode.NAIVE || committedAfter + need <= bound;
    }

    /** The invariants, checked after every change: a violation is a bug, never a state to serve from. */
    private void check() {
        long sum = 0;
        for (Worker w : workers.values()) sum += w.need;
        if (sum != committed) throw new IllegalStateException("scheduler committed " + committed + " != sum of live enclaves " + sum);
        if (mode == Mode.EPC && committed > bound) {
            throw new IllegalStateException("scheduler committed " + committed + " bytes of EPC, above the bound " + bound);
        }
        if (workers.size() > maxLive) throw new IllegalStateException(workers.size() + " live enclaves, above " + maxLive);
        int busy = 0;
        for (Worker w : workers.values()) if (w.state == WorkerState.BUSY) busy += w.slots;
        if (busy != running || running > maxRunning) throw new IllegalStateException(busy + " busy slots, counted " + running + ", at most " + maxRunning);
    }

    public Mode mode() { return mode; }
    public long bound() { return bound; }
    public long committedBytes() { return committed; }
    public long peakCommittedBytes() { return peakCommitted; }
    public int queueDepth() { return queue.size(); }
    /** Running slots taken now (one per running request, all of them for a solo model's). */
    public int running() { return running; }
    public int queueCapacity() { return queueCapacity; }
    public int maxLive() { return maxLive; }
    /** Most requests running at once (EPC mode; {@link Integer#MAX_VALUE} when unlimited or naive). */
    public int maxRunning() { return maxRunning; }
    /** True when an idle enclave may serve another model whose need it covers. */
    public boolean shared() { return shared; }
    public long need(String model) { return needs.get(model); }

    /** Live enclaves in each state. */
    public Map<WorkerState, Integer> workersByState() {
        Map<WorkerState, Integer> m = new LinkedHashMap<>();
        for (WorkerState s : WorkerState.values()) m.put(s, 0);
        for (Worker w : workers.values()) m.merge(w.state, 1, Integer::sum);
        return m;
    }

    /** Requests waiting, head first. */
    public List<Long> waiting() {
        List<Long> l = new ArrayList<>();
        for (Waiting q : queue) l.add(q.request());
        return Collections.unmodifiableList(l);
    }

    /** Live enclaves of {@code model}. */
    public int live(String model) {
        int n = 0;
        for (Worker w : workers.values()) if (w.model.equals(model)) n++;
        return n;
    }

    public int live() {
        return workers.size();
    }
}
