package dev.vessels.memory;

import dev.vessels.core.exec.ParamProvider;
import dev.vessels.core.weights.ParamSource;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * Parameters read on demand: each piece a layer asks for is read from the source (a weights file
 * indexed when it was opened, a sealed container, a generator) into that layer's parameter slot
 * in the arena, just before use, and nothing else of the file is held. A piece is at most
 * {@link #maxChunkFloats()} floats, so the slot has a fixed bound however large the layer (VGG16's
 * 392 MiB fc6 streams through it in row blocks). The caller owns the source and closes it.
 */
public final class OnDemandParams implements ParamProvider {
    private final ParamSource src;
    private final MemoryPlan plan;
    private final float[] arena;   // the VesselsPlan's arena; slots are regions of it
    private long floatsRead;       // total floats read since creation (for reports)
    private long reads;            // pieces read

    public OnDemandParams(ParamSource src, VesselsPlan buffers) {
        this.src = src;
        this.plan = buffers.memoryPlan();
        this.arena = buffers.arena();
        if (src.network().layers().size() != plan.network().layers().size()
                || src.network().paramFloats() != plan.network().paramFloats()) {
            throw new IllegalArgumentException("parameter source is for " + src.network().name() + ", plan for "
                    + plan.network().name());
        }
    }

    @Override
    public int params(int layer, long start, int count) {
        if (count > plan.slotFloats(layer)) {
            throw new IllegalStateException("layer " + layer + " asked for " + count + " parameter floats at once; its slot holds "
                    + plan.slotFloats(layer));
        }
        int off = (int) plan.slotOffset(layer);
        src.read(layer, start, count, arena, off);
        floatsRead += count;
        reads++;
        return off;
    }

    @Override
    public float[] array() {
        return arena;
    }

    @Override
    public long maxChunkFloats() {
        return plan.maxChunkFloats();
    }

    @Override
    public boolean synthetic() {
        return src.synthetic();
    }

    @Override
    public String describe() {
        return src.describe();
    }

    public long floatsRead() {
        return floatsRead;
    }

    public long reads() {
        return reads;
    }
}
