package dev.vessels.memory;

import dev.vessels.core.exec.BufferPlan;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * The Vessels buffer plan: every tensor and the current layer's parameter slot live in ONE float[]
 * arena, allocated once with the size the {@link MemoryPlan} computed; the forward pass allocates
 * nothing. Aliasing and in-place layers resolve to their source's offset.
 *
 * <p>The workspace served is the arena range the plan reserved for the layer about to run (none
 * for most layers: the fused im2col+GEMM packs its columns into the GEMM's per-thread scratch,
 * counted by {@link Executors#kernelScratchBytes(int)}; a Winograd convolution's transform buffers
 * are planned), with its size, so a layer never writes beyond what was planned.
 */
public final class VesselsPlan implements BufferPlan {
    private final MemoryPlan plan;
    private final float[] arena;    // [plan.arenaFloats()]: tensors, parameter slots
    private final int[] tensorOff;  // [layers + 1]: arena offset of each layer's output; [0] = network input
    private int current;            // the layer about to run (its workspace is served)

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
    public void beforeLayer(int i) {
        current = i;
    }

    @Override
    public float[] workspace() {
        return arena;
    }

    @Override
    public int workspaceOffset() {
        return workspaceOffset(current);
    }

    @Override
    public long workspaceFloats() {
        return workspaceFloats(current);
    }

    @Override
    public int workspaceOffset(int layer) {
        return Math.toIntExact(plan.workspaceOffset(layer));
    }

    @Override
    public long workspaceFloats(int layer) {
        return plan.workspaceFloats(layer);
    }
}
