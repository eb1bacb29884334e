package dev.vessels.enclave.run;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.Prediction;
import dev.vessels.core.exec.ResidentParams;
import dev.vessels.core.weights.ParamSource;
import dev.vessels.enclave.Enclave;
import dev.vessels.enclave.MemoryTracer;
import dev.vessels.memory.Executors;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * An executor ({@code baseline} or {@code vessels}, see {@link Executors}) together with the layout
 * of its buffers in an enclave's data region and the report of what each layer touches there.
 * Create the enclave with {@link #dataBytes()}, {@link #load} the model inside it once, then run
 * {@link #predict} inside it as often as needed:
 * <pre>{@code
 * try (EnclaveExecutor ex = EnclaveExecutor.create("vessels", net, src, threads);
 *      Enclave e = platform.create(net.name(), ex.dataBytes())) {
 *     e.run(ex::load);
 *     Prediction p = e.run(t -> ex.predict(input, t));
 * }
 * }</pre>
 * The computation is the executor's own (same kernels, same results as outside an enclave); only
 * the memory accesses and OCALLs are reported besides.
 */
public final class EnclaveExecutor implements AutoCloseable {
    private final String kind;
    private final Executor executor;
    private final Trace trace;
    private final int[] kept;
    private long lastTracerNanos;

    private EnclaveExecutor(String kind, Executor executor, Trace trace) {
        this.kind = kind;
        this.executor = executor;
        this.trace = trace;
        this.kept = Executor.yoloLayers(executor.network());
        executor.setObserver(trace);
    }

    /** {@code kind}: {@code baseline} or {@code vessels}. The caller keeps ownership of {@code src}. */
    public static EnclaveExecutor create(String kind, Network net, ParamSource src, int threads) {
        return switch (kind) {
            case "baseline" -> new EnclaveExecutor(kind, Executors.baseline(net, src, threads), new BaselineTrace(net));
            case "vessels" -> vessels(net, src, threads, MemoryPlan.forThreads(net, threads));
            default -> throw new VesselsException("unknown executor '" + kind + "' (expected one of "
                    + String.join(", ", Executors.KINDS) + ")");
        };
    }

    /**
     * A baseline executor over parameters already read, which other executors of the model may share
     * read-only (see {@link Executors#baseline(Network, ResidentParams, int)}). Its data region, and
     * what it reports, are those of any baseline executor: every parameter page is its own.
     */
    public static EnclaveExecutor baseline(Network net, ResidentParams shared, int threads) {
        return new EnclaveExecutor("baseline", Executors.baseline(net, shared, threads), new BaselineTrace(net));
    }

    /** A vessels executor over a given plan (another slot bound). */
    public static EnclaveExecutor vessels(Network net, ParamSource src, int threads, MemoryPlan plan) {
        VesselsTrace trace = new VesselsTrace(plan, threads);
        return new EnclaveExecutor("vessels", Executors.vessels(net, src, threads, plan, trace::pieceRead), trace);
    }

    public String kind() {
        return kind;
    }

    public Executor executor() {
        return executor;
    }

    /**
     * Bytes of the enclave data region this executor's buffers occupy: the size to create the enclave
     * with. Vessels: its arena plus the kernels' per-thread packing buffers; baseline: Darknet's
     * buffers only (it models Darknet, whose gemm packs nothing, see {@link Executors#heldBytes}).
     */
    public long dataBytes() {
        return trace.dataBytes();
    }

    /** Byte offset of layer {@code layer}'s output in the data region (-1: the network input). */
    public long outputOffset(int layer) {
        return trace.output(layer).offset();
    }

    /** Bytes of layer {@code layer}'s output (-1: the network input). */
    public long outputBytes(int layer) {
        return trace.output(layer).length();
    }

    /**
     * Loads the model into the enclave: baseline reads every parameter into its resident buffers
     * (one OCALL per segment, as Darknet's freads); vessels has nothing to load (it reads on demand).
     */
    public synchronized void load(MemoryTracer tracer) {
        trace.use(tracer);
        try {
            trace.load();
        } finally {
            trace.use(MemoryTracer.NONE);
        }
    }

    /**
     * One prediction, reporting its accesses to {@code tracer} ({@link MemoryTracer#NONE}: outside
     * any enclave). Its time is the executor's wall time, including the time spent inside the
     * tracer ({@link #lastTracerNanos()}).
     */
    public synchronized Prediction predict(float[] input, MemoryTracer tracer) {
        trace.use(tracer);
        try {
            trace.start();
            long before = trace.tracerNanos();
            Prediction p = executor.predict(input);
            lastTracerNanos = trace.tracerNanos() - before;
            trace.finish(kept);
            return p;
        } finally {
            trace.use(MemoryTracer.NONE);
        }
    }

    /**
     * Time the last prediction spent inside the tracer while the executor ran: an emulator's own
     * bookkeeping, plus in its real-work mode the paging work it spends in wall time. Subtracted
     * from the prediction's time, what is left is the executor's compute.
     */
    public synchronized long lastTracerNanos() {
        return lastTracerNanos;
    }

    /** Runs one prediction inside {@code enclave} (one ECALL). */
    public Prediction predict(float[] input, Enclave enclave) {
        return enclave.run(t -> predict(input, t));
    }

    @Override
    public void close() {
        executor.close();
    }
}
