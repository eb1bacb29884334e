package dev.vessels.serve;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;

import dev.vessels.core.VesselsException;
import dev.vessels.core.exec.Prediction;
import dev.vessels.core.exec.ResidentParams;
import dev.vessels.core.weights.ParamSource;
import dev.vessels.enclave.Enclave;
import dev.vessels.enclave.TrustedPlatform;
import dev.vessels.enclave.run.EnclaveExecutor;
import dev.vessels.enclave.run.UntrustedModelCopy;

/**
 * Workers on a {@link TrustedPlatform}: each enclave is declared with the data region of its
 * {@link EnclaveExecutor} (the executor's buffers as Darknet or the planner lays them out) and runs
 * predictions as ECALLs. When traced, the executor reports every layer's reads and writes and
 * every on-demand parameter OCALL to the enclave's tracer, and a new enclave first loads the model
 * (the baseline reads all parameters in, as Darknet does at start-up; vessels loads nothing).
 *
 * <p>Host memory. The enclaves' EPC is emulated; their executors are real JVM objects, so what the
 * host holds per enclave is kept to what the computation needs, without changing what is emulated:
 * <ul>
 *   <li>baseline enclaves of one model share one read-only host copy of its parameters (one
 *       {@link ResidentParams}); each enclave still declares, loads and touches every parameter page
 *       of its own data region, so the emulated EPC charges each the full Darknet footprint. Only
 *       the JVM's copy is shared (sealed models excepted: each enclave decrypts its own);</li>
 *   <li>vessels enclaves of a synthetic model read on demand from one shared
 *       {@link UntrustedModelCopy}: the weights file as it sits in the page cache, read by plain
 *       copies, as {@code reproduce single} does (a seeded generator per read would make on-demand
 *       loading slower than it is on a real file);</li>
 *   <li>an executor outlives the enclave it ran in: a destroyed enclave's executor is kept for the
 *       next enclave of its model (so launching costs the emulated build, not a reallocation), but
 *       at most {@link #SPARE_PER_MODEL} per model; more are dropped. A failed one is discarded.</li>
 * </ul>
 *
 * <p>Shared enclaves ({@link #sharedEnclaves()}, vessels executors only). A Vessels enclave keeps
 * no model state between requests: parameters are read on demand, and what stays is buffers laid
 * out by the plan, which the next prediction writes before it reads them (the tracer checks every
 * output is written). So an idle enclave can serve another model whose data region fits in its own:
 * {@link EnclaveWorker#switchTo} hands the old executor back to the spares and takes one of the new
 * model, inside the same enclave, with no build. Its declared data region is its commit's (whole
 * pages), so a model whose commit is at most the enclave's always fits. What the last request left
 * in the arena stays there, as it does between two requests of one model: the service owns every
 * model it serves, and one attested enclave code serves them all.
 */
public final class PlatformWorkerFactory implements WorkerFactory {
    /** Idle executors kept per model for the next enclave (host memory: up to a baseline executor each). */
    public static final int SPARE_PER_MODEL = 1;

    private final TrustedPlatform platform;
    private final String kind;
    private final int threads;
    private final Map<String, Integer> threadsOf = new java.util.concurrent.ConcurrentHashMap<>(); // per model, if not `threads`
    private final boolean traced;
    private final boolean shared; // idle enclaves may switch to another model (vessels only)
    private final Map<String, ServedModel> models = new LinkedHashMap<>();
    private final Map<String, Long> held = new LinkedHashMap<>();
    private final Map<String, ConcurrentLinkedDeque<Loaded>> spare = new LinkedHashMap<>();
    private final Map<String, ResidentParams> sharedResident = new LinkedHashMap<>();    // baseline: one host copy per model
    private final Map<String, UntrustedModelCopy> sharedCopy = new LinkedHashMap<>();    // vessels, synthetic: one per model

    /** An executor and the parameter source it alone owns (null when it reads a shared host copy). */
    private record Loaded(EnclaveExecutor executor, ParamSource ownSource) {
        void close() {
            executor.close();
            if (ownSource != null) ownSource.close();
        }
    }

    /**
     * @param kind             {@code vessels} or {@code baseline}
     * @param threads          threads per prediction
     * @param traced           report each layer's memory accesses and OCALLs to the enclave (else nothing)
     */
    public PlatformWorkerFactory(TrustedPlatform platform, List<ServedModel> served, String kind, int threads, boolean traced) {
        this(platform, served, kind, threads, traced, false);
    }

    /** Why a {@code kind} enclave (not vessels) cannot be shared between models. */
    static VesselsException sharingNeedsVessels(String kind) {
        return new VesselsException("--enclave-reuse any needs --executor vessels: a " + kind
                + " enclave loads its model's parameters when it is built, so it serves only that model");
    }

    /**
     * As {@link #PlatformWorkerFactory(TrustedPlatform, List, String, int, boolean)}; with {@code shared}
     * (vessels only) an idle enclave may switch to another model whose commit its own covers.
     *
     * @throws VesselsException if {@code shared} is asked of baseline enclaves, which hold their model's parameters
     */
    public PlatformWorkerFactory(TrustedPlatform platform, List<ServedModel> served, String kind, int threads, boolean traced,
                                 boolean shared) {
        if (served.isEmpty()) throw new VesselsException("no models to serve");
        if (shared && !kind.equals("vessels")) throw sharingNeedsVessels(kind);
        this.shared = shared;
        this.platform = platform;
        this.kind = kind;
        this.threads = threads;
        this.traced = traced;
        for (ServedModel m : served) {
            if (models.putIfAbsent(m.name(), m) != null) throw new VesselsException("--models: model '" + m.name() + "' given twice");
            if (kind.equals("baseline") && !m.sealed()) {
                try (ParamSource src = m.params().get()) {
                    sharedResident.put(m.name(), new ResidentParams(src));
                }
            } else if (kind.equals("vessels") && m.synthetic() && !m.sealed()) {
                try (ParamSource src = m.params().get()) {
                    sharedCopy.put(m.name(), new UntrustedModelCopy(src));
                }
            }
            spare.put(m.name(), new ConcurrentLinkedDeque<>());
            prime(m);
        }
    }

    /** Loads a first executor of {@code m}, which measures what its enclave must declare, and keeps it as a spare. */
    private void prime(ServedModel m) {
        Loaded first = load(m);
        held.put(m.name(), first.executor().dataBytes());
        spare.get(m.name()).add(first);
    }

    /** Threads a prediction of {@code model} runs on. */
    public int threads(String model) {
        return threadsOf.getOrDefault(model, threads);
    }

    /**
     * Predictions of {@code model} run on {@code n} threads from now on (before any of its enclaves
     * is launched: the EPC need changes with the per-thread kernel scratch, and the scheduler
     * reads the needs once). Its idle executors are rebuilt.
     */
    public synchronized void useThreads(String model, int n) {
        ServedModel m = models.get(model);
        if (m == null) throw new IllegalArgumentException("unknown model " + model);
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
        threadsOf.put(model, n);
        var q = spare.get(model);
        Loaded l;
        while ((l = q.poll()) != null) l.close();
        prime(m);
    }

    private Loaded load(ServedModel m) {
        int threads = threads(m.name());
        ResidentParams resident = sharedResident.get(m.name());
        if (resident != null) return new Loaded(EnclaveExecutor.baseline(m.network(), resident, threads), null);
        UntrustedModelCopy copy = sharedCopy.get(m.name());
        if (copy != null) return new Loaded(EnclaveExecutor.create(kind, m.network(), copy, threads), null);
        ParamSource src = m.params().get();
        try {
            return new Loaded(EnclaveExecutor.create(kind, m.network(), src, threads), src);
        } catch (RuntimeException e) {
            src.close();
            throw e;
        }
    }

    @Override
    public List<ServedModel> models() {
        return List.copyOf(models.values());
    }

    /** Bytes the executor of {@code model} holds (its enclave's declared data size). */
    public long heldBytes(String model) {
        return held.get(model);
    }

    @Override
    public long epcNeed(String model) {
        return platform.commitFor(held.get(model));
    }

    @Override
    public boolean sharedEnclaves() {
        return shared;
    }

    private Loaded takeSpare(String model) {
        ServedModel m = models.get(model);
        if (m == null) throw new IllegalArgumentException("unknown model " + model);
        Loaded l = spare.get(model).poll();
        return l != null ? l : load(m);
    }

    /** Keeps {@code l} for the next enclave of {@code model} unless enough are kept; closes it otherwise. */
    private void giveBack(String model, Loaded l) {
        var q = spare.get(model);
        synchronized (q) {
            if (q.size() < SPARE_PER_MODEL) {
                q.add(l);
                return;
            }
        }
        l.close(); // enough spares: the JVM gets the memory back
    }

    @Override
    public EnclaveWorker launch(String model) {
        return launch(model, epcNeed(model));
    }

    @Override
    public EnclaveWorker launch(String model, long commitBytes) {
        if (commitBytes < epcNeed(model)) {
            throw new IllegalArgumentException(model + " needs " + epcNeed(model) + " bytes of EPC, asked to commit " + commitBytes);
        }
        if (!shared && commitBytes != epcNeed(model)) {
            throw new IllegalArgumentException("only shared enclaves are built larger than their model needs");
        }
        Loaded l = takeSpare(model);
        // A shared enclave declares its whole commit as data region, so that any model whose commit
        // is at most this one's fits in it later; the commit is what the scheduler reserved.
        long bytes = shared ? commitBytes - platform.commitFor(0) : held.get(model);
        Enclave e;
        try {
            e = platform.create(model, bytes);
        } catch (RuntimeException ex) {
            spare.get(model).add(l);
            throw ex;
        }
        try {
            if (traced) {
                EnclaveExecutor ee = l.executor();
                e.run(t -> {
                    ee.load(t);
                    return null;
                });
            }
        } catch (RuntimeException ex) {
            e.destroy();
            spare.get(model).add(l);
            throw ex;
        }
        return new Worker(model, l, e, bytes);
    }

    @Override
    public TrustedPlatform platform() {
        return platform;
    }

    @Override
    public String executorKind() {
        return kind;
    }

    @Override
    public void close() {
        for (var q : spare.values()) {
            Loaded l;
            while ((l = q.poll()) != null) l.close();
        }
        // the host copies go too (gigabytes for the baseline), even while someone still holds this factory
        sharedResident.clear();
        sharedCopy.clear();
    }

    /** Idle executors kept for {@code model}, for tests. */
    int spareCount(String model) {
        return spare.get(model).size();
    }

    /** The executor a worker of this factory runs, for tests. */
    static EnclaveExecutor executorOf(EnclaveWorker w) {
        return ((Worker) w).loaded.executor();
    }

    /** The enclave a worker of this factory runs in, for tests. */
    static Enclave enclaveOf(EnclaveWorker w) {
        return ((Worker) w).enclave;
    }

    /** One prediction of {@code ex} inside {@code e}: the only place that knows how executors report memory. */
    private Prediction predictIn(Enclave e, EnclaveExecutor ex, float[] input) {
        return traced ? ex.predict(input, e) : e.run(tracer -> ex.executor().predict(input));
    }

    private final class Worker implements EnclaveWorker {
        private volatile String model; // changes only by switchTo, between predictions
        private volatile Loaded loaded;
        private final Enclave enclave;
        private final long bytes;
        private boolean failed;
        private boolean destroyed;

        Worker(String model, Loaded loaded, Enclave enclave, long bytes) {
            this.model = model;
            this.loaded = loaded;
            this.enclave = enclave;
            this.bytes = bytes;
        }

        @Override
        public String model() {
            return model;
        }

        @Override
        public long committedBytes() {
            return enclave.committedBytes();
        }

        @Override
        public Prediction predict(float[] input) {
            try {
                return predictIn(enclave, loaded.executor(), input);
            } catch (RuntimeException | Error e) {
                failed = true;
                throw e;
            }
        }

        @Override
        public synchronized void switchTo(String next) {
            if (!shared) EnclaveWorker.super.switchTo(next);
            if (destroyed) throw new IllegalStateException("enclave " + enclave.id() + " was destroyed");
            if (next.equals(model)) return;
            long need = held.get(next);
            if (need > enclave.dataBytes()) {
                throw new IllegalStateException(String.format("model %s needs %d data bytes, more than enclave %d (%s) declared: %d",
                        next, need, enclave.id(), model, enclave.dataBytes()));
            }
            Loaded l = takeSpare(next);
            try {
                if (traced) {
                    EnclaveExecutor ee = l.executor();
                    enclave.run(t -> {
                        ee.load(t); // a vessels executor loads nothing; kept for the contract
                        return null;
                    });
                }
            } catch (RuntimeException ex) {
                giveBack(next, l);
                throw ex;
            }
            giveBack(model, loaded);
            loaded = l;
            model = next;
        }

        @Override
        public synchronized void destroy() {
            if (destroyed) return;
            destroyed = true;
            enclave.destroy();
            if (failed) {
                loaded.close(); // its buffers may hold a half-finished prediction: do not reuse
            } else {
                giveBack(model, loaded);
            }
        }
    }
}
