package dev.vessels.memory;

import dev.vessels.core.exec.BufferPlan;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * The Vessels buffer plan: every tensor, the current layer's workspace and its parameter slot live
 * in ONE float[] arena, allocated once with the size the {@link MemoryPlan} computed; the forward
 * pass allocates nothing. Aliasing and in-place layers resolve to their source's offset.
 */
public final class VesselsPlan implements BufferPlan {
    private final MemoryPlan plan;
    private final float[] arena;    // [plan.arenaFloats()]: tensors, workspaces, parameter slots
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
        return (int) plan.workspaceOffset(current);
    }

    @Override
    public long workspaceFloats() {
        return plan.workspaceFloats(current);
    }
}
