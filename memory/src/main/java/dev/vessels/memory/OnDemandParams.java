package dev.vessels.memory;

import dev.vessels.core.exec.Parallel;
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
    private final Parallel par;    // the prediction's threads, which large pieces are split over

    public OnDemandParams(ParamSource src, VesselsPlan buffers) {
        this(src, buffers, Parallel.SERIAL);
    }

    /**
     * With the executor's {@code par}: a piece of at least {@link #PARALLEL_MIN} floats from a source
     * that allows {@link ParamSource#concurrentReads} is read in contiguous parts, one per thread.
     * Every value lands where a single read puts it, so results do not change.
     */
    public OnDemandParams(ParamSource src, VesselsPlan buffers, Parallel par) {
        this.src = src;
        this.par = par;
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
        if (par.threads() > 1 && count >= PARALLEL_MIN && src.concurrentReads()) {
            int blocks = (count + SPLIT - 1) / SPLIT; // split on whole cache lines
            par.forRange(blocks, (lo, hi) -> {
                int from = lo * SPLIT, to = Math.min(count, hi * SPLIT);
                src.read(layer, start + from, to - from, arena, off + from);
            });
        } else {
            src.read(layer, start, count, arena, off);
        }
        floatsRead += count;
        reads++;
        return off;
    }

    /** Below this many floats a second thread costs more than it saves. */
    static final int PARALLEL_MIN = 1 << 15;
    private static final int SPLIT = 16;

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
