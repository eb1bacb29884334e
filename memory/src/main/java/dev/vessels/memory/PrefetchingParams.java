package dev.vessels.memory;

import java.util.concurrent.locks.LockSupport;

import dev.vessels.core.exec.ParamProvider;
import dev.vessels.core.weights.ParamSource;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * On-demand parameters with double buffering: while a layer computes with one parameter piece, a
 * background thread reads the next piece into a second slot. A prediction asks for the same pieces
 * in the same order every time (the plan fixes every layer's chunking), so the first prediction
 * reads synchronously and records that sequence, and later ones replay it one piece ahead,
 * wrapping from the last piece of one prediction to the first of the next. The trade: two slots of
 * the largest piece ({@link #bytes()}, at most 2 × 2 MiB with the default plan) on top of the arena,
 * and a second thread that competes with the compute threads for cores.
 *
 * <p>Safe because a layer never uses a piece after asking for the next (LayerContext's contract),
 * so piece g+2 may overwrite the slot piece g used. If a request ever differs from the recorded
 * sequence, prefetching stops for good and every piece is read synchronously, still correct. The
 * forward pass allocates nothing: the hand-off is two volatile counters and park/unpark.
 */
public final class PrefetchingParams implements ParamProvider {
    private static final int MAX_TRACE = 1 << 20; // pieces per prediction we are willing to record

    private final ParamSource src;
    private final long maxChunk;
    private final int half;             // floats per slot: the largest piece any layer asks for
    private final float[] slots;        // [2 * half]: piece g lives in slot g & 1

    // The recorded sequence of one prediction's requests.
    private int[] traceLayer = new int[256];
    private long[] traceStart = new long[256];
    private int[] traceCount = new int[256];
    private int traceLen;
    private boolean recording = true;
    private boolean replaying;          // trace complete and matched so far
    private int cursor;                 // index in the trace of the request expected next
    private long seq;                   // global piece number of the request being served

    // Hand-off with the reader thread: fields written before the volatile wantSeq publishes them.
    private int wLayer, wCount, wOff;
    private long wStart;
    private volatile long wantSeq = -1;
    private volatile long doneSeq = -1;
    private volatile Thread waiter;
    private volatile boolean closed;
    private volatile RuntimeException failure;
    private final Thread reader;

    private long hits, misses;

    public PrefetchingParams(ParamSource src, MemoryPlan plan) {
        this.src = src;
        this.maxChunk = plan.maxChunkFloats();
        this.half = Math.toIntExact(Math.max(1, plan.maxSlotFloats()));
        this.slots = new float[Math.multiplyExact(2, half)];
        SameNetwork.require(src, plan);
        reader = new Thread(this::readLoop, "vessels-prefetch");
        reader.setDaemon(true);
        reader.start();
    }

    @Override
    public int params(int layer, long start, int count) {
        if (count > half) {
            throw new IllegalStateException("layer " + layer + " asked for " + count + " parameter floats at once; a slot holds "
                    + half);
        }
        long g = ++seq;
        int off = (int) (g & 1) * half;
        if (replaying) {
            if (matches(cursor, layer, start, count)) {
                awaitDone(g);
                hits++;
                advance(g);
                return off;
            }
            replaying = false;  // the sequence changed: read synchronously from now on
            awaitDone(wantSeq); // the piece in flight targets the slot we are about to fill
        }
        boolean startReplay = false;
        if (recording) {
            if (traceLen > 0 && layer < traceLayer[traceLen - 1]) {
                // Layers run in index order, so a lower layer starts the next prediction: the trace is complete.
                recording = false;
                startReplay = matches(0, layer, start, count);
            } else if (traceLen == MAX_TRACE) {
                recording = false;
            } else {
                append(layer, start, count);
            }
        }
        src.read(layer, start, count, slots, off);
        misses++;
        if (startReplay) {
            replaying = true;
            cursor = 0;
            advance(g);
        }
        return off;
    }

    private boolean matches(int i, int layer, long start, int count) {
        return traceLayer[i] == layer && traceStart[i] == start && traceCount[i] == count;
    }

    /** Piece g (trace entry {@code cursor}) is in use; ask the reader for the next entry as piece g + 1. */
    private void advance(long g) {
        cursor = cursor + 1 == traceLen ? 0 : cursor + 1;
        request(g + 1, traceLayer[cursor], traceStart[cursor], traceCount[cursor]);
    }

    private void append(int layer, long start, int count) {
        if (traceLen == traceLayer.length) { // first prediction only
            int n = traceLen * 2;
            traceLayer = java.util.Arrays.copyOf(traceLayer, n);
            traceStart = java.util.Arrays.copyOf(traceStart, n);
            traceCount = java.util.Arrays.copyOf(traceCount, n);
        }
        traceLayer[traceLen] = layer;
        traceStart[traceLen] = start;
        traceCount[traceLen] = count;
        traceLen++;
    }

    private void request(long g, int layer, long start, int count) {
        wLayer = layer;
        wStart = start;
        wCount = count;
        wOff = (int) (g & 1) * half;
        wantSeq = g; // publishes the fields above
        LockSupport.unpark(reader);
    }

    private void awaitDone(long g) {
        if (doneSeq >= g) {
            checkFailure();
            return;
        }
        waiter = Thread.currentThread();
        for (int spins = 0; doneSeq < g; spins++) {
            if (spins < 200) Thread.onSpinWait();
            else LockSupport.parkNanos(this, 50_000);
        }
        waiter = null;
        checkFailure();
    }

    private void checkFailure() {
        RuntimeException f = failure;
        if (f != null) {
            failure = null;
            replaying = false;
            throw f;
        }
    }

    private void readLoop() {
        while (!closed) {
            long want = wantSeq;
            if (want > doneSeq) {
                try {
                    src.read(wLayer, wStart, wCount, slots, wOff);
                } catch (RuntimeException e) {
                    failure = e;
                }
                doneSeq = want;
                Thread w = waiter;
                if (w != null) LockSupport.unpark(w);
            } else {
                LockSupport.park(this);
            }
        }
    }

    @Override
    public float[] array() {
        return slots;
    }

    @Override
    public long maxChunkFloats() {
        return maxChunk;
    }

    @Override
    public boolean synthetic() {
        return src.synthetic();
    }

    @Override
    public String describe() {
        return src.describe();
    }

    /** The two slots, held besides the arena. */
    public long bytes() {
        return (long) slots.length * Float.BYTES;
    }

    /** Pieces served from a prefetch. */
    public long hits() {
        return hits;
    }

    /** Pieces read synchronously (the first prediction, or all after the sequence changed). */
    public long misses() {
        return misses;
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(reader);
        try {
            reader.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
