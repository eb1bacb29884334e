package dev.vessels.memory;

import dev.vessels.core.exec.BufferPlan;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * The Vessels buffer plan: every tensor and the current layer's parameter slot live in ONE float[]
 * arena, allocated once with the size the {@link MemoryPlan} computed; the forward pass allocates
 * nothing. Aliasing and in-place layers resolve to their source's offset.
 *
 * <p>The workspace served is empty: no layer's forward uses one (the fused im2col+GEMM packs its
 * columns into the GEMM's per-thread scratch, counted by {@link Executors#kernelScratchBytes(int)}),
 * so a layer that started to would fail on every vessels run instead of writing unplanned memory.
 */
public final class VesselsPlan implements BufferPlan {
    private final MemoryPlan plan;
    private static final float[] NO_WORKSPACE = new float[0];
    private final float[] arena;    // [plan.arenaFloats()]: tensors, parameter slots
    private final int[] tensorOff;  // [layers + 1]: arena offset of each layer's output; [0] = network input

    public VesselsPlan(MemoryPlan plan) {
        this.plan = plan;
        this.arena = new float[Math.toIntExact(plan.arenaFloats())];
        int n = plan.network().layers().size();
        tensorOff = new int[n + 1];
        for (int l = -1; l < n; l++) tensorOff[l + 1] = Math.toIntExact(plan.tensorOffset(l));
    }

    public MemoryPlan memoryPlan() {
        return plan;
    }

    /** The arena itself (the on-demand parameter provider reads into its slots). */
    public float[] arena() {
        return arena;
    }

    public long bytes() {
        return (long) arena.length * Float.BYTES;
    }

    @Override
    public float[] array(int layer) {
        return arena;
    }

    @Override
    public int offset(int layer) {
        return tensorOff[layer + 1];
    }

    @Override
    public float[] workspace() {
        return NO_WORKSPACE;
    }

    @Override
    public int workspaceOffset() {
        return 0;
    }

    @Override
    public long workspaceFloats() {
        return 0;
    }
}
