package dev.vessels.core.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct convolution of one group with few filters (ResNeXt's 32 groups of 2–16 filters), instead
 * of {@link Gemm#conv}: with M = 2–8 rows the GEMM's 8-row register tile wastes most of its FMAs,
 * and packing the im2col panels (K·N floats per group) costs more than the multiply-adds they feed.
 *
 * <p>How: the group's input is copied once into a zero-padded buffer (its columns split by phase
 * modulo the stride, so every tap of a strided convolution reads contiguous floats), then each
 * output vector (16 output columns of one output row) keeps one accumulator per filter of a small
 * block of filters in registers, and for every K index k = (c·kh + ky)·kw + kx in order does
 * acc = fma(w[o][k], input vector at tap k, acc). Padding lanes read the buffer's +0.0f, the value
 * the im2col panels hold there.
 *
 * <p>Bit-identical to {@link Gemm#conv} (overwrite, with the same {@link Epilogue}): per output
 * element the GEMM computes, for each K block ({@link Gemm#kBlocks}) in order, an FMA chain from 0
 * over the block's k, writes the first block's sum and adds each later one into C, then applies the
 * epilogue to the finished row. This kernel runs the same chains, blocks and adds, and applies the
 * same epilogue (elementwise, so the segment lengths it is applied on do not matter).
 * {@link #convPlain} is the plain-loop twin.
 *
 * <p>Memory: it borrows the calling thread's GEMM packing scratch ({@link Gemm#scratch}): a thread
 * holds no more than {@link Gemm#scratchBytesPerThread}, and {@link #fits} refuses geometries
 * whose buffers would not fit it.
 */
public final class GroupConv {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector (16 with AVX-512). */
    private static final int L = S.length();

    /**
     * Most filters per group served: ResNeXt152's largest groups (measured faster than the GEMM up
     * to there, docs/kernels-benchmarks.md, "Speed pass 8"). Larger groups were not measured; the
     * GEMM's 8-row tile is full there.
     */
    public static final int MAX_FILTERS = 16;

    /** {@code -Dvessels.conv.directGrouped=false} restores the GEMM for grouped convolutions (A/B runs). */
    public static final boolean ENABLED = !"false".equals(System.getProperty("vessels.conv.directGrouped"));

    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Lane indices picking the even (odd) floats of two vectors, for splitting a row by phase at stride 2. */
    private static final FloatVector EVEN, ODD;

    static {
        float[] even = new float[L], odd = new float[L];
        for (int l = 0; l < L; l++) {
            even[l] = 2 * l;
            odd[l] = 2 * l + 1;
        }
        EVEN = FloatVector.fromArray(S, even, 0);
        ODD = FloatVector.fromArray(S, odd, 0);
    }

    private GroupConv() {}

    /** Columns of one phase row of the padded buffer: every output vector's lanes, plus the taps' reach. */
    private static int rowWidth(ConvGeometry g) {
        return Math.ceilDiv(g.ow(), L) * L + (g.kw() - 1) / g.sw();
    }

    /** Padded input rows the output reads. */
    private static int rows(ConvGeometry g) {
        return (g.oh() - 1) * g.sh() + g.kh();
    }

    /** Floats of the padded, phase-split input: [c][sw][rows][rowWidth]. */
    static long bufferFloats(ConvGeometry g) {
        return (long) g.c() * g.sw() * rows(g) * rowWidth(g);
    }

    /**
     * Whether the layer should run this kernel for {@code m} filters over geometry {@code g}: it
     * {@link #fits}, with few filters. Maps at most half a vector wide leave half the lanes idle, and
     * there the GEMM measured faster on one layer (ResNeXt152's 8×8 3×3, 16 filters a group: 0.20–0.25
     * vs 0.12–0.14 ms, one thread); they are served anyway: otherwise the GEMM's masked im2col packing
     * serves only those two layers of ResNeXt152, and with a few warm-up predictions it was still
     * running as C1 code (2 layers: 4 ms a prediction instead of 0.5). Only one K block (K ≤
     * {@link Gemm#KC}: every grouped layer of ResNeXt, where it was measured): the kernel computes
     * more, bit for bit (tested), but in a test JVM shared with many other shapes its multi-block
     * path kept allocating (51 KB a call, never compiled clean in a minute: AllocationFreeTest).
     */
    public static boolean serves(int m, ConvGeometry g) {
        return m <= MAX_FILTERS && Gemm.kBlocks(g.k()) == 1 && fits(m, g);
    }

    /**
     * Whether this kernel can run {@code m} filters over {@code g}: its buffers fit the borrowed
     * GEMM scratch (padded input in the B block, a segment's weights in the A block, the taps'
     * offsets in the mask words, one padded row in the row buffer).
     */
    static boolean fits(int m, ConvGeometry g) {
        long k = g.k();
        return m >= 1
                && bufferFloats(g) <= (long) Gemm.KC * Gemm.NC
                && k <= Gemm.MASK_INTS
                && m * k <= (long) Gemm.MC * Gemm.KC
                && (long) g.sw() * (rowWidth(g) + 2 * L) <= Gemm.NC;
    }

    /**
     * C[m×N] = A[m×K] · im2col(im) then {@code e} (if not null) on each finished row i as its row
     * {@code eRow0 + i}, as {@link Gemm#conv} with {@code accumulate = false} computes it, bit for
     * bit. A's row i at {@code aOff + i·lda}; C's row i at {@code cOff + i·ldc}. Single-threaded
     * (groups are what the threads split). Requires {@link #fits}.
     */
    public static void conv(int m, float[] a, int aOff, int lda, ConvGeometry g, float[] im, int imOff, float[] c,
                            int cOff, int ldc, Epilogue e, int eRow0) {
        if (!fits(m, g)) throw new IllegalArgumentException(m + " filters over " + g + ": does not fit the scratch");
        Gemm.Scratch s = Gemm.scratch();
        run(m, a, aOff, lda, g, im, imOff, c, cOff, ldc, e, eRow0, s);
    }

    /**
     * {@link #conv} with A read from a segment of little-endian floats (a mapped weights file): the
     * group's m·K floats are copied to the scratch first (a few hundred floats), then the same
     * kernel runs on the same values.
     */
    public static void conv(int m, MemorySegment a, int aOff, int lda, ConvGeometry g, float[] im, int imOff, float[] c,
                            int cOff, int ldc, Epilogue e, int eRow0) {
        if (!fits(m, g)) throw new IllegalArgumentException(m + " filters over " + g + ": does not fit the scratch");
        Gemm.Scratch s = Gemm.scratch();
        int k = g.k();
        float[] w = s.a; // [m][k]
        for (int i = 0; i < m; i++) {
            long src = ((long) aOff + (long) i * lda) * Float.BYTES;
            for (int p = 0; p < k; p++) w[i * k + p] = a.get(LE_FLOAT, src + (long) p * Float.BYTES);
        }
        run(m, w, 0, k, g, im, imOff, c, cOff, ldc, e, eRow0, s);
    }

    private static void run(int m, float[] a, int aOff, int lda, ConvGeometry g, float[] im, int imOff, float[] c,
                            int cOff, int ldc, Epilogue e, int eRow0, Gemm.Scratch s) {
        int k = g.k(), kh = g.kh(), kw = g.kw(), sw = g.sw();
        int wq = rowWidth(g), rows = rows(g), phase = rows * wq, plane = sw * phase;
        float[] buf = s.b; // the padded input: [c][sw][rows][wq]
        fill(g, im, imOff, buf, s.row);
        // Each K index's tap, as an offset from an output vector's base (its first column at ky = kx = 0).
        int[] taps = s.masks; // [k]
        for (int p = 0; p < k; p++) {
            int ch = p / (kh * kw), ky = p / kw % kh, kx = p % kw;
            taps[p] = ch * plane + kx % sw * phase + ky * wq + kx / sw;
        }
        int kb = Gemm.kBlocks(k), n = g.oh() * g.ow();
        int o = 0;
        // Blocks of 4 filters (16 accumulators over 4 vectors), then 2, then 1. (8 filters over 2
        // vectors, the GEMM micro-kernel's shape, measured no faster at 16×16 with 8 filters.)
        for (; o + 4 <= m; o += 4) {
            for (int q = 0; q < kb; q++) {
                block4(a, aOff + o * lda, lda, Gemm.kBlockStart(k, q), Gemm.kBlockStart(k, q + 1), taps, buf, g, wq, c,
                        cOff + o * ldc, ldc, q == 0, s.tile);
            }
        }
        for (; o + 2 <= m; o += 2) {
            for (int q = 0; q < kb; q++) {
                block2(a, aOff + o * lda, lda, Gemm.kBlockStart(k, q), Gemm.kBlockStart(k, q + 1), taps, buf, g, wq, c,
                        cOff + o * ldc, ldc, q == 0, s.tile);
            }
        }
        for (; o < m; o++) {
            for (int q = 0; q < kb; q++) {
                block1(a, aOff + o * lda, Gemm.kBlockStart(k, q), Gemm.kBlockStart(k, q + 1), taps, buf, g, wq, c,
                        cOff + o * ldc, q == 0, s.tile);
            }
        }
        if (e != null) for (int i = 0; i < m; i++) e.applyRow(c, cOff + i * ldc, eRow0 + i, n);
    }

    /**
     * Copies the group's input (c planes of h×w at {@code imOff}) into {@code buf} as
     * [c][sw][rows][wq]: phase r's row y, column j holds the input at row y − ph, column j·sw + r − pw,
     * or +0.0f where that lies in the padding (or past it, in columns only unused lanes read).
     * Stride 1 copies each row with one arraycopy (a vector loop with masked loads measured 1.6×
     * slower); stride 2 splits a row into its even and odd columns straight from the image, a
     * vector at a time, with masked loads (masked-off lanes read as +0.0f) and masked stores at a
     * row's end. Both run at about the input's memory bandwidth (measured: 8 channels of 64×64 from
     * L3 in 12 µs either way). {@code row} ([sw·(wq + 2L)]) serves larger strides.
     */
    static void fill(ConvGeometry g, float[] im, int imOff, float[] buf, float[] row) {
        int h = g.h(), w = g.w(), ph = g.ph(), pw = g.pw(), sw = g.sw();
        int wq = rowWidth(g), rows = rows(g), phase = rows * wq, plane = sw * phase;
        for (int ch = 0; ch < g.c(); ch++) {
            for (int y = 0; y < rows; y++) {
                int iy = y - ph, d = ch * plane + y * wq;
                if (iy < 0 || iy >= h) {
                    for (int r = 0; r < sw; r++) java.util.Arrays.fill(buf, d + r * phase, d + r * phase + wq, 0f);
                    continue;
                }
                int src = imOff + (ch * h + iy) * w - pw; // padded column j' of this row at src + j'
                if (sw == 1) {
                    // Padded columns: [0, pw) zero, then the input's, then zero to wq.
                    int x0 = Math.min(pw, wq), x1 = Math.min(pw + w, wq);
                    for (int j = 0; j < x0; j++) buf[d + j] = 0f;
                    System.arraycopy(im, src + x0, buf, d + x0, x1 - x0);
                    for (int j = x1; j < wq; j++) buf[d + j] = 0f;
                } else if (sw == 2) {
                    // 32 padded columns → 16 even and 16 odd ones: two loads and two two-vector permutes.
                    for (int j = 0; j < wq; j += L) {
                        int c0 = 2 * j, c1 = c0 + L;
                        FloatVector v0 = FloatVector.fromArray(S, im, src + c0, VectorMask.fromLong(S, laneBits(c0 - pw, w)));
                        FloatVector v1 = FloatVector.fromArray(S, im, src + c1, VectorMask.fromLong(S, laneBits(c1 - pw, w)));
                        FloatVector even = EVEN.selectFrom(v0, v1), odd = ODD.selectFrom(v0, v1);
                        if (j + L <= wq) {
                            even.intoArray(buf, d + j);
                            odd.intoArray(buf, d + phase + j);
                        } else {
                            var tail = VectorMask.fromLong(S, laneBits(j, wq));
                            even.intoArray(buf, d + j, tail);
                            odd.intoArray(buf, d + phase + j, tail);
                        }
                    }
                } else {
                    int span = sw * wq; // padded columns [0, span) of the row
                    int x0 = Math.min(pw, span), x1 = Math.min(pw + w, span); // where the input's columns land
                    java.util.Arrays.fill(row, 0, x0, 0f);
                    System.arraycopy(im, src + pw, row, x0, x1 - x0);
                    java.util.Arrays.fill(row, x1, span, 0f);
                    for (int j = 0; j < wq; j++) {
                        for (int r = 0; r < sw; r++) buf[d + r * phase + j] = row[j * sw + r];
                    }
                }
            }
        }
    }

    /**
     * Bits of the lanes l with 0 <= i + l < limit, for {@code VectorMask.fromLong} (one kmov). A
     * long, not a mask: a method returning a VectorMask that C2 does not inline (it once judged it
     * too big) hands back a boxed mask, and the masked loads and stores using it then ran as Java
     * code, allocating (AllocationFreeTest: 80 KB a call).
     */
    private static long laneBits(int i, int limit) {
        int lo = Math.max(0, -i), hi = Math.min(L, limit - i);
        return hi <= lo ? 0 : (1L << hi) - (1L << lo);
    }

    /** Output vectors per output row. */
    private static int vectorsPerRow(ConvGeometry g) {
        return Math.ceilDiv(g.ow(), L);
    }

    /**
     * Four filters (A rows at a0, a0 + lda, …) over K indices [p0, p1), every output vector, four
     * output vectors at a time: 16 accumulators, each input load feeding four FMAs and each weight
     * broadcast four. Vectors past the last are computed on a real row and dropped.
     */
    private static void block4(float[] a, int a0, int lda, int p0, int p1, int[] taps, float[] buf, ConvGeometry g, int wq,
                               float[] c, int c0, int ldc, boolean overwrite, float[] tile) {
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        int nv = g.oh() * vectorsPerRow(g), ow = g.ow(), last = g.oh() - 1, rs = g.sh() * wq;
        int py = 0, px = 0; // vector v's output row and first column (advanced without divisions)
        for (int v = 0; v < nv; v += 4) {
            // Each vector's base in buf: output row py, column px reads buf at py·sh·wq + px + tap. Past
            // the last vector: any real row, computed and dropped.
            int py1 = py, px1 = px + L;
            if (px1 >= ow) { px1 = 0; py1++; }
            int py2 = py1, px2 = px1 + L;
            if (px2 >= ow) { px2 = 0; py2++; }
            int py3 = py2, px3 = px2 + L;
            if (px3 >= ow) { px3 = 0; py3++; }
            int b0 = py * rs + px, b1 = Math.min(py1, last) * rs + px1, b2 = Math.min(py2, last) * rs + px2;
            int b3 = Math.min(py3, last) * rs + px3;
            FloatVector s00 = FloatVector.zero(S), s01 = FloatVector.zero(S), s02 = FloatVector.zero(S), s03 = FloatVector.zero(S);
            FloatVector s10 = FloatVector.zero(S), s11 = FloatVector.zero(S), s12 = FloatVector.zero(S), s13 = FloatVector.zero(S);
            FloatVector s20 = FloatVector.zero(S), s21 = FloatVector.zero(S), s22 = FloatVector.zero(S), s23 = FloatVector.zero(S);
            FloatVector s30 = FloatVector.zero(S), s31 = FloatVector.zero(S), s32 = FloatVector.zero(S), s33 = FloatVector.zero(S);
            for (int p = p0; p < p1; p++) {
                int t = taps[p];
                FloatVector x0 = FloatVector.fromArray(S, buf, b0 + t), x1 = FloatVector.fromArray(S, buf, b1 + t);
                FloatVector x2 = FloatVector.fromArray(S, buf, b2 + t), x3 = FloatVector.fromArray(S, buf, b3 + t);
                FloatVector w = FloatVector.broadcast(S, a[a0 + p]);
                s00 = w.fma(x0, s00);
                s01 = w.fma(x1, s01);
                s02 = w.fma(x2, s02);
                s03 = w.fma(x3, s03);
                w = FloatVector.broadcast(S, a[a1 + p]);
                s10 = w.fma(x0, s10);
                s11 = w.fma(x1, s11);
                s12 = w.fma(x2, s12);
                s13 = w.fma(x3, s13);
                w = FloatVector.broadcast(S, a[a2 + p]);
                s20 = w.fma(x0, s20);
                s21 = w.fma(x1, s21);
                s22 = w.fma(x2, s22);
                s23 = w.fma(x3, s23);
                w = FloatVector.broadcast(S, a[a3 + p]);
                s30 = w.fma(x0, s30);
                s31 = w.fma(x1, s31);
                s32 = w.fma(x2, s32);
                s33 = w.fma(x3, s33);
            }
            // Spilled, then stored by a method of its own: with the store variants inline (or a
            // store call per accumulator, which C2 did not always inline: the accumulators were
            // then boxed) the FMA loop ran slower.
            s00.intoArray(tile, 0);
            s01.intoArray(tile, L);
            s02.intoArray(tile, 2 * L);
            s03.intoArray(tile, 3 * L);
            s10.intoArray(tile, 4 * L);
            s11.intoArray(tile, 5 * L);
            s12.intoArray(tile, 6 * L);
            s13.intoArray(tile, 7 * L);
            s20.intoArray(tile, 8 * L);
            s21.intoArray(tile, 9 * L);
            s22.intoArray(tile, 10 * L);
            s23.intoArray(tile, 11 * L);
            s30.intoArray(tile, 12 * L);
            s31.intoArray(tile, 13 * L);
            s32.intoArray(tile, 14 * L);
            s33.intoArray(tile, 15 * L);
            storeTile(tile, 4, 4, Math.min(4, nv - v), py, px, ow, c, c0, ldc, overwrite);
            py = py3;
            px = px3 + L;
            if (px >= ow) { px = 0; py++; }
        }
    }

    /** {@link #block4} for two filters: 8 accumulators over 4 vectors. */
    private static void block2(float[] a, int a0, int lda, int p0, int p1, int[] taps, float[] buf, ConvGeometry g, int wq,
                               float[] c, int c0, int ldc, boolean overwrite, float[] tile) {
        int a1 = a0 + lda;
        int nv = g.oh() * vectorsPerRow(g), ow = g.ow(), last = g.oh() - 1, rs = g.sh() * wq;
        int py = 0, px = 0; // vector v's output row and first column (advanced without divisions)
        for (int v = 0; v < nv; v += 4) {
            int py1 = py, px1 = px + L;
            if (px1 >= ow) { px1 = 0; py1++; }
            int py2 = py1, px2 = px1 + L;
            if (px2 >= ow) { px2 = 0; py2++; }
            int py3 = py2, px3 = px2 + L;
            if (px3 >= ow) { px3 = 0; py3++; }
            int b0 = py * rs + px, b1 = Math.min(py1, last) * rs + px1, b2 = Math.min(py2, last) * rs + px2;
            int b3 = Math.min(py3, last) * rs + px3;
            FloatVector s00 = FloatVector.zero(S), s01 = FloatVector.zero(S), s02 = FloatVector.zero(S), s03 = FloatVector.zero(S);
            FloatVector s10 = FloatVector.zero(S), s11 = FloatVector.zero(S), s12 = FloatVector.zero(S), s13 = FloatVector.zero(S);
            for (int p = p0; p < p1; p++) {
                int t = taps[p];
                FloatVector x0 = FloatVector.fromArray(S, buf, b0 + t), x1 = FloatVector.fromArray(S, buf, b1 + t);
                FloatVector x2 = FloatVector.fromArray(S, buf, b2 + t), x3 = FloatVector.fromArray(S, buf, b3 + t);
                FloatVector w = FloatVector.broadcast(S, a[a0 + p]);
                s00 = w.fma(x0, s00);
                s01 = w.fma(x1, s01);
                s02 = w.fma(x2, s02);
                s03 = w.fma(x3, s03);
                w = FloatVector.broadcast(S, a[a1 + p]);
                s10 = w.fma(x0, s10);
                s11 = w.fma(x1, s11);
                s12 = w.fma(x2, s12);
                s13 = w.fma(x3, s13);
            }
            s00.intoArray(tile, 0);
            s01.intoArray(tile, L);
            s02.intoArray(tile, 2 * L);
            s03.intoArray(tile, 3 * L);
            s10.intoArray(tile, 4 * L);
            s11.intoArray(tile, 5 * L);
            s12.intoArray(tile, 6 * L);
            s13.intoArray(tile, 7 * L);
            storeTile(tile, 2, 4, Math.min(4, nv - v), py, px, ow, c, c0, ldc, overwrite);
            py = py3;
            px = px3 + L;
            if (px >= ow) { px = 0; py++; }
        }
    }

    /** {@link #block4} for one filter (an odd count's last): 4 accumulators over 4 vectors. */
    private static void block1(float[] a, int a0, int p0, int p1, int[] taps, float[] buf, ConvGeometry g, int wq, float[] c,
                               int c0, boolean overwrite, float[] tile) {
        int nv = g.oh() * vectorsPerRow(g), ow = g.ow(), last = g.oh() - 1, rs = g.sh() * wq;
        int py = 0, px = 0; // vector v's output row and first column (advanced without divisions)
        for (int v = 0; v < nv; v += 4) {
            int py1 = py, px1 = px + L;
            if (px1 >= ow) { px1 = 0; py1++; }
            int py2 = py1, px2 = px1 + L;
            if (px2 >= ow) { px2 = 0; py2++; }
            int py3 = py2, px3 = px2 + L;
            if (px3 >= ow) { px3 = 0; py3++; }
            int b0 = py * rs + px, b1 = Math.min(py1, last) * rs + px1, b2 = Math.min(py2, last) * rs + px2;
            int b3 = Math.min(py3, last) * rs + px3;
            FloatVector s00 = FloatVector.zero(S), s01 = FloatVector.zero(S), s02 = FloatVector.zero(S), s03 = FloatVector.zero(S);
            for (int p = p0; p < p1; p++) {
                int t = taps[p];
                FloatVector w = FloatVector.broadcast(S, a[a0 + p]);
                s00 = w.fma(FloatVector.fromArray(S, buf, b0 + t), s00);
                s01 = w.fma(FloatVector.fromArray(S, buf, b1 + t), s01);
                s02 = w.fma(FloatVector.fromArray(S, buf, b2 + t), s02);
                s03 = w.fma(FloatVector.fromArray(S, buf, b3 + t), s03);
            }
            s00.intoArray(tile, 0);
            s01.intoArray(tile, L);
            s02.intoArray(tile, 2 * L);
            s03.intoArray(tile, 3 * L);
            storeTile(tile, 1, 4, Math.min(4, nv - v), py, px, ow, c, c0, 0, overwrite);
            py = py3;
            px = px3 + L;
            if (px >= ow) { px = 0; py++; }
        }
    }

    /**
     * A spilled tile ({@code tile}: [filters][vecs][L]) into C: {@code count} consecutive output
     * vectors of each filter's row, the first at output row y, column x; only each vector's output
     * lanes. The first K block writes its sums, later ones add them to C (C + sum, the GEMM's one
     * add per block).
     */
    private static void storeTile(float[] tile, int filters, int vecs, int count, int y, int x, int ow, float[] c, int c0,
                                  int ldc, boolean overwrite) {
        for (int j = 0; j < count; j++) {
            int off = y * ow + x, n = Math.min(L, ow - x);
            for (int i = 0; i < filters; i++) {
                FloatVector sum = FloatVector.fromArray(S, tile, (vecs * i + j) * L);
                int at = c0 + i * ldc + off;
                // Each vector along one path: a vector merged from two branches (a phi) may be boxed
                // by C2 once both have run (more than one K block), 51 KB a call on a small layer.
                if (n == L) {
                    if (overwrite) {
                        sum.intoArray(c, at);
                    } else {
                        FloatVector.fromArray(S, c, at).add(sum).intoArray(c, at);
                    }
                } else {
                    VectorMask<Float> m = VectorMask.fromLong(S, laneBits(0, n));
                    if (overwrite) {
                        sum.intoArray(c, at, m);
                    } else {
                        FloatVector.fromArray(S, c, at, m).add(sum).intoArray(c, at, m);
                    }
                }
            }
            x += L;
            if (x >= ow) {
                x = 0;
                y++;
            }
        }
    }

    /**
     * The plain-loop twin: the same sums, element by element from the image (0 in the padding),
     * FMA chains per K block as the GEMM defines them, then the epilogue on each row.
     */
    static void convPlain(int m, float[] a, int aOff, int lda, ConvGeometry g, float[] im, int imOff, float[] c, int cOff,
                          int ldc, Epilogue e, int eRow0) {
        int k = g.k(), kh = g.kh(), kw = g.kw(), kb = Gemm.kBlocks(k), n = g.oh() * g.ow();
        for (int i = 0; i < m; i++) {
            for (int oy = 0; oy < g.oh(); oy++) {
                for (int ox = 0; ox < g.ow(); ox++) {
                    float acc = 0f;
                    for (int q = 0; q < kb; q++) {
                        float s = 0f;
                        for (int p = Gemm.kBlockStart(k, q); p < Gemm.kBlockStart(k, q + 1); p++) {
                            int ch = p / (kh * kw), ky = p / kw % kh, kx = p % kw;
                            int iy = oy * g.sh() - g.ph() + ky, ix = ox * g.sw() - g.pw() + kx;
                            boolean inside = iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w();
                            float x = inside ? im[imOff + (ch * g.h() + iy) * g.w() + ix] : 0f;
                            s = Math.fma(a[aOff + i * lda + p], x, s);
                        }
                        acc = q == 0 ? s : acc + s;
                    }
                    c[cOff + i * ldc + oy * g.ow() + ox] = acc;
                }
            }
            if (e != null) e.applyRow(c, cOff + i * ldc, eRow0 + i, n);
        }
    }
}
