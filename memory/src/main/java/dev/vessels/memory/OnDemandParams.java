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
    private final ReadListener listener;
    /**
     * The source's mapping, when convolutions read their weight matrices in place (see {@link
     * #inPlace}); null otherwise.
     */
    private final java.lang.foreign.MemorySegment inPlace;
    private long inPlaceReads;     // weight matrices served in place (for tests and reports)

    /**
     * Told of every piece once it is in the slot, before the layer uses it: {@code count} floats of
     * {@code layer}'s parameters at {@code off} in the arena. When a layer streams its rows
     * ({@link #stream}) it is called from each of the prediction's threads, possibly at once.
     */
    @FunctionalInterface
    public interface ReadListener {
        ReadListener NONE = (layer, off, count) -> {};

        void read(int layer, int off, int count);
    }

    public OnDemandParams(ParamSource src, VesselsPlan buffers) {
        this(src, buffers, Parallel.SERIAL);
    }

    /**
     * With the executor's {@code par}: a piece of at least {@link #PARALLEL_MIN} floats from a source
     * that allows {@link ParamSource#concurrentReads} is read in contiguous parts, one per thread.
     * Every value lands where a single read puts it, so results do not change.
     */
    public OnDemandParams(ParamSource src, VesselsPlan buffers, Parallel par) {
        this(src, buffers, par, ReadListener.NONE);
    }

    public OnDemandParams(ParamSource src, VesselsPlan buffers, Parallel par, ReadListener listener) {
        this.src = src;
        this.par = par;
        this.listener = listener;
        this.plan = buffers.memoryPlan();
        this.arena = buffers.arena();
        SameNetwork.require(src, plan);
        // A listener is told of every piece in the slot (the enclave trace counts each as a copy
        // into enclave memory, an OCALL), so with one the weights keep the slot.
        this.inPlace = listener == ReadListener.NONE ? src.inPlaceFloats() : null;
    }

    /**
     * The mapped weights file that convolutions' GEMMs pack their weight matrices from, straight
     * from the page cache, instead of this provider copying them into the slot first (the copy was
     * what remained of on-demand loading's extra latency, docs/memory.md "Session 5"). Null unless
     * the source is a mapped plain weights file ({@link ParamSource#inPlaceFloats}): sealed models,
     * synthetic weights and the {@code read} fallback keep the slot copy, as does
     * {@code -Dvessels.weights.fuse=false}.
     *
     * <p>Memory: such a layer uses its slot for its per-filter head only (biases, batch norm), yet
     * the plan still reserves the slot for its weights, as it must for every other source; the
     * arena holds those bytes whichever path runs, so {@code peak_bytes} (which counts the arena)
     * neither claims bytes not held nor omits any. The weights' pages are the page cache's, mapped
     * as the GEMM reads them and released every 16 MiB served as before ({@code MappedFile}).
     */
    @Override
    public java.lang.foreign.MemorySegment inPlace() {
        return inPlace;
    }

    @Override
    public int paramsInPlace(int layer, long start, long count) {
        if (inPlace == null) return ParamProvider.super.paramsInPlace(layer, start, count);
        int at = src.readInPlace(layer, start, count);
        counted(count);
        inPlaceReads++;
        return at;
    }

    /** Weight matrices served in place since creation ({@link #inPlace}). */
    public long inPlaceReads() {
        return inPlaceReads;
    }

    /** Where {@code layer}'s slot starts, once {@code count} floats are known to fit in it. */
    private int slotFor(int layer, long count) {
        if (count > plan.slotFloats(layer)) {
            throw new IllegalStateException("layer " + layer + " asked for " + count + " parameter floats at once; its slot holds "
                    + plan.slotFloats(layer));
        }
        return (int) plan.slotOffset(layer);
    }

    /** Counts a read of {@code count} floats into the slot at {@code off} and reports it. */
    private int served(int layer, int off, int count) {
        counted(count);
        listener.read(layer, off, count);
        return off;
    }

    /** One read of {@code count} floats, into the slot or in place. */
    private void counted(long count) {
        floatsRead += count;
        reads++;
    }

    @Override
    public int params(int layer, long start, int count) {
        int off = slotFor(layer, count);
        if (par.threads() > 1 && count >= PARALLEL_MIN && src.concurrentReads()) {
            int blocks = (count + SPLIT - 1) / SPLIT; // split on whole cache lines
            par.forRange(blocks, (lo, hi) -> {
                int from = lo * SPLIT, to = Math.min(count, hi * SPLIT);
                src.read(layer, start + from, to - from, arena, off + from);
            });
        } else {
            src.read(layer, start, count, arena, off);
        }
        return served(layer, off, count);
    }

    /** Where the source reads blocks of columns about as cheaply as ranges (a mapped weights file). */
    @Override
    public boolean servesColumns() {
        return src.cheapColumnReads();
    }

    /** A block of columns into the slot, its rows split over the threads when large, as {@link #params}. */
    @Override
    public int paramColumns(int layer, long start, int rows, int rowFloats, int col0, int cols) {
        long count = (long) rows * cols;
        int off = slotFor(layer, count);
        if (par.threads() > 1 && count >= PARALLEL_MIN && src.concurrentReads() && rows > 1) {
            par.forRange(rows, (lo, hi) -> src.readColumns(layer, start + (long) lo * rowFloats, hi - lo, rowFloats, col0, cols,
                    arena, off + lo * cols));
        } else {
            src.readColumns(layer, start, rows, rowFloats, col0, cols, arena, off);
        }
        return served(layer, off, (int) count);
    }

    /**
     * Several threads, a source that allows concurrent reads, and rows that fit: each thread reads
     * its own rows (as {@link Parallel#forRange} splits them) in blocks of about {@link #BLOCK_FLOATS}
     * into its own part of the slot and hands each block to {@code body} at once, while the block
     * is in its cache. A batch-1 fully connected layer so reads its weights from memory once (the
     * copy) instead of twice (copy, then GEMV on a slot the size of the cache), with no hand-off
     * between the threads per piece. Otherwise, pieces one after the other (the default).
     */
    @Override
    public void stream(int layer, long start, int rows, int rowFloats, Parallel par, RowBlock body) {
        int parts = Math.min(par.threads(), rows);
        long share = plan.slotFloats(layer) / Math.max(1, parts) / SPLIT * SPLIT; // each part's region of the slot
        if (parts < 2 || !src.concurrentReads() || rowFloats > share) {
            ParamProvider.super.stream(layer, start, rows, rowFloats, par, body);
            return;
        }
        int blockRows = (int) (Math.min(share, Math.max(BLOCK_FLOATS, rowFloats)) / rowFloats);
        int slot = (int) plan.slotOffset(layer);
        par.forEachPart(parts, p -> {
            int lo = Parallel.partStart(rows, p, parts), hi = Parallel.partStart(rows, p + 1, parts);
            int off = slot + (int) (p * share);
            for (int r0 = lo; r0 < hi; r0 += blockRows) {
                int n = Math.min(blockRows, hi - r0);
                src.read(layer, start + (long) r0 * rowFloats, n * rowFloats, arena, off);
                listener.read(layer, off, n * rowFloats);
                body.rows(off, r0, n);
            }
        });
        floatsRead += (long) rows * rowFloats;
        for (int p = 0; p < parts; p++) {
            int lo = Parallel.partStart(rows, p, parts), hi = Parallel.partStart(rows, p + 1, parts);
            reads += (hi - lo + blockRows - 1) / blockRows;
        }
    }

    /**
     * Floats a thread streams per block: 1 MiB, half this machine's per-core L2, so a block is
     * still cached when the GEMV reads it, and few enough blocks that per-read costs (an OCALL
     * each inside an enclave) stay small.
     */
    static final int BLOCK_FLOATS = 1 << 18;

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
