package dev.vessels.memory;

import java.util.List;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.Parallel;
import dev.vessels.core.exec.ResidentParams;
import dev.vessels.core.kernels.Gemm;
import dev.vessels.core.layers.ConvolutionalLayer;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.weights.ParamSource;
import dev.vessels.memory.baseline.BaselinePlan;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * Builds the two executors over the same loop and kernels: {@code baseline} holds what Darknet
 * holds (all parameters resident, every output, delta, batch-norm copy, pool index and the full
 * workspace), {@code vessels} one planned arena with on-demand parameters.
 */
public final class Executors {
    public static final List<String> KINDS = List.of("baseline", "vessels");

    private Executors() {}

    /** The caller keeps ownership of {@code src} (close it after the executor). */
    public static Executor create(String kind, Network net, ParamSource src, int threads) {
        return switch (kind) {
            case "baseline" -> baseline(net, src, threads);
            case "vessels" -> vessels(net, src, threads, MemoryPlan.forThreads(net, threads));
            default -> throw new VesselsException("unknown executor '" + kind + "' (expected one of " + String.join(", ", KINDS) + ")");
        };
    }

    public static Executor baseline(Network net, ParamSource src, int threads) {
        return baseline(net, new ResidentParams(src), threads);
    }

    /**
     * A baseline executor over parameters already read ({@code params}, of {@code net}). Executors
     * only read their parameters, so several may share one {@link ResidentParams}: a service running
     * many Darknet-style enclaves of one model keeps one host copy of its parameters instead of one
     * per enclave (each still holds, and its enclave still declares, every buffer Darknet holds).
     */
    public static Executor baseline(Network net, ResidentParams params, int threads) {
        return new Executor("baseline", net, new BaselinePlan(net), params, parallel(threads), Executor.yoloLayers(net));
    }

    /** A vessels executor over a given plan (e.g. with another slot bound). */
    public static Executor vessels(Network net, ParamSource src, int threads, MemoryPlan plan) {
        return vessels(net, src, threads, plan, OnDemandParams.ReadListener.NONE);
    }

    /**
     * As {@link #vessels(Network, ParamSource, int, MemoryPlan)}, with {@code listener} told of every
     * parameter piece read (the enclave glue reports each as an OCALL and a slot write).
     */
    public static Executor vessels(Network net, ParamSource src, int threads, MemoryPlan plan,
                                   OnDemandParams.ReadListener listener) {
        VesselsPlan buffers = new VesselsPlan(plan);
        Parallel par = parallel(threads); // shared: parameter reads use the prediction's threads too
        return new Executor("vessels", net, buffers, new OnDemandParams(src, buffers, par, listener), par,
                Executor.yoloLayers(net));
    }

    /**
     * A vessels executor that reads the next parameter piece on a background thread while the
     * current one computes (double buffering): two more slots of the largest piece for latency.
     */
    public static Executor vesselsPrefetching(Network net, ParamSource src, int threads, MemoryPlan plan) {
        return new Executor("vessels", net, new VesselsPlan(plan), new PrefetchingParams(src, plan), parallel(threads),
                Executor.yoloLayers(net));
    }

    /**
     * For measurement only: the vessels buffers with every parameter read once and kept, the
     * reference that on-demand loading's latency is compared with (issue 4's targets).
     */
    public static Executor vesselsResident(Network net, ParamSource src, int threads, MemoryPlan plan) {
        return new Executor("vessels", net, new VesselsPlan(plan), new ResidentParams(src), parallel(threads),
                Executor.yoloLayers(net));
    }

    private static Parallel parallel(int threads) {
        if (threads < 1) throw new VesselsException("--threads must be >= 1, got " + threads);
        return threads == 1 ? Parallel.SERIAL : new Parallel(threads);
    }

    /**
     * Bytes of GEMM packing scratch an executor running on {@code threads} threads holds: every
     * thread that runs a GEMM (the caller and each {@link Parallel} worker) keeps its own, allocated
     * on its first GEMM and reused ({@link Gemm#scratchBytesPerThread()}, the single source).
     */
    public static long kernelScratchBytes(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        return threads * Gemm.scratchBytesPerThread();
    }

    /**
     * {@link #kernelScratchBytes(int)} for a network that runs a GEMM (any convolution: the only
     * layer that calls {@link Gemm}); 0 for one that does not, whose threads never allocate it.
     * ({@link dev.vessels.core.kernels.Winograd}'s buffers are planned in the arena instead.)
     * An upper bound: a thread that no GEMM is split to holds none, but every real model has
     * convolutions large enough to be split over all threads.
     */
    public static long kernelScratchBytes(Network net, int threads) {
        long perThreads = kernelScratchBytes(threads);
        for (Layer l : net.layers()) if (l instanceof ConvolutionalLayer) return perThreads;
        return 0;
    }

    /**
     * Bytes the executor holds for tensors, parameters and scratch (its peak: both executors
     * allocate everything up front and hold it). Vessels: the arena, any extra parameter buffers,
     * and the kernels' per-thread packing scratch. Baseline: Darknet's buffers only. It runs the
     * same GEMM (and so holds the same packing scratch in this JVM), but it stands for Darknet,
     * whose gemm packs nothing: its figures must stay Darknet's own (issue 4's comparison is
     * against the real thing, measured within 10 %), so the scratch is not added there.
     */
    public static long heldBytes(Executor e) {
        if (e.plan() instanceof VesselsPlan v) {
            long extra = e.params() instanceof PrefetchingParams p ? p.bytes()
                    : e.params() instanceof ResidentParams r ? r.bytes() : 0;
            return v.bytes() + extra + kernelScratchBytes(e.network(), e.parallel().threads());
        }
        if (e.plan() instanceof BaselinePlan b && e.params() instanceof ResidentParams r) return b.bytes() + r.bytes();
        throw new IllegalArgumentException("not an executor built here: " + e.name());
    }
}
