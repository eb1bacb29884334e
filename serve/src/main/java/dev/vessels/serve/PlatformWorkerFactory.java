package dev.vessels.serve;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;

import dev.vessels.core.VesselsException;
import dev.vessels.core.exec.Prediction;
import dev.vessels.core.weights.ParamSource;
import dev.vessels.enclave.Enclave;
import dev.vessels.enclave.TrustedPlatform;
import dev.vessels.enclave.run.EnclaveExecutor;

/**
 * Workers on a {@link TrustedPlatform}: each enclave is declared with the data region of its
 * {@link EnclaveExecutor} (the executor's buffers as Darknet or the planner lays them out) and runs
 * predictions as ECALLs. When traced, the executor reports every layer's reads and writes and
 * every on-demand parameter OCALL to the enclave's tracer, and a new enclave first loads the model
 * (the baseline reads all parameters in, as Darknet does at start-up; vessels loads nothing).
 *
 * <p>Executors (host memory: their buffers and, for the baseline, all parameters) outlive the
 * enclaves they ran in: a destroyed enclave's executor is kept for the next enclave of its model,
 * so launching costs the emulated build, not a reload into the JVM heap. A failed one is discarded.
 */
public final class PlatformWorkerFactory implements WorkerFactory {
    private final TrustedPlatform platform;
    private final String kind;
    private final int threads;
    private final boolean traced;
    private final Map<String, ServedModel> models = new LinkedHashMap<>();
    private final Map<String, Long> held = new LinkedHashMap<>();
    private final Map<String, ConcurrentLinkedDeque<Loaded>> spare = new LinkedHashMap<>();

    private record Loaded(EnclaveExecutor executor, ParamSource source) {
        void close() {
            executor.close();
            source.close();
        }
    }

    /**
     * @param kind             {@code vessels} or {@code baseline}
     * @param threads          threads per prediction
     * @param traced           report each layer's memory accesses and OCALLs to the enclave (else nothing)
     */
    public PlatformWorkerFactory(TrustedPlatform platform, List<ServedModel> served, String kind, int threads, boolean traced) {
        if (served.isEmpty()) throw new VesselsException("no models to serve");
        this.platform = platform;
        this.kind = kind;
        this.threads = threads;
        this.traced = traced;
        for (ServedModel m : served) {
            if (models.putIfAbsent(m.name(), m) != null) throw new VesselsException("--models: model '" + m.name() + "' given twice");
            Loaded first = load(m); // also measures what the enclave must declare
            held.put(m.name(), first.executor().dataBytes());
            ConcurrentLinkedDeque<Loaded> q = new ConcurrentLinkedDeque<>();
            q.add(first);
            spare.put(m.name(), q);
        }
    }

    private Loaded load(ServedModel m) {
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
    public EnclaveWorker launch(String model) {
        ServedModel m = models.get(model);
        if (m == null) throw new IllegalArgumentException("unknown model " + model);
        Loaded l = spare.get(model).poll();
        if (l == null) l = load(m);
        long bytes = held.get(model);
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
    }

    /** One prediction of {@code ex} inside {@code e}: the only place that knows how executors report memory. */
    private Prediction predictIn(Enclave e, EnclaveExecutor ex, float[] input) {
        return traced ? ex.predict(input, e) : e.run(tracer -> ex.executor().predict(input));
    }

    private final class Worker implements EnclaveWorker {
        private final String model;
        private final Loaded loaded;
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
        public synchronized void destroy() {
            if (destroyed) return;
            destroyed = true;
            enclave.destroy();
            if (failed) loaded.close(); // its buffers may hold a half-finished prediction: do not reuse
            else spare.get(model).add(loaded);
        }
    }
}
