package dev.vessels.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import dev.vessels.core.exec.Parallel;

/**
 * Max, global-average and local-average pooling over C×H×W planes, with Darknet's padding rules.
 *
 * <p>The fast paths clamp each window to the image once instead of testing every position, and
 * unroll the common 2×2 window; they visit the valid positions in the plain twins' order with the
 * same comparisons and additions, so they equal the twins bit for bit. (In the max, an outside
 * position's −FLT_MAX can never beat the running maximum, which starts at −FLT_MAX, so skipping it
 * changes nothing.) The stride-2 max folds each window row once and combines the rows in order,
 * which gives the same bits too ({@link #maxStrip}). Window poolings split channels (or output
 * rows) across threads.
 */
public final class Pooling {
    /** Below this many outputs of a local average a second thread costs more than it saves. */
    private static final long PARALLEL_MIN_OUTPUTS = 1 << 14;
    /**
     * The same for the max, whose strips take ~0.6 ns an output on one core: AlexNet's three pools
     * (70 K, 43 K and 9 K outputs) measured 2–2.5× faster on the caller alone than split over two
     * threads inside the two-thread network (0.11 vs 0.23–0.29 ms for the first,
     * docs/kernels-benchmarks.md, session 8): the split saved at best ~15 µs, and cost ~100 µs
     * whenever the other thread was not spinning ready. {@code -Dvessels.pool.parallelMinOutputs}.
     */
    private static final long MAX_PARALLEL_MIN_OUTPUTS = Long.getLong("vessels.pool.parallelMinOutputs", 1 << 18);

    private Pooling() {}

    public static void max(float[] x, int xOff, int c, int h, int w, int size, int stride, int padding, int oh, int ow,
                           float[] y, int yOff, Parallel par) {
        windows(false, x, xOff, c, h, w, size, stride, padding, oh, ow, y, yOff, par, SPLIT_ROWS,
                MAX_PARALLEL_MIN_OUTPUTS);
    }

    /**
     * {@link #max}, split over the threads (whatever its size) by output rows ({@code byRows}) or by
     * channels: tests take both.
     */
    static void max(float[] x, int xOff, int c, int h, int w, int size, int stride, int padding, int oh, int ow, float[] y,
                    int yOff, Parallel par, boolean byRows) {
        windows(false, x, xOff, c, h, w, size, stride, padding, oh, ow, y, yOff, par, byRows, 0);
    }

    /**
     * How a window pooling is split over threads: by channels (the default), or by output rows
     * (every channel's rows [i0, i1) on one thread), or not at all:
     * {@code -Dvessels.pool.split=channels|rows|serial} (A/B runs); the same bits whichever.
     */
    private static final String SPLIT = System.getProperty("vessels.pool.split", "channels");

    /** A window pooling over all channels, split over the threads when there is enough of it. */
    private static void windows(boolean average, float[] x, int xOff, int c, int h, int w, int size, int stride, int padding,
                                int oh, int ow, float[] y, int yOff, Parallel par, boolean byRows, long minOutputs) {
        if (par == null || par.threads() == 1 || (long) c * oh * ow < minOutputs || SPLIT.equals("serial")) {
            windows(average, 0, c, 0, oh, x, xOff, h, w, size, stride, padding, oh, ow, y, yOff);
        } else if (byRows && oh >= par.threads()) {
            par.forRange(oh, (lo, hi) -> windows(average, 0, c, lo, hi, x, xOff, h, w, size, stride, padding, oh, ow, y, yOff));
        } else {
            par.forRange(c, (lo, hi) -> windows(average, lo, hi, 0, oh, x, xOff, h, w, size, stride, padding, oh, ow, y, yOff));
        }
    }

    /**
     * Whether to split poolings by output rows rather than by channels: by channels unless
     * {@code -Dvessels.pool.split=rows}. The idea of rows: on large maps the convolution before a
     * pooling splits its GEMM by columns, so each thread wrote a band of rows of every channel and
     * would read it back from its own cache. Not the default: VGG16's first two pools (the only
     * ones of the zoo's networks that are still split, see {@link #MAX_PARALLEL_MIN_OUTPUTS})
     * measured 0.96–1.63 ms by rows against 0.68–1.74 by channels on a loaded machine: no
     * difference that noise would not explain (session 8).
     */
    private static final boolean SPLIT_ROWS = SPLIT.equals("rows");

    /**
     * Channels [c0, c1), output rows [i0, i1) of a window pooling, max or average: per output row,
     * the outputs whose window lies wholly inside the row L at a time ({@link #maxLanes},
     * {@link #avgLanes}), the rest one by one, every output's result the same bits as the plain
     * twin's. The max at stride 2 with 2×2 and 3×3 windows runs the rows whose windows lie wholly
     * inside the image a column of vectors at a time ({@link #maxStrip}).
     */
    private static void windows(boolean average, int c0, int c1, int i0, int i1, float[] x, int xOff, int h, int w, int size,
                                int stride, int padding, int oh, int ow, float[] y, int yOff) {
        int off = -padding / 2;
        // Outputs [jLo, jHi) have their whole window inside the row.
        int jLo = Math.min(ow, Math.max(0, Math.ceilDiv(-off, stride))); // ≤ ow: a map narrower than the padding
        int jHi = Math.max(jLo, Math.min(ow, Math.floorDiv(w - size - off, stride) + 1));
        boolean vector = stride <= 2 && L == 16;
        // Output rows [sLo, sHi) of [i0, i1) have their whole window inside the image: the strips' rows.
        int sLo = i1, sHi = i1;
        if (!average && vector && stride == 2 && (size == 2 || size == 3) && jHi > jLo) {
            sLo = Math.min(i1, Math.max(i0, Math.ceilDiv(-off, stride)));
            sHi = Math.max(sLo, Math.min(i1, Math.floorDiv(h - size - off, stride) + 1));
        }
        for (int k = c0; k < c1; k++) {
            int plane = xOff + k * h * w;
            for (int i = i0; i < i1; i++) {
                if (i == sLo && sHi > sLo) {
                    // Rows [sLo, sHi): the vector strips, then each row's edge outputs.
                    int cy = off + sLo * stride, rows = sHi - sLo, dst = yOff + (k * oh + sLo) * ow;
                    for (int j = jLo; j < jHi; j += L) {
                        maxStrip(x, plane + cy * w + off + j * stride, w, rows, size, y, dst + j, ow, Math.min(L, jHi - j));
                    }
                    if (jLo > 0 || jHi < ow) {
                        for (int s = sLo; s < sHi; s++) {
                            int cy0 = off + s * stride, d = yOff + (k * oh + s) * ow;
                            scalarOutputs(0, jLo, x, plane, w, cy0, 0, size, off, size, stride, y, d);
                            scalarOutputs(jHi, ow, x, plane, w, cy0, 0, size, off, size, stride, y, d);
                        }
                    }
                    i = sHi - 1;
                    continue;
                }
                int cy0 = off + i * stride;
                int nLo = Math.max(0, -cy0), nHi = Math.min(size, h - cy0);
                int dst = yOff + (k * oh + i) * ow;
                if (vector && nHi > nLo) {
                    for (int j = jLo; j < jHi; j += L) {
                        int base = plane + cy0 * w + off + j * stride, lanes = Math.min(L, jHi - j);
                        if (average) avgLanes(x, base, w, nLo, nHi, size, stride, y, dst + j, lanes);
                        else maxLanes(x, base, w, nLo, nHi, size, stride, y, dst + j, lanes);
                    }
                    outputs(average, 0, jLo, x, plane, w, cy0, nLo, nHi, off, size, stride, y, dst);
                    outputs(average, jHi, ow, x, plane, w, cy0, nLo, nHi, off, size, stride, y, dst);
                } else {
                    outputs(average, 0, ow, x, plane, w, cy0, nLo, nHi, off, size, stride, y, dst);
                }
            }
        }
    }

    /**
     * The max of {@code lanes} (≤ L) adjacent outputs of {@code rows} consecutive output rows,
     * stride 2, size×size windows (size 2 or 3) wholly inside the image: lane l of output row t has
     * its window at {@code base} + 2·t·w + 2·l. Window columns m and m + 1 are the even and the odd
     * lanes of the same two loaded vectors, and at size 3 a window's last row is the next output
     * row's first, so each input row's three columns are folded once ({@code r0 = r2}). Each row's
     * fold starts from −FLT_MAX, and the rows' folds are then combined in order with the same
     * "replace when strictly greater": that is the plain twin's bits. (The running maximum of a fold
     * is the first of the largest values in order, −0 and +0 counting as equal, NaNs never taken,
     * −FLT_MAX itself if nothing is larger; a row's fold is never NaN, and the first of the largest
     * of the rows' firsts is the first of the largest of the whole window.) Why: AlexNet's 3×3/2
     * pool at 55×55×96 took 85–100 µs a call on one thread one window at a time ({@link #maxLanes}:
     * nine loads pairs and permutes per 16 outputs), 45–55 this way (PoolProbe,
     * docs/kernels-benchmarks.md, session 8).
     */
    private static void maxStrip(float[] x, int base, int w, int rows, int size, float[] y, int at, int ow, int lanes) {
        // The last load of the last row: 2L floats from its window's column size − 1 rounded down to even.
        int lastRow = base + (2 * (rows - 1) + size - 1) * w;
        if (lastRow + ((size - 1) & ~1) + 2 * L > x.length) {
            // Loads would run past the array (a map's last floats): window by window with masked loads.
            for (int t = 0; t < rows; t++) maxLanes(x, base + 2 * t * w, w, 0, size, size, 2, y, at + t * ow, lanes);
            return;
        }
        FloatVector neg = FloatVector.broadcast(S, -Float.MAX_VALUE);
        VectorMask<Float> store = S.indexInRange(0, lanes);
        int r = base;
        if (size == 2) {
            for (int t = 0; t < rows; t++, r += 2 * w, at += ow) {
                FloatVector a0 = FloatVector.fromArray(S, x, r), a1 = FloatVector.fromArray(S, x, r + L);
                FloatVector b0 = FloatVector.fromArray(S, x, r + w), b1 = FloatVector.fromArray(S, x, r + w + L);
                FloatVector max = gt(gt(gt(gt(neg, EVEN.selectFrom(a0, a1)), ODD.selectFrom(a0, a1)),
                        EVEN.selectFrom(b0, b1)), ODD.selectFrom(b0, b1));
                if (lanes == L) max.intoArray(y, at);
                else max.intoArray(y, at, store);
            }
            return;
        }
        FloatVector a0 = FloatVector.fromArray(S, x, r), a1 = FloatVector.fromArray(S, x, r + L);
        FloatVector b0 = FloatVector.fromArray(S, x, r + 2), b1 = FloatVector.fromArray(S, x, r + 2 + L);
        FloatVector r0 = gt(gt(gt(neg, EVEN.selectFrom(a0, a1)), ODD.selectFrom(a0, a1)), EVEN.selectFrom(b0, b1));
        for (int t = 0; t < rows; t++, at += ow) {
            r += w;
            a0 = FloatVector.fromArray(S, x, r);
            a1 = FloatVector.fromArray(S, x, r + L);
            b0 = FloatVector.fromArray(S, x, r + 2);
            b1 = FloatVector.fromArray(S, x, r + 2 + L);
            FloatVector r1 = gt(gt(gt(neg, EVEN.selectFrom(a0, a1)), ODD.selectFrom(a0, a1)), EVEN.selectFrom(b0, b1));
            r += w;
            a0 = FloatVector.fromArray(S, x, r);
            a1 = FloatVector.fromArray(S, x, r + L);
            b0 = FloatVector.fromArray(S, x, r + 2);
            b1 = FloatVector.fromArray(S, x, r + 2 + L);
            FloatVector r2 = gt(gt(gt(neg, EVEN.selectFrom(a0, a1)), ODD.selectFrom(a0, a1)), EVEN.selectFrom(b0, b1));
            FloatVector max = gt(gt(r0, r1), r2);
            if (lanes == L) max.intoArray(y, at);
            else max.intoArray(y, at, store);
            r0 = r2;
        }
    }

    /** {@code v} if it is greater than {@code max}, else {@code max}, lane by lane: one step of the max fold. */
    private static FloatVector gt(FloatVector max, FloatVector v) {
        return max.blend(v, v.compare(VectorOperators.GT, max));
    }

    private static void outputs(boolean average, int j0, int j1, float[] x, int plane, int w, int cy0, int nLo, int nHi,
                                int off, int size, int stride, float[] y, int dst) {
        if (average) avgOutputs(j0, j1, x, plane, w, cy0, nLo, nHi, off, size, stride, y, dst);
        else scalarOutputs(j0, j1, x, plane, w, cy0, nLo, nHi, off, size, stride, y, dst);
    }

    /**
     * Up to L outputs of one row at once ({@code lanes} of them), each window wholly inside the
     * row: lane l is output j+l, whose window starts at {@code base} + l·stride. Each lane makes the
     * scalar path's comparisons in its order (rows n, then columns m; replace only when strictly
     * greater), so the bits are the same, ties of −0 and +0 and NaNs included. Loads may run past
     * the row into lanes that are not stored (masked at the array's end); stores are masked to
     * {@code lanes}.
     */
    private static void maxLanes(float[] x, int base, int w, int nLo, int nHi, int size, int stride, float[] y, int at,
                                 int lanes) {
        FloatVector max = FloatVector.broadcast(S, -Float.MAX_VALUE);
        // Unmasked loads unless the last one could run past the array: masked loads made the whole
        // kernel 1.6x slower (alexnet's 3x3/2 pools at 55x55x96: 0.20 vs 0.12 ms, one thread).
        boolean inside = base + (nHi - 1) * w + size - 1 + 2 * L <= x.length;
        for (int n = nLo; n < nHi; n++) {
            int r = base + n * w;
            for (int m = 0; m < size; m++) {
                int i = r + m;
                FloatVector v;
                if (inside) {
                    FloatVector v0 = FloatVector.fromArray(S, x, i);
                    v = stride == 1 ? v0 : EVEN.selectFrom(v0, FloatVector.fromArray(S, x, i + L));
                } else {
                    FloatVector v0 = FloatVector.fromArray(S, x, i, S.indexInRange(i, x.length));
                    v = stride == 1 ? v0
                            : EVEN.selectFrom(v0, FloatVector.fromArray(S, x, i + L, S.indexInRange(i + L, x.length)));
                }
                max = max.blend(v, v.compare(VectorOperators.GT, max));
            }
        }
        if (lanes == L) {
            max.intoArray(y, at);
        } else {
            max.intoArray(y, at, S.indexInRange(0, lanes));
        }
    }

    /** Outputs [j0, j1) of one row, each window clamped to the image. */
    private static void scalarOutputs(int j0, int j1, float[] x, int plane, int w, int cy0, int nLo, int nHi, int off,
                                      int size, int stride, float[] y, int dst) {
        for (int j = j0; j < j1; j++) {
            int cx0 = off + j * stride;
            int mLo = Math.max(0, -cx0), mHi = Math.min(size, w - cx0);
            float max = -Float.MAX_VALUE;
            if (size == 2 && nLo == 0 && nHi == 2 && mLo == 0 && mHi == 2) {
                int r0 = plane + cy0 * w + cx0, r1 = r0 + w;
                float v = x[r0];
                if (v > max) max = v;
                v = x[r0 + 1];
                if (v > max) max = v;
                v = x[r1];
                if (v > max) max = v;
                v = x[r1 + 1];
                if (v > max) max = v;
            } else {
                for (int n = nLo; n < nHi; n++) {
                    int r = plane + (cy0 + n) * w + cx0;
                    for (int m = mLo; m < mHi; m++) {
                        float v = x[r + m];
                        if (v > max) max = v;
                    }
                }
            }
            y[dst + j] = max;
        }
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Lanes 0, 2, …, 30 of two vectors: the windows' first columns at stride 2 (used when L = 16). */
    private static final FloatVector EVEN = FloatVector.fromArray(S, Gemm.laneIndices(l -> 2 * l), 0);
    /** Lanes 1, 3, …, 31 of two vectors: the windows' second columns at stride 2 (used when L = 16). */
    private static final FloatVector ODD = FloatVector.fromArray(S, Gemm.laneIndices(l -> 2 * l + 1), 0);

    /** Window origin −padding/2; outside positions are −infinity (Darknet uses −FLT_MAX). */
    public static void maxPlain(float[] x, int xOff, int c, int h, int w, int size, int stride, int padding, int oh, int ow,
                                float[] y, int yOff) {
        int off = -padding / 2;
        for (int k = 0; k < c; k++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    float max = -Float.MAX_VALUE;
                    for (int n = 0; n < size; n++) {
                        int cy = off + i * stride + n;
                        for (int m = 0; m < size; m++) {
                            int cx = off + j * stride + m;
                            boolean valid = cy >= 0 && cy < h && cx >= 0 && cx < w;
                            float v = valid ? x[xOff + (k * h + cy) * w + cx] : -Float.MAX_VALUE;
                            if (v > max) max = v;
                        }
                    }
                    y[yOff + (k * oh + i) * ow + j] = max;
                }
            }
        }
    }

    public static void avgGlobal(float[] x, int xOff, int c, int spatial, float[] y, int yOff) {
        // Four channels at once: four independent in-order sums (the twin's order per channel).
        int k = 0;
        for (; k + 4 <= c; k += 4) {
            int b0 = xOff + k * spatial, b1 = b0 + spatial, b2 = b1 + spatial, b3 = b2 + spatial;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int i = 0; i < spatial; i++) {
                s0 += x[b0 + i];
                s1 += x[b1 + i];
                s2 += x[b2 + i];
                s3 += x[b3 + i];
            }
            y[yOff + k] = s0 / spatial;
            y[yOff + k + 1] = s1 / spatial;
            y[yOff + k + 2] = s2 / spatial;
            y[yOff + k + 3] = s3 / spatial;
        }
        avgGlobalPlain(x, xOff + k * spatial, c - k, spatial, y, yOff + k);
    }

    /** Darknet sums in order then divides by h·w. */
    public static void avgGlobalPlain(float[] x, int xOff, int c, int spatial, float[] y, int yOff) {
        for (int k = 0; k < c; k++) {
            float s = 0;
            int base = xOff + k * spatial;
            for (int i = 0; i < spatial; i++) s += x[base + i];
            y[yOff + k] = s / spatial;
        }
    }

    /**
     * {@link #avgLocalPlain}'s result bit for bit, 16 outputs of a row at a time where their windows
     * lie wholly inside the row (each lane adds the same values in the same order, rows then
     * columns, and divides by the same count), channels split over the threads. Why: the scalar
     * loop is one chain of dependent adds (4 cycles each); InceptionV3's nine 3×3/1 branch pools took
     * 19 of its 83 ms at two threads that way (LayerProfile, docs/kernels-benchmarks.md, session 5).
     */
    public static void avgLocal(float[] x, int xOff, int c, int h, int w, int size, int stride, int padding, int oh, int ow,
                                float[] y, int yOff, Parallel par) {
        windows(true, x, xOff, c, h, w, size, stride, padding, oh, ow, y, yOff, par, SPLIT_ROWS,
                PARALLEL_MIN_OUTPUTS);
    }

    /**
     * Up to L averages of one row ({@code lanes} of them), each window wholly inside the row and
     * rows [nLo, nHi) of it inside the image (nHi > nLo): lane l is output j+l, whose window starts
     * at {@code base} + l·stride. Loads as in {@link #maxLanes}, written out again: a helper returning
     * the loaded vector was not always inlined, and a vector that crosses a call is boxed (max pooling
     * went from 0.8 to 5 ms in InceptionV3 that way); one method for both, choosing add or max per
     * load, ran InceptionV3's pools at 7.0 / 2.7 ms in two launches of three (against 2.5–3.4 /
     * 0.85–2.8 with two methods).
     */
    private static void avgLanes(float[] x, int base, int w, int nLo, int nHi, int size, int stride, float[] y, int at,
                                 int lanes) {
        FloatVector sum = FloatVector.zero(S);
        boolean inside = base + (nHi - 1) * w + size - 1 + 2 * L <= x.length;
        for (int n = nLo; n < nHi; n++) {
            int r = base + n * w;
            for (int m = 0; m < size; m++) {
                int i = r + m;
                FloatVector v;
                if (inside) {
                    FloatVector v0 = FloatVector.fromArray(S, x, i);
                    v = stride == 1 ? v0 : EVEN.selectFrom(v0, FloatVector.fromArray(S, x, i + L));
                } else {
                    FloatVector v0 = FloatVector.fromArray(S, x, i, S.indexInRange(i, x.length));
                    v = stride == 1 ? v0
                            : EVEN.selectFrom(v0, FloatVector.fromArray(S, x, i + L, S.indexInRange(i + L, x.length)));
                }
                sum = sum.add(v);
            }
        }
        FloatVector avg = sum.div((float) ((nHi - nLo) * size));
        if (lanes == L) {
            avg.intoArray(y, at);
        } else {
            avg.intoArray(y, at, S.indexInRange(0, lanes));
        }
    }

    /** Averages [j0, j1) of one row, each window clamped to the image (padding not counted). */
    private static void avgOutputs(int j0, int j1, float[] x, int plane, int w, int cy0, int nLo, int nHi, int off,
                                   int size, int stride, float[] y, int dst) {
        for (int j = j0; j < j1; j++) {
            int cx0 = off + j * stride;
            int mLo = Math.max(0, -cx0), mHi = Math.min(size, w - cx0);
            float s = 0;
            int count = 0;
            for (int n = nLo; n < nHi; n++) {
                int r = plane + (cy0 + n) * w + cx0;
                for (int m = mLo; m < mHi; m++) {
                    s += x[r + m];
                    count++;
                }
            }
            y[dst + j] = count == 0 ? 0 : s / count;
        }
    }

    /** Averages the window positions that lie inside the input (padding is not counted). */
    public static void avgLocalPlain(float[] x, int xOff, int c, int h, int w, int size, int stride, int padding, int oh,
                                     int ow, float[] y, int yOff) {
        int off = -padding / 2;
        for (int k = 0; k < c; k++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    float s = 0;
                    int count = 0;
                    for (int n = 0; n < size; n++) {
                        int cy = off + i * stride + n;
                        for (int m = 0; m < size; m++) {
                            int cx = off + j * stride + m;
                            if (cy >= 0 && cy < h && cx >= 0 && cx < w) {
                                s += x[xOff + (k * h + cy) * w + cx];
                                count++;
                            }
                        }
                    }
                    y[yOff + (k * oh + i) * ow + j] = count == 0 ? 0 : s / count;
                }
            }
        }
    }
}
