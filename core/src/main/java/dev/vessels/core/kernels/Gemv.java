package dev.vessels.core.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.vessels.core.exec.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * y[M] = W[M×K] · x[K] (W row-major): batch-1 fully connected layers. Memory-bound: W is read
 * once, so the fast path streams four rows at a time (four independent FMA chains sharing each
 * load of x) and splits the rows across threads.
 *
 * <p>Every row is computed by the same arithmetic whichever group, thread or call it falls in:
 * lane-wise FMA partial sums over K (two accumulators for even/odd vector steps), a scalar FMA
 * tail, and a fixed-order sum of the lanes. The Vector API's {@code reduceLanes(ADD)} is not used
 * because its order for floats is unspecified; a scratch sum is. So outputs are bit-identical
 * for any thread count and any row chunking of the weights.
 */
public final class Gemv {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Below this many multiply-adds the hand-off to a second thread costs more than it saves. */
    private static final long PARALLEL_MIN_MACS = 1 << 16;
    /** Per-thread lane spill for the fixed-order reduction: [4 rows][L lanes]. */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[4 * L]);
    private static final ValueLayout.OfFloat LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Gemv() {}

    /**
     * Runs the segment kernel 4000 times on a tiny heap segment, once per JVM, before the first
     * product read from a segment: so that its receiver-type profiles (and those of the Vector API's
     * segment loads, which it inlines) hold a second kind of segment besides the weights file's
     * mapping. Why: C2 compiled the kernel ~25 % slower when those profiles had only ever seen one
     * kind (one thread, VGG16's fc6 from the page cache: 31–33 ms against 24–26 for the float[]
     * kernel; warmed, 25–26 ms: docs/kernels-benchmarks.md, "Speed pass 9a"). It costs ~0.2 s of
     * interpreted and C1 code on first use, so only the in-place path pays it (a holder class, not
     * Gemv's own initializer). {@code -Dvessels.gemv.warm=false} skips it (A/B runs).
     */
    private static final class SegmentWarmup {
        static {
            if (!"false".equals(System.getProperty("vessels.gemv.warm"))) {
                MemorySegment heap = MemorySegment.ofArray(new float[4 * 2 * L]); // [4 rows][2L]
                float[] x = new float[2 * L], y = new float[4];
                for (int r = 0; r < 4000; r++) rows(0, 4, 2 * L, heap, 0, x, 0, y, 0);
            }
        }

        /** Initialises this class (the warm-up) if it has not been yet; free afterwards. */
        static void ensure() {}
    }

    public static void gemv(int m, int k, float[] w, int wOff, float[] x, int xOff, float[] y, int yOff, Parallel par) {
        gemv(m, k, w, wOff, x, xOff, y, yOff, par, null, 0);
    }

    /**
     * The same, then {@code e} (if not null) applied to every y[i] as output row {@code eRow0 + i}
     * of a one-column GEMM: a convolution whose output map is one pixel (a classifier's 1×1
     * convolution after global pooling) runs as this GEMV, with the GEMM's epilogue (batch norm or
     * bias, the activation, a fused residual) applied by the thread that computed the row.
     */
    public static void gemv(int m, int k, float[] w, int wOff, float[] x, int xOff, float[] y, int yOff, Parallel par,
                            Epilogue e, int eRow0) {
        if (m <= 0) return;
        if (par == null || par.threads() == 1 || !worthSplitting(m, k)) {
            rows(0, m, k, w, wOff, x, xOff, y, yOff);
            epilogue(e, eRow0, 0, m, y, yOff);
        } else {
            par.forRange(m, (lo, hi) -> {
                rows(lo, hi, k, w, wOff, x, xOff, y, yOff);
                epilogue(e, eRow0, lo, hi, y, yOff);
            });
        }
    }

    /** {@code e} on y[lo, hi) as rows eRow0 + lo… of a one-column C: element by element, as the GEMM's N=1 tiles. */
    private static void epilogue(Epilogue e, int eRow0, int lo, int hi, float[] y, int yOff) {
        if (e == null) return;
        for (int i = lo; i < hi; i++) e.applyRow(y, yOff + i, eRow0 + i, 1);
    }

    /** Whether an m×k product is large enough to split its rows over threads. */
    public static boolean worthSplitting(int m, int k) {
        return (long) m * k >= PARALLEL_MIN_MACS && m >= 8;
    }

    private static void rows(int lo, int hi, int k, float[] w, int wOff, float[] x, int xOff, float[] y, int yOff) {
        float[] lanes = LANES.get();
        int kv = k / (2 * L) * (2 * L); // columns covered by the two-vector steps
        int i = lo;
        for (; i + 4 <= hi; i += 4) {
            int w0 = wOff + i * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
            FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
            FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S), b2 = FloatVector.zero(S), b3 = FloatVector.zero(S);
            for (int p = 0; p < kv; p += 2 * L) {
                FloatVector xv = FloatVector.fromArray(S, x, xOff + p);
                FloatVector xu = FloatVector.fromArray(S, x, xOff + p + L);
                a0 = FloatVector.fromArray(S, w, w0 + p).fma(xv, a0);
                a1 = FloatVector.fromArray(S, w, w1 + p).fma(xv, a1);
                a2 = FloatVector.fromArray(S, w, w2 + p).fma(xv, a2);
                a3 = FloatVector.fromArray(S, w, w3 + p).fma(xv, a3);
                b0 = FloatVector.fromArray(S, w, w0 + p + L).fma(xu, b0);
                b1 = FloatVector.fromArray(S, w, w1 + p + L).fma(xu, b1);
                b2 = FloatVector.fromArray(S, w, w2 + p + L).fma(xu, b2);
                b3 = FloatVector.fromArray(S, w, w3 + p + L).fma(xu, b3);
            }
            a0.add(b0).intoArray(lanes, 0);
            a1.add(b1).intoArray(lanes, L);
            a2.add(b2).intoArray(lanes, 2 * L);
            a3.add(b3).intoArray(lanes, 3 * L);
            y[yOff + i] = finish(lanes, 0, w, w0, x, xOff, kv, k);
            y[yOff + i + 1] = finish(lanes, L, w, w1, x, xOff, kv, k);
            y[yOff + i + 2] = finish(lanes, 2 * L, w, w2, x, xOff, kv, k);
            y[yOff + i + 3] = finish(lanes, 3 * L, w, w3, x, xOff, kv, k);
        }
        for (; i < hi; i++) {
            int w0 = wOff + i * k;
            FloatVector a0 = FloatVector.zero(S), b0 = FloatVector.zero(S);
            for (int p = 0; p < kv; p += 2 * L) {
                a0 = FloatVector.fromArray(S, w, w0 + p).fma(FloatVector.fromArray(S, x, xOff + p), a0);
                b0 = FloatVector.fromArray(S, w, w0 + p + L).fma(FloatVector.fromArray(S, x, xOff + p + L), b0);
            }
            a0.add(b0).intoArray(lanes, 0);
            y[yOff + i] = finish(lanes, 0, w, w0, x, xOff, kv, k);
        }
    }

    /**
     * The same product with W read in place from {@code w}, a segment of little-endian floats (a
     * mapped weights file), W's first float being the segment's float {@code wIdx}: the connected
     * layer's weights streamed straight from the page cache, with no copy into a parameter slot.
     * Each row gets the arithmetic of the float[] kernel, so the bits are the same.
     */
    public static void gemv(int m, int k, MemorySegment w, int wIdx, float[] x, int xOff, float[] y, int yOff, Parallel par) {
        gemv(m, k, w, wIdx, x, xOff, y, yOff, par, null, 0);
    }

    /** The segment GEMV with an epilogue, as the float[] one's. */
    public static void gemv(int m, int k, MemorySegment w, int wIdx, float[] x, int xOff, float[] y, int yOff, Parallel par,
                            Epilogue e, int eRow0) {
        if (m <= 0) return;
        SegmentWarmup.ensure();
        if (par == null || par.threads() == 1 || !worthSplitting(m, k)) {
            rows(0, m, k, w, wIdx, x, xOff, y, yOff);
            epilogue(e, eRow0, 0, m, y, yOff);
        } else {
            par.forRange(m, (lo, hi) -> {
                rows(lo, hi, k, w, wIdx, x, xOff, y, yOff);
                epilogue(e, eRow0, lo, hi, y, yOff);
            });
        }
    }

    // rows() of the float[] kernel, loads from the segment; kept a separate method so C2 compiles
    // each with its own kind of load (one body over both would read W through a layout it cannot fold).
    private static void rows(int lo, int hi, int k, MemorySegment w, int wIdx, float[] x, int xOff, float[] y, int yOff) {
        float[] lanes = LANES.get();
        int kv = k / (2 * L) * (2 * L);
        long rowBytes = (long) k * Float.BYTES, vb = (long) L * Float.BYTES;
        int i = lo;
        for (; i + 4 <= hi; i += 4) {
            long w0 = ((long) wIdx + (long) i * k) * Float.BYTES, w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
            FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
            FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S), b2 = FloatVector.zero(S), b3 = FloatVector.zero(S);
            for (int p = 0; p < kv; p += 2 * L) {
                long pb = (long) p * Float.BYTES;
                FloatVector xv = FloatVector.fromArray(S, x, xOff + p);
                FloatVector xu = FloatVector.fromArray(S, x, xOff + p + L);
                a0 = FloatVector.fromMemorySegment(S, w, w0 + pb, ByteOrder.LITTLE_ENDIAN).fma(xv, a0);
                a1 = FloatVector.fromMemorySegment(S, w, w1 + pb, ByteOrder.LITTLE_ENDIAN).fma(xv, a1);
                a2 = FloatVector.fromMemorySegment(S, w, w2 + pb, ByteOrder.LITTLE_ENDIAN).fma(xv, a2);
                a3 = FloatVector.fromMemorySegment(S, w, w3 + pb, ByteOrder.LITTLE_ENDIAN).fma(xv, a3);
                b0 = FloatVector.fromMemorySegment(S, w, w0 + pb + vb, ByteOrder.LITTLE_ENDIAN).fma(xu, b0);
                b1 = FloatVector.fromMemorySegment(S, w, w1 + pb + vb, ByteOrder.LITTLE_ENDIAN).fma(xu, b1);
                b2 = FloatVector.fromMemorySegment(S, w, w2 + pb + vb, ByteOrder.LITTLE_ENDIAN).fma(xu, b2);
                b3 = FloatVector.fromMemorySegment(S, w, w3 + pb + vb, ByteOrder.LITTLE_ENDIAN).fma(xu, b3);
            }
            a0.add(b0).intoArray(lanes, 0);
            a1.add(b1).intoArray(lanes, L);
            a2.add(b2).intoArray(lanes, 2 * L);
            a3.add(b3).intoArray(lanes, 3 * L);
            y[yOff + i] = finish(lanes, 0, w, w0, x, xOff, kv, k);
            y[yOff + i + 1] = finish(lanes, L, w, w1, x, xOff, kv, k);
            y[yOff + i + 2] = finish(lanes, 2 * L, w, w2, x, xOff, kv, k);
            y[yOff + i + 3] = finish(lanes, 3 * L, w, w3, x, xOff, kv, k);
        }
        for (; i < hi; i++) {
            long w0 = ((long) wIdx + (long) i * k) * Float.BYTES;
            FloatVector a0 = FloatVector.zero(S), b0 = FloatVector.zero(S);
            for (int p = 0; p < kv; p += 2 * L) {
                long pb = (long) p * Float.BYTES;
                a0 = FloatVector.fromMemorySegment(S, w, w0 + pb, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(S, x, xOff + p), a0);
                b0 = FloatVector.fromMemorySegment(S, w, w0 + pb + vb, ByteOrder.LITTLE_ENDIAN)
                        .fma(FloatVector.fromArray(S, x, xOff + p + L), b0);
            }
            a0.add(b0).intoArray(lanes, 0);
            y[yOff + i] = finish(lanes, 0, w, w0, x, xOff, kv, k);
        }
    }

    /** {@link #finish} with the row's tail read from the segment (row at byte {@code wRow}). */
    private static float finish(float[] lanes, int l0, MemorySegment w, long wRow, float[] x, int xOff, int kv, int k) {
        float s = 0f;
        for (int l = 0; l < L; l++) s += lanes[l0 + l];
        for (int p = kv; p < k; p++) s = Math.fma(w.get(LE, wRow + (long) p * Float.BYTES), x[xOff + p], s);
        return s;
    }

    /** Sums the spilled lanes in index order, then adds the scalar FMA tail over [kv, k). */
    private static float finish(float[] lanes, int l0, float[] w, int wRow, float[] x, int xOff, int kv, int k) {
        float s = 0f;
        for (int l = 0; l < L; l++) s += lanes[l0 + l];
        for (int p = kv; p < k; p++) s = Math.fma(w[wRow + p], x[xOff + p], s);
        return s;
    }

    public static void gemvPlain(int m, int k, float[] w, int wOff, float[] x, int xOff, float[] y, int yOff) {
        for (int i = 0; i < m; i++) {
            float s = 0;
            int wi = wOff + i * k;
            for (int p = 0; p < k; p++) s += w[wi + p] * x[xOff + p];
            y[yOff + i] = s;
        }
    }
}
