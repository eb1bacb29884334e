package dev.vessels.core.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.vessels.core.exec.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * 3×3, stride 1 convolution (one group; pad 1, "same", or pad 0, "valid", on each axis) by
 * Winograd's minimal filtering F(2×2, 3×3)
 * (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016): each 2×2 block
 * of output (a <em>tile</em>) is {@code Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A}, from the 4×4 input patch d
 * around it and the 3×3 filter g. Summed over input channels, the elementwise products become 16
 * independent GEMMs, one per position p of the 4×4 transformed tile:
 * {@code M_p[rows × tiles] = U_p[rows × c] · V_p[c × tiles]}. That is 16 multiply-adds per
 * channel pair and tile where im2col+GEMM does 36 (4 outputs × 9): 2.25× fewer, which is what the
 * FMA ceiling buys back (ResNet's 3×3 convolutions are half its FLOPs).
 *
 * <p>Numerically it is not the direct convolution: the transforms add and subtract before the
 * products, so results differ from im2col+GEMM by a few ulps of the inputs' magnitude (tested
 * against a double-precision direct convolution). It is deterministic and does not depend on the
 * thread count, the row pieces the weights come in, or whether they come from an array or a
 * mapping: every output gets the same operations in the same order, so every executor that takes
 * this path gets the same bits.
 *
 * <p>Work is split into parts, one per thread: of the filters (small maps, many filters), or of
 * the tiles (large maps, few filters). A part transforms its filters block by block ({@code U}, per
 * prediction: nothing is cached, so the weights' memory stays what the executor says), the input
 * block by block ({@code V}), runs the 16 GEMMs on {@link Gemm}'s kernel and transforms the result
 * back into the output, where the layer's {@link Epilogue} (batch norm or bias, activation, fused
 * residual) runs on every finished run of output. A part's buffers ({@link #partFloats}) come from the
 * workspace the caller passes (a planned executor reserves {@link #workspaceFloats} in its arena
 * for the layer's step), else from its thread's own. {@code -Dvessels.conv.winograd=false} turns it
 * off (A/B runs).
 */
public final class Winograd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Positions of the transformed 4×4 tile: one GEMM each. */
    static final int P = 16;
    /**
     * Most input channels served: 512 (VGG16's 28×28 layers; 1.34× faster than im2col+GEMM there on
     * two threads, 1.28–1.37× at 16×16). Blocks never shrink below 64 rows × 64 tiles for it: with
     * blocks cut to a fixed float budget (32 × 32 at 512 channels) it lost (docs/kernels-benchmarks.md).
     */
    public static final int MAX_C = 512;
    /** Fewest tiles (2×2 output blocks) served: below 64 (maps under 16×16) the GEMMs' column panels run part empty. */
    public static final int MIN_TILES = 64;
    /**
     * Fewest filters × tiles served: below it the transforms outweigh the multiply-adds saved
     * (DenseNet201's 48 growth convolutions of 32 filters on 16×16 maps took 9.5 ms with Winograd,
     * 8.8 without; 64 filters there, or 32 on 32×32, gain; docs/kernels-benchmarks.md).
     */
    public static final int MIN_WORK = 64 * 64;
    /** Tiles per block (GEMM columns: two of Gemm's column panels). */
    static final int TB = 64;
    /**
     * Filter rows per block, at every channel count: at 512 channels 64-row blocks were 15 % slower
     * (VGG16's 28×28 layers), at 256 2–5 % (ResNet's 16×16). Their U is 4 MiB at 512 channels, 2 at
     * 256, per part; ResNet152's two-thread peak, at its 16×16 Winograd steps, stays within issue 4's
     * bound because the parts share one V there ({@link #sharesV}).
     * {@code -Dvessels.winograd.rows=64} for A/B runs: 64-row blocks keep a part's U within the L2,
     * which held their speed on one thread beside a core streaming 64 MB (128-row blocks lost 12 %
     * there), but in the network they were 1–3 % slower in calm minutes (docs/kernels-benchmarks.md,
     * speed pass 14).
     */
    static final int RB_MAX = rowsSwitch(Integer.getInteger("vessels.winograd.rows", 128));

    /** The switch's value as a block size: a multiple of 8 in [8, 512] (0 or a negative would never end a loop). */
    static int rowsSwitch(int rows) {
        return Math.clamp(rows, 8, 512) / 8 * 8;
    }

    /** {@code -Dvessels.conv.winograd=false}: im2col+GEMM for every convolution (A/B runs). Not final for probes. */
    public static boolean enabled = !"false".equals(System.getProperty("vessels.conv.winograd"));

    private Winograd() {}

    /**
     * Whether a layer of {@code m} filters over geometry {@code g} runs here: 3×3, stride 1, pad 1 or 0,
     * 8 to {@link #MAX_C} input channels, at least 8 filters (fewer waste the GEMM's 8-row tile),
     * {@link #MIN_TILES} tiles and {@link #MIN_WORK} filter-tiles. The kernel itself takes any number of rows and tiles, so a layer
     * served in row pieces runs every piece here.
     */
    public static boolean serves(int m, ConvGeometry g) {
        return enabled && computes(g) && g.c() >= 8 && m >= 8 && tiles(g) >= MIN_TILES && (long) m * tiles(g) >= MIN_WORK;
    }

    /**
     * Whether the kernel computes this geometry at all: 3×3, stride 1, pad 1 or 0 on each axis (a
     * "valid" convolution: InceptionV3's 149 → 147 and 73 → 71), at most {@link #MAX_C} channels.
     */
    private static boolean computes(ConvGeometry g) {
        return g.kh() == 3 && g.kw() == 3 && g.sh() == 1 && g.sw() == 1 && g.ph() <= 1 && g.pw() <= 1 && g.c() <= MAX_C;
    }

    /** 2×2 tiles of the output map. */
    static int tiles(ConvGeometry g) {
        return ((g.oh() + 1) / 2) * ((g.ow() + 1) / 2);
    }

    /*
     * The 16 planes of U, V and M are a vector longer than their data: at power-of-two sizes (64 KB
     * for 64 rows of 256 channels) the 16 streams a transform reads or writes at once all fall into
     * one L1 set; the three transforms took 1.2–1.4× longer that way (256 filters × 256 channels, 16×16).
     */

    /** Floats from one plane of U ({@code [16][rows][c]}) to the next. */
    static int uPlane(int rows, int c) {
        return rows * c + L;
    }

    /** Floats from one plane of V ({@code [16][c][tb + L]}) to the next. */
    static int vPlane(int c, int tb) {
        return c * (tb + L) + L;
    }

    /** Floats from one plane of M ({@code [16][rows][tb]}) to the next. */
    static int mPlane(int rows, int tb) {
        return rows * tb + L;
    }

    /** Filter rows per block of {@code m}: at most {@link #RB_MAX}, balanced, a multiple of 8. */
    static int rowBlock(int m) {
        return Math.min(RB_MAX, (Math.ceilDiv(m, Math.ceilDiv(m, RB_MAX)) + 7) / 8 * 8);
    }

    /**
     * Tiles of the next block when {@code left} tiles remain: {@link #TB}, or all of them
     * where what would remain is fewer than {@link Gemm#NARROW_N}: a GEMM that narrow takes Gemm's
     * row-by-row path (the 4 tiles left of a 28×28 map's 196 made the 16 GEMMs 1.3× slower).
     */
    static int blockTiles(int left) {
        int tb = Math.min(TB, left);
        return left - tb < Gemm.NARROW_N ? left : tb;
    }

    /** The largest block of {@code n} tiles' blocks (see {@link #blockTiles}): the buffers' size. */
    static int maxBlock(int n) {
        int r = n % TB;
        return n <= TB ? n : r > 0 && r < Gemm.NARROW_N ? TB + r : TB;
    }

    /** Floats of one padded patch row in a part's edge buffer: a zero column, the input's row, the vectors' reach past it. */
    static int paddedWidth(int w) {
        return w + 2 * L + 2;
    }

    /** Floats of the edge buffer for blocks of up to {@code tb} tiles: the patch rows of the tile rows one block spans. */
    static int edgeFloats(ConvGeometry g, int tb) {
        int tw = (g.ow() + 1) / 2, th = (g.oh() + 1) / 2;
        return (2 * Math.min(th - 1, (tb - 1) / tw + 1) + 4) * paddedWidth(g.w());
    }

    /*
     * One part's buffers lie in one run of floats, in this order: U (transformed filters, 16 planes
     * of rb rows), V (transformed input, 16 planes of tb tiles; not where the parts share one, see
     * sharesV), M (the GEMMs' results, 16 planes
     * and a vector's room), one filter row's taps tap-major [9][c], the patch rows of a block's tile
     * rows, zero-padded ({@link #edgeFloats}), an output row's ragged end
     * [L]. Offsets are computed where used, not kept in an object: a per-call layout record was the
     * one allocation of a prediction's Winograd layers (AllocationFreeTest).
     */

    /** Offset of V in a part of blocks of rb rows, tb tiles. */
    private static int vAt(int c, int rb) {
        return P * uPlane(rb, c);
    }

    /** Offset of M (after V where the part has its own). */
    private static int mAt(int c, int rb, int tb, boolean ownV) {
        return vAt(c, rb) + (ownV ? P * vPlane(c, tb) : 0);
    }

    /** Offset of the taps; the patch rows follow 9c floats on, the ragged end after them. */
    private static int tapsAt(int c, int rb, int tb, boolean ownV) {
        return mAt(c, rb, tb, ownV) + P * mPlane(rb, tb) + L;
    }

    /** Floats of one part. */
    static int partFloats(ConvGeometry g, int rb, int tb, boolean ownV) {
        return tapsAt(g.c(), rb, tb, ownV) + 9 * g.c() + edgeFloats(g, tb) + L;
    }

    /**
     * Whether {@code parts} parts share one transformed input: split by filters over tiles that fit
     * one block (ResNet's 16×16 maps), every part would transform the same whole input. Then the
     * parts transform a share of its channels each, into one V ahead of the parts' buffers, and
     * wait for each other before their GEMMs: half the input transforms at two threads, and one V
     * less in the workspace (what pays for blocks of 128 filter rows at 256 channels within issue
     * 4's bound).
     */
    private static boolean sharesV(int m, ConvGeometry g, int parts) {
        return parts > 1 && !byTiles(m, g) && blockTiles(tiles(g)) == tiles(g);
    }

    /** Workspace floats of {@code parts} parts: the shared V, if any, then the parts' buffers. */
    private static long floats(int m, ConvGeometry g, int parts) {
        int rb = partRows(m, g, parts), tb = partTiles(m, g, parts);
        boolean shared = sharesV(m, g, parts);
        return (shared ? (long) P * vPlane(g.c(), tb) : 0) + (long) parts * partFloats(g, rb, tb, !shared);
    }

    /** How the work splits into parts: of the tiles where they outnumber the filters, else of the filters. */
    private static boolean byTiles(int m, ConvGeometry g) {
        return tiles(g) > m;
    }

    /** Parts for {@code threads} threads (fewer if there is less work than that). */
    private static int parts(int m, ConvGeometry g, int threads) {
        return Math.max(1, Math.min(threads, byTiles(m, g) ? tiles(g) : Math.ceilDiv(m, 8)));
    }

    /** Filter rows per block in each of {@code parts} parts (each part's buffers are the same size). */
    private static int partRows(int m, ConvGeometry g, int parts) {
        int rows = byTiles(m, g) ? m : 8 * Math.ceilDiv(Math.ceilDiv(m, 8), parts);
        return rowBlock(rows);
    }

    /** Most tiles in one block of any of {@code parts} parts (their buffers' size). */
    private static int partTiles(int m, ConvGeometry g, int parts) {
        int tiles = tiles(g);
        if (!byTiles(m, g)) return maxBlock(tiles);
        int few = tiles / parts, many = Math.ceilDiv(tiles, parts); // a part's tiles (Parallel.partStart)
        return Math.max(maxBlock(few), maxBlock(many));
    }

    /**
     * Workspace floats the convolution of {@code m} filters over {@code g} uses on {@code threads}
     * threads (a planned executor places it in its arena for the layer's step; see {@link #conv}).
     */
    public static long workspaceFloats(int m, ConvGeometry g, int threads) {
        return floats(m, g, parts(m, g, threads));
    }

    /** Per-thread buffers where no workspace is given (executors that plan none). */
    private static final ThreadLocal<float[][]> OWN = ThreadLocal.withInitial(() -> new float[1][0]);

    /**
     * y[row i of m] = conv(filters a (row i at {@code aOff + i·9c}), image im at imOff) with
     * {@code e} applied as output row {@code eRow0 + i} (null: raw sums). y's row i at
     * {@code yOff + i·oh·ow}. The parts run in {@code wsFloats} floats of {@code ws} from
     * {@code wsOff}, as many parts (up to the threads) as fit; with no workspace ({@code ws} null
     * or too small for one part) each part runs in its thread's own buffers. The result does not
     * depend on either.
     */
    public static void conv(int m, float[] a, int aOff, ConvGeometry g, float[] im, int imOff, float[] y, int yOff,
                            float[] ws, int wsOff, long wsFloats, Parallel par, Epilogue e, int eRow0) {
        run(m, a, null, aOff, g, im, imOff, y, yOff, ws, wsOff, wsFloats, par, e, eRow0);
    }

    /** {@link #conv} with the filters in a segment of little-endian floats (a mapped weights file). */
    public static void conv(int m, MemorySegment a, int aOff, ConvGeometry g, float[] im, int imOff, float[] y, int yOff,
                            float[] ws, int wsOff, long wsFloats, Parallel par, Epilogue e, int eRow0) {
        run(m, null, a, aOff, g, im, imOff, y, yOff, ws, wsOff, wsFloats, par, e, eRow0);
    }

    private static void run(int m, float[] a, MemorySegment seg, int aOff, ConvGeometry g, float[] im, int imOff,
                            float[] y, int yOff, float[] ws, int wsOff, long wsFloats, Parallel par, Epilogue e, int eRow0) {
        // Any number of rows (a layer served in pieces may get a last piece of fewer than 8).
        if (m < 1 || !computes(g)) throw new IllegalArgumentException(m + " filters over " + g + ": not a Winograd convolution");
        int threads = par == null ? 1 : par.threads();
        // As many parts as the workspace holds (a plan made for fewer threads than this run's, or
        // for all the filters where this call has a piece of them); none: the threads' own buffers.
        int fit = ws == null ? 0 : parts(m, g, threads);
        while (fit >= 1 && floats(m, g, fit) > wsFloats) fit--;
        boolean planned = fit >= 1;
        int n = planned ? fit : parts(m, g, threads), rb = partRows(m, g, n), tb = partTiles(m, g, n);
        boolean shared = planned && sharesV(m, g, n); // a V shared between threads: only in a workspace
        int f = partFloats(g, rb, tb, !shared);
        if (n == 1) { // on this thread, without a capturing lambda (it would allocate)
            part(0, 1, m, g, a, seg, aOff, im, imOff, y, yOff, planned ? ws : own(f), planned ? wsOff : 0, rb, tb, e, eRow0, -1);
        } else if (shared) {
            // The input transform, each part a share of the channels (in its own edge buffer), then
            // every part's filter rows over the whole V.
            int c = g.c(), parts0 = wsOff + P * vPlane(c, tb), edge = tapsAt(c, rb, tb, false) + 9 * c;
            par.forEachPart(n, q -> input(im, imOff, g, 0, tiles(g), Parallel.partStart(c, q, n), Parallel.partStart(c, q + 1, n),
                    ws, wsOff, tb, ws, parts0 + q * f + edge));
            par.forEachPart(n, q -> part(q, n, m, g, a, seg, aOff, im, imOff, y, yOff, ws, parts0 + q * f, rb, tb, e, eRow0, wsOff));
        } else {
            par.forEachPart(n, q -> part(q, n, m, g, a, seg, aOff, im, imOff, y, yOff, planned ? ws : own(f),
                    planned ? wsOff + q * f : 0, rb, tb, e, eRow0, -1));
        }
    }

    /**
     * Part q of n: its share of the tiles (all filters) or of the filters (all tiles, on multiples
     * of 8); {@code sharedV} ≥ 0: the whole input, transformed already, there in {@code ws}.
     */
    private static void part(int q, int n, int m, ConvGeometry g, float[] a, MemorySegment seg, int aOff, float[] im, int imOff,
                             float[] y, int yOff, float[] ws, int w, int rbMax, int tb, Epilogue e, int eRow0, int sharedV) {
        int tiles = tiles(g);
        if (byTiles(m, g)) {
            part(0, m, Parallel.partStart(tiles, q, n), Parallel.partStart(tiles, q + 1, n), a, seg, aOff, g, im, imOff, y, yOff,
                    ws, w, rbMax, tb, e, eRow0, sharedV);
        } else {
            int blocks = Math.ceilDiv(m, 8);
            part(8 * Parallel.partStart(blocks, q, n), Math.min(m, 8 * Parallel.partStart(blocks, q + 1, n)), 0, tiles, a, seg,
                    aOff, g, im, imOff, y, yOff, ws, w, rbMax, tb, e, eRow0, sharedV);
        }
    }

    /** This thread's own buffers, grown to {@code floats} (allocation only when a larger layer first runs). */
    private static float[] own(int floats) {
        float[][] h = OWN.get();
        if (h[0].length < floats) h[0] = new float[floats];
        return h[0];
    }

    /**
     * Filter rows [r0, r1) over tiles [t0, t1), in the buffers at {@code w} of {@code ws}. Where
     * the tiles fit one block (small maps), the input is transformed once and each block of filter
     * rows runs over it; else each block of filter rows is transformed once and runs over the tiles
     * block by block.
     */
    private static void part(int r0, int r1, int t0, int t1, float[] a, MemorySegment seg, int aOff, ConvGeometry g,
                             float[] im, int imOff, float[] y, int yOff, float[] ws, int w, int rbMax, int tb, Epilogue e,
                             int eRow0, int sharedV) {
        int c = g.c(), rb = Math.min(rbMax, rowBlock(r1 - r0));
        boolean ownV = sharedV < 0;
        int u = w, v = ownV ? w + vAt(c, rbMax) : sharedV, mt = w + mAt(c, rbMax, tb, ownV), taps = w + tapsAt(c, rbMax, tb, ownV);
        int edge = taps + 9 * c, ragged = edge + edgeFloats(g, tb);
        boolean oneTileBlock = blockTiles(t1 - t0) == t1 - t0;
        if (oneTileBlock && ownV) input(im, imOff, g, t0, t1 - t0, 0, c, ws, v, tb, ws, edge);
        for (int rr = r0; rr < r1; rr += rb) {
            int rows = Math.min(rb, r1 - rr);
            for (int i = 0; i < rows; i++) {
                int row = aOff + (rr + i) * 9 * c;
                if (seg != null) {
                    filters(seg, (long) row * Float.BYTES, c, ws, u, i, rows, ws, taps);
                } else {
                    filters(a, row, c, ws, u, i, rows, ws, taps);
                }
            }
            for (int tt = t0, nt; tt < t1; tt += nt) {
                nt = blockTiles(t1 - tt);
                if (!oneTileBlock) input(im, imOff, g, tt, nt, 0, c, ws, v, tb, ws, edge);
                // The 16 GEMMs of the block: M_p = U_p · V_p.
                for (int p = 0; p < P; p++) {
                    Gemm.gemm(rows, nt, c, ws, u + p * uPlane(rows, c), c, ws, v + p * vPlane(c, tb), tb + L, ws,
                            mt + p * mPlane(rows, tb), tb, false, null);
                }
                output(ws, mt, rows, tb, g, tt, nt, y, yOff + rr * g.oh() * g.ow(), e, eRow0 + rr, ws, ragged);
            }
        }
    }

    /**
     * U[p][i][ch] = (G g Gᵀ)[p] for filter row i's c filters, {@code g[ch]} the 3×3 at
     * {@code off + 9·ch} of {@code w}: G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]. Lanes over channels; {@code st}
     * holds [9][c] floats. U is {@code [16][rows][c]}.
     */
    static void filters(float[] w, int off, int c, float[] u, int uOff, int i, int rows, float[] st, int so) {
        // The row's [c][9] taps to [9][c] first, all of them, so the vector loads below read
        // stores long retired (transposing L filters at a time stalled every load on its 16
        // scalar stores; nine 16-lane gathers were slower still). Sixteen channels at a time in
        // registers where sixteen vectors of the row can be loaded, the rest one channel at a time.
        int ch = 0;
        if (transposeInRegisters) {
            for (int q = off; ch + L <= c && q + 9 * (L - 1) + L <= w.length; ch += L, q += 9 * L) {
                transposeTaps(w, null, q, st, so + ch, c);
            }
        }
        for (int q = off + 9 * ch; ch < c; ch++, q += 9) {
            st[so + ch] = w[q];
            st[so + c + ch] = w[q + 1];
            st[so + 2 * c + ch] = w[q + 2];
            st[so + 3 * c + ch] = w[q + 3];
            st[so + 4 * c + ch] = w[q + 4];
            st[so + 5 * c + ch] = w[q + 5];
            st[so + 6 * c + ch] = w[q + 6];
            st[so + 7 * c + ch] = w[q + 7];
            st[so + 8 * c + ch] = w[q + 8];
        }
        transform(c, u, uOff, i, rows, st, so);
    }

    /**
     * {@link #filters} with the row's filters in a segment of little-endian floats (a mapped
     * weights file) from byte {@code off}, read by the transposition itself: copying the row out
     * of the mapping first, then transposing the copy, was a pass of its own over the weights,
     * which come from memory (ResNet152's 35 Winograd layers at 16×16, one thread: 75.6–78.0 →
     * 73.8–75.8 ms; docs/kernels-benchmarks.md, speed pass 16). A twin of the float[] loop above
     * rather than one loop over {@code MemorySegment.ofArray}: that wrapper is an object a call,
     * and the forward pass allocates nothing (AllocationFreeTest).
     */
    static void filters(MemorySegment w, long off, int c, float[] u, int uOff, int i, int rows, float[] st, int so) {
        int ch0 = 0;
        if (transposeInRegisters) {
            long size = w.byteSize();
            for (long q = off; ch0 + L <= c && q + 4L * (9 * (L - 1) + L) <= size; ch0 += L, q += 36L * L) {
                transposeTaps(null, w, q, st, so + ch0, c);
            }
        }
        for (long q = off + 36L * ch0, ch = ch0; ch < c; ch++, q += 9 * Float.BYTES) {
            int t = so + (int) ch;
            st[t] = w.get(LE_FLOAT, q);
            st[t + c] = w.get(LE_FLOAT, q + 4);
            st[t + 2 * c] = w.get(LE_FLOAT, q + 8);
            st[t + 3 * c] = w.get(LE_FLOAT, q + 12);
            st[t + 4 * c] = w.get(LE_FLOAT, q + 16);
            st[t + 5 * c] = w.get(LE_FLOAT, q + 20);
            st[t + 6 * c] = w.get(LE_FLOAT, q + 24);
            st[t + 7 * c] = w.get(LE_FLOAT, q + 28);
            st[t + 8 * c] = w.get(LE_FLOAT, q + 32);
        }
        transform(c, u, uOff, i, rows, st, so);
    }

    /**
     * {@code -Dvessels.winograd.transposeInRegisters=false}: the filter rows' taps transposed one
     * channel at a time, nine scalar loads and nine scalar stores a filter (A/B runs); off too where
     * a vector is not 16 lanes (the transpose is 16 × 16). Not final: WinogradTest runs both ways.
     */
    static boolean transposeInRegisters = !"false".equals(System.getProperty("vessels.winograd.transposeInRegisters")) && L == 16;

    /**
     * {@code -Dvessels.winograd.pairedRows=false}: the input and output transforms one tile row a
     * vector even where a row is half a vector of tiles (A/B runs). Not final: WinogradTest runs
     * both ways.
     */
    static boolean pairedRows = !"false".equals(System.getProperty("vessels.winograd.pairedRows"));

    /*
     * Lane indices (selectFrom: 0-15 the first vector, 16-31 the second) that swap bit k of the row
     * number with bit k of the lane number between two rows a (bit k clear) and b (bit k set):
     * SWAP_LO[k] gives the new row a (lane l: a[l] where l's bit k is clear, else b[l ^ 2^k]),
     * SWAP_HI[k] the new row b (a[l | 2^k] where l's bit k is clear, else b[l]). The four swaps
     * transpose a 16 × 16 block.
     */
    private static final float[][] SWAP_LO = new float[4][], SWAP_HI = new float[4][];
    static {
        for (int k = 0; k < 4; k++) {
            int bit = 1 << k;
            SWAP_LO[k] = Gemm.laneIndices(l -> (l & bit) == 0 ? l : L + (l ^ bit));
            SWAP_HI[k] = Gemm.laneIndices(l -> (l & bit) == 0 ? l | bit : L + l);
        }
    }

    /** Sixteen floats at float {@code q} of {@code w}, or else at byte {@code q} of {@code seg} (little-endian). */
    private static FloatVector taps(float[] w, MemorySegment seg, long q) {
        return w != null ? FloatVector.fromArray(S, w, (int) q) : FloatVector.fromMemorySegment(S, seg, q, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Sixteen channels' taps, 9 floats apart from {@code q} (a float index of {@code w}, or a byte
     * offset of {@code seg} when {@code w} is null), to [9][16] at {@code st[d + t·c]}: channel j's
     * sixteen floats from its first tap loaded as row j (lanes 9-15 are what follows its taps),
     * then a 16 × 16 transpose by the four bit swaps, only those that feed taps 0-8 (16 + 12 + 10 +
     * 9 two-vector permutes, vpermt2ps, for the 144 scalar loads and 144 stores they replace).
     * Moves only: the same values. Vectors stay inside this method (one passed to a call that is
     * not inlined is boxed).
     */
    private static void transposeTaps(float[] w, MemorySegment seg, long q, float[] st, int d, int c) {
        long step = w != null ? 9 : 9 * Float.BYTES;
        FloatVector v0 = taps(w, seg, q), v1 = taps(w, seg, q + step), v2 = taps(w, seg, q + 2 * step);
        FloatVector v3 = taps(w, seg, q + 3 * step), v4 = taps(w, seg, q + 4 * step), v5 = taps(w, seg, q + 5 * step);
        FloatVector v6 = taps(w, seg, q + 6 * step), v7 = taps(w, seg, q + 7 * step), v8 = taps(w, seg, q + 8 * step);
        FloatVector v9 = taps(w, seg, q + 9 * step), v10 = taps(w, seg, q + 10 * step), v11 = taps(w, seg, q + 11 * step);
        FloatVector v12 = taps(w, seg, q + 12 * step), v13 = taps(w, seg, q + 13 * step), v14 = taps(w, seg, q + 14 * step);
        FloatVector v15 = taps(w, seg, q + 15 * step);
        FloatVector lo3 = FloatVector.fromArray(S, SWAP_LO[3], 0), hi3 = FloatVector.fromArray(S, SWAP_HI[3], 0);
        FloatVector lo2 = FloatVector.fromArray(S, SWAP_LO[2], 0), hi2 = FloatVector.fromArray(S, SWAP_HI[2], 0);
        FloatVector lo1 = FloatVector.fromArray(S, SWAP_LO[1], 0), hi1 = FloatVector.fromArray(S, SWAP_HI[1], 0);
        FloatVector lo0 = FloatVector.fromArray(S, SWAP_LO[0], 0), hi0 = FloatVector.fromArray(S, SWAP_HI[0], 0);
        // bit 3: rows r and r + 8, all sixteen kept
        FloatVector a0 = lo3.selectFrom(v0, v8), a8 = hi3.selectFrom(v0, v8);
        FloatVector a1 = lo3.selectFrom(v1, v9), a9 = hi3.selectFrom(v1, v9);
        FloatVector a2 = lo3.selectFrom(v2, v10), a10 = hi3.selectFrom(v2, v10);
        FloatVector a3 = lo3.selectFrom(v3, v11), a11 = hi3.selectFrom(v3, v11);
        FloatVector a4 = lo3.selectFrom(v4, v12), a12 = hi3.selectFrom(v4, v12);
        FloatVector a5 = lo3.selectFrom(v5, v13), a13 = hi3.selectFrom(v5, v13);
        FloatVector a6 = lo3.selectFrom(v6, v14), a14 = hi3.selectFrom(v6, v14);
        FloatVector a7 = lo3.selectFrom(v7, v15), a15 = hi3.selectFrom(v7, v15);
        // bit 2: rows r and r + 4; rows 0-11 feed taps 0-8
        FloatVector b0 = lo2.selectFrom(a0, a4), b4 = hi2.selectFrom(a0, a4);
        FloatVector b1 = lo2.selectFrom(a1, a5), b5 = hi2.selectFrom(a1, a5);
        FloatVector b2 = lo2.selectFrom(a2, a6), b6 = hi2.selectFrom(a2, a6);
        FloatVector b3 = lo2.selectFrom(a3, a7), b7 = hi2.selectFrom(a3, a7);
        FloatVector b8 = lo2.selectFrom(a8, a12), b9 = lo2.selectFrom(a9, a13);
        FloatVector b10 = lo2.selectFrom(a10, a14), b11 = lo2.selectFrom(a11, a15);
        // bit 1: rows r and r + 2; rows 0-9
        FloatVector e0 = lo1.selectFrom(b0, b2), e2 = hi1.selectFrom(b0, b2);
        FloatVector e1 = lo1.selectFrom(b1, b3), e3 = hi1.selectFrom(b1, b3);
        FloatVector e4 = lo1.selectFrom(b4, b6), e6 = hi1.selectFrom(b4, b6);
        FloatVector e5 = lo1.selectFrom(b5, b7), e7 = hi1.selectFrom(b5, b7);
        FloatVector e8 = lo1.selectFrom(b8, b10), e9 = lo1.selectFrom(b9, b11);
        // bit 0: rows r and r + 1; rows 0-8 are the taps
        lo0.selectFrom(e0, e1).intoArray(st, d);
        hi0.selectFrom(e0, e1).intoArray(st, d + c);
        lo0.selectFrom(e2, e3).intoArray(st, d + 2 * c);
        hi0.selectFrom(e2, e3).intoArray(st, d + 3 * c);
        lo0.selectFrom(e4, e5).intoArray(st, d + 4 * c);
        hi0.selectFrom(e4, e5).intoArray(st, d + 5 * c);
        lo0.selectFrom(e6, e7).intoArray(st, d + 6 * c);
        hi0.selectFrom(e6, e7).intoArray(st, d + 7 * c);
        lo0.selectFrom(e8, e9).intoArray(st, d + 8 * c);
    }

    /** U[p][i][ch] from the row's taps, transposed to [9][c] at {@code so} of {@code st} (see {@link #filters}). */
    private static void transform(int c, float[] u, int uOff, int i, int rows, float[] st, int so) {
        int plane = uPlane(rows, c), base = uOff + i * c, ch = 0;
        for (; ch + L <= c; ch += L) {
            FloatVector g0 = FloatVector.fromArray(S, st, so + ch), g1 = FloatVector.fromArray(S, st, so + c + ch);
            FloatVector g2 = FloatVector.fromArray(S, st, so + 2 * c + ch), g3 = FloatVector.fromArray(S, st, so + 3 * c + ch);
            FloatVector g4 = FloatVector.fromArray(S, st, so + 4 * c + ch), g5 = FloatVector.fromArray(S, st, so + 5 * c + ch);
            FloatVector g6 = FloatVector.fromArray(S, st, so + 6 * c + ch), g7 = FloatVector.fromArray(S, st, so + 7 * c + ch);
            FloatVector g8 = FloatVector.fromArray(S, st, so + 8 * c + ch);
            // t = G g (4×3), column by column.
            FloatVector t10 = g0.add(g3).add(g6).mul(.5f), t11 = g1.add(g4).add(g7).mul(.5f), t12 = g2.add(g5).add(g8).mul(.5f);
            FloatVector t20 = g0.sub(g3).add(g6).mul(.5f), t21 = g1.sub(g4).add(g7).mul(.5f), t22 = g2.sub(g5).add(g8).mul(.5f);
            // t Gᵀ, row by row, each to four planes (written out: C2 does not inline a helper this
            // large into a method this large, and a vector passed to a call is boxed).
            int d = base + ch;
            g0.intoArray(u, d);
            g0.add(g1).add(g2).mul(.5f).intoArray(u, d + plane);
            g0.sub(g1).add(g2).mul(.5f).intoArray(u, d + 2 * plane);
            g2.intoArray(u, d + 3 * plane);
            d += 4 * plane;
            t10.intoArray(u, d);
            t10.add(t11).add(t12).mul(.5f).intoArray(u, d + plane);
            t10.sub(t11).add(t12).mul(.5f).intoArray(u, d + 2 * plane);
            t12.intoArray(u, d + 3 * plane);
            d += 4 * plane;
            t20.intoArray(u, d);
            t20.add(t21).add(t22).mul(.5f).intoArray(u, d + plane);
            t20.sub(t21).add(t22).mul(.5f).intoArray(u, d + 2 * plane);
            t22.intoArray(u, d + 3 * plane);
            d += 4 * plane;
            g6.intoArray(u, d);
            g6.add(g7).add(g8).mul(.5f).intoArray(u, d + plane);
            g6.sub(g7).add(g8).mul(.5f).intoArray(u, d + 2 * plane);
            g8.intoArray(u, d + 3 * plane);
        }
        for (; ch < c; ch++) { // the same operations, one channel at a time
            int d = base + ch;
            for (int r = 0; r < 4; r++) {
                float x0, x1, x2;
                if (r == 0 || r == 3) {
                    int q = r == 0 ? 0 : 6;
                    x0 = st[so + q * c + ch];
                    x1 = st[so + (q + 1) * c + ch];
                    x2 = st[so + (q + 2) * c + ch];
                } else { // g0 ± g3 + g6: the vector path's add or sub, then the add
                    float a0 = st[so + ch], a1 = st[so + c + ch], a2 = st[so + 2 * c + ch];
                    float b0 = st[so + 3 * c + ch], b1 = st[so + 4 * c + ch], b2 = st[so + 5 * c + ch];
                    x0 = ((r == 1 ? a0 + b0 : a0 - b0) + st[so + 6 * c + ch]) * .5f;
                    x1 = ((r == 1 ? a1 + b1 : a1 - b1) + st[so + 7 * c + ch]) * .5f;
                    x2 = ((r == 1 ? a2 + b2 : a2 - b2) + st[so + 8 * c + ch]) * .5f;
                }
                int e = d + 4 * r * plane;
                u[e] = x0;
                u[e + plane] = (x0 + x1 + x2) * .5f;
                u[e + 2 * plane] = (x0 - x1 + x2) * .5f;
                u[e + 3 * plane] = x2;
            }
        }
    }

    /*
     * Lane indices for selectFrom (Gemm.laneIndices): one two-vector permute each, where
     * rearrange(shuffle, second) is two and a blend; with it the output transform took 0.098 ms
     * instead of 0.060 (256 × 256 at 16×16, one thread), the input transform about the same.
     */
    private static final float[] EVEN_IDX = Gemm.EVEN_LANES, ODD_IDX = Gemm.laneIndices(l -> 2 * l + 1);
    private static final float[] ZIP_LO_IDX = Gemm.laneIndices(l -> (l & 1) == 0 ? l / 2 : L + l / 2);
    private static final float[] ZIP_HI_IDX = Gemm.laneIndices(l -> (l & 1) == 0 ? L / 2 + l / 2 : L + L / 2 + l / 2);

    /**
     * V[p][ch][t − tt] = (Bᵀ d B)[p] for tiles [tt, tt + nt) of channels [ch0, ch1), d the 4×4 patch at
     * input rows 2ty−ph … 2ty−ph+3, columns 2tx−pw … 2tx−pw+3 (zero outside the image): Bᵀ = [1 0 −1 0;
     * 0 1 1 0; 0 −1 1 0; 0 1 0 −1]. Lanes over the tiles of one tile row: a tile's four columns are
     * the even and odd lanes of two vectors of the row, and of two more two columns on. V is {@code [16][c][tb + L]}.
     */
    static void input(float[] im, int imOff, ConvGeometry g, int tt, int nt, int ch0, int ch1, float[] v, int vOff, int tb,
                      float[] buf, int bo) {
        int c = g.c(), h = g.h(), w = g.w(), tw = (g.ow() + 1) / 2, ld = tb + L, plane = vPlane(c, tb), wp = paddedWidth(w);
        int ty0 = tt / tw, ty1 = (tt + nt - 1) / tw, ph = g.ph(), pw = g.pw();
        // The patch rows of these tile rows, [2·ty0 − ph, 2·ty1 + 4 − ph), copied per channel to buf with a
        // zero column before and zeros after (wp floats a row), so every vector below reads in
        // place: one copy a row per channel, where copying each tile row's four patch rows at the
        // image's edges cost a quarter of the layer (256 channels, 16×16). The pad columns and the
        // rows outside the image are zeroed once for all channels (the buffer may hold anything).
        int rBase = 2 * ty0 - ph, rLast = 2 * ty1 + 4 - ph; // buf's rows: [rBase, rLast), the patch rows of these tile rows
        for (int r = rBase; r < rLast; r++) {
            int row = bo + (r - rBase) * wp;
            if (r < 0 || r >= h) {
                java.util.Arrays.fill(buf, row, row + wp, 0f); // outside the image: zeros
            } else {
                buf[row] = 0f;
                java.util.Arrays.fill(buf, row + 1 + w, row + wp, 0f);
            }
        }
        int rFirst = Math.max(0, rBase), rEnd = Math.min(h, rLast);
        FloatVector even = FloatVector.fromArray(S, EVEN_IDX, 0), odd = FloatVector.fromArray(S, ODD_IDX, 0);
        for (int ch = ch0; ch < ch1; ch++) {
            int src = imOff + ch * h * w;
            for (int r = rFirst; r < rEnd; r++) System.arraycopy(im, src + r * w, buf, bo + (r - rBase) * wp + 1, w);
            for (int ty = ty0; ty <= ty1; ty++) {
                int a = ty == ty0 ? tt - ty * tw : 0, b = ty == ty1 ? tt + nt - ty * tw : tw; // tiles [a, b) of this row
                int d = vOff + ch * ld + ty * tw + a - tt;
                // Rows of half a vector of tiles (16×16 maps: 8), whole, two at a time: lanes 0-7 this
                // row's tiles, 8-15 the next row's, which follow them in V; the second of each pair of
                // loads is then two patch rows down instead of a vector to the right.
                boolean pair = pairedRows && 2 * tw == L && a == 0 && ty < ty1 && tt + nt >= (ty + 2) * tw;
                int second = pair ? 2 * wp : L, end = pair ? 1 : b - a;
                // Lane l of the vectors for tiles x = a + xr … reads columns 2a − pw + 2·xr + l + {0, L, 2, L + 2}
                // of patch rows 2·ty − ph … 2·ty − ph + 3: buf's column 2a + 1 − pw + 2·xr + l + {…} (its
                // column 0 is the zero before the row; paddedWidth: the reach).
                int o0 = bo + 2 * (ty - ty0) * wp + 2 * a + 1 - pw, o1 = o0 + wp, o2 = o1 + wp, o3 = o2 + wp;
                // Whole vectors: lanes past tile b compute from the pixels (or zeros) beyond and land
                // past this row's tiles, where the next row's (stored later) or the padding are.
                for (int xr = 0; xr < end; xr += L, d += L) {
                    // x_rj: row r, column j of each lane's patch (columns 2x−1, 2x, 2x+1, 2x+2): the
                    // even and odd lanes of two neighbouring vectors of the row, and of two more two
                    // columns on. Everything is written out in this one method, without branches:
                    // C2 boxes vectors passed to a call it does not inline (and does not inline
                    // into a method this size).
                    int col = 2 * xr, o = o0 + col;
                    FloatVector p = FloatVector.fromArray(S, buf, o), q = FloatVector.fromArray(S, buf, o + second);
                    FloatVector p2 = FloatVector.fromArray(S, buf, o + 2), q2 = FloatVector.fromArray(S, buf, o + 2 + second);
                    FloatVector x00 = even.selectFrom(p, q), x01 = odd.selectFrom(p, q);
                    FloatVector x02 = even.selectFrom(p2, q2), x03 = odd.selectFrom(p2, q2);
                    o = o1 + col;
                    p = FloatVector.fromArray(S, buf, o);
                    q = FloatVector.fromArray(S, buf, o + second);
                    p2 = FloatVector.fromArray(S, buf, o + 2);
                    q2 = FloatVector.fromArray(S, buf, o + 2 + second);
                    FloatVector x10 = even.selectFrom(p, q), x11 = odd.selectFrom(p, q);
                    FloatVector x12 = even.selectFrom(p2, q2), x13 = odd.selectFrom(p2, q2);
                    o = o2 + col;
                    p = FloatVector.fromArray(S, buf, o);
                    q = FloatVector.fromArray(S, buf, o + second);
                    p2 = FloatVector.fromArray(S, buf, o + 2);
                    q2 = FloatVector.fromArray(S, buf, o + 2 + second);
                    FloatVector x20 = even.selectFrom(p, q), x21 = odd.selectFrom(p, q);
                    FloatVector x22 = even.selectFrom(p2, q2), x23 = odd.selectFrom(p2, q2);
                    o = o3 + col;
                    p = FloatVector.fromArray(S, buf, o);
                    q = FloatVector.fromArray(S, buf, o + second);
                    p2 = FloatVector.fromArray(S, buf, o + 2);
                    q2 = FloatVector.fromArray(S, buf, o + 2 + second);
                    FloatVector x30 = even.selectFrom(p, q), x31 = odd.selectFrom(p, q);
                    FloatVector x32 = even.selectFrom(p2, q2), x33 = odd.selectFrom(p2, q2);
                    // Bᵀ d: rows; then (…) B: columns, each to its plane.
                    FloatVector s0 = x00.sub(x20), s1 = x01.sub(x21), s2 = x02.sub(x22), s3 = x03.sub(x23);
                    int e = d;
                    s0.sub(s2).intoArray(v, e);
                    s1.add(s2).intoArray(v, e + plane);
                    s2.sub(s1).intoArray(v, e + 2 * plane);
                    s1.sub(s3).intoArray(v, e + 3 * plane);
                    s0 = x10.add(x20);
                    s1 = x11.add(x21);
                    s2 = x12.add(x22);
                    s3 = x13.add(x23);
                    e += 4 * plane;
                    s0.sub(s2).intoArray(v, e);
                    s1.add(s2).intoArray(v, e + plane);
                    s2.sub(s1).intoArray(v, e + 2 * plane);
                    s1.sub(s3).intoArray(v, e + 3 * plane);
                    s0 = x20.sub(x10);
                    s1 = x21.sub(x11);
                    s2 = x22.sub(x12);
                    s3 = x23.sub(x13);
                    e += 4 * plane;
                    s0.sub(s2).intoArray(v, e);
                    s1.add(s2).intoArray(v, e + plane);
                    s2.sub(s1).intoArray(v, e + 2 * plane);
                    s1.sub(s3).intoArray(v, e + 3 * plane);
                    s0 = x10.sub(x30);
                    s1 = x11.sub(x31);
                    s2 = x12.sub(x32);
                    s3 = x13.sub(x33);
                    e += 4 * plane;
                    s0.sub(s2).intoArray(v, e);
                    s1.add(s2).intoArray(v, e + plane);
                    s2.sub(s1).intoArray(v, e + 2 * plane);
                    s1.sub(s3).intoArray(v, e + 3 * plane);
                }
                if (pair) ty++;
            }
        }
    }


    /**
     * y = Aᵀ M A for tiles [tt, tt + nt) of every row, Aᵀ = [1 1 1 0; 0 1 −1 −1], written to the
     * output (row i at {@code yOff + i·oh·ow}, cut at its edges), then the epilogue on each finished
     * run of output. M is {@code [16][rows][tb]}.
     */
    static void output(float[] mt, int mOff, int rows, int tb, ConvGeometry g, int tt, int nt, float[] y, int yOff,
                       Epilogue e, int eRow0, float[] ragged, int ro) {
        int h = g.oh(), w = g.ow(), tw = (w + 1) / 2, hw = h * w, plane = mPlane(rows, tb);
        int ty0 = tt / tw, ty1 = (tt + nt - 1) / tw;
        FloatVector zipLo = FloatVector.fromArray(S, ZIP_LO_IDX, 0), zipHi = FloatVector.fromArray(S, ZIP_HI_IDX, 0);
        for (int i = 0; i < rows; i++) {
            int yo = yOff + i * hw;
            for (int ty = ty0; ty <= ty1; ty++) {
                int a = ty == ty0 ? tt - ty * tw : 0, b = ty == ty1 ? tt + nt - ty * tw : tw;
                int s = mOff + i * tb + ty * tw + a - tt;
                int y0 = yo + 2 * ty * w, y1 = y0 + w;
                boolean second = 2 * ty + 1 < h;
                int end = Math.min(w, 2 * b); // this block's last output column of the row, + 1
                // Rows of L output columns (16×16 maps), whole, two tile rows at a time: lanes 0-7
                // this tile row's, 8-15 the next one's (they follow in M), so the upper half of each
                // zipped pair of vectors goes two output rows down instead of L columns right.
                boolean pair = pairedRows && w == L && a == 0 && ty < ty1 && tt + nt >= (ty + 2) * tw && 2 * ty + 3 < h;
                int down = 2 * w; // from output row 2·ty (+1) to 2·ty + 2 (+1)
                for (int x = a; x < b; x += L, s += L) { // lanes past tile b: stale sums, never stored
                    FloatVector m0 = FloatVector.fromArray(S, mt, s), m1 = FloatVector.fromArray(S, mt, s + plane);
                    FloatVector m2 = FloatVector.fromArray(S, mt, s + 2 * plane), m3 = FloatVector.fromArray(S, mt, s + 3 * plane);
                    FloatVector m4 = FloatVector.fromArray(S, mt, s + 4 * plane), m5 = FloatVector.fromArray(S, mt, s + 5 * plane);
                    FloatVector m6 = FloatVector.fromArray(S, mt, s + 6 * plane), m7 = FloatVector.fromArray(S, mt, s + 7 * plane);
                    FloatVector m8 = FloatVector.fromArray(S, mt, s + 8 * plane), m9 = FloatVector.fromArray(S, mt, s + 9 * plane);
                    FloatVector ma = FloatVector.fromArray(S, mt, s + 10 * plane), mb = FloatVector.fromArray(S, mt, s + 11 * plane);
                    FloatVector mc = FloatVector.fromArray(S, mt, s + 12 * plane), md = FloatVector.fromArray(S, mt, s + 13 * plane);
                    FloatVector me = FloatVector.fromArray(S, mt, s + 14 * plane), mf = FloatVector.fromArray(S, mt, s + 15 * plane);
                    // Aᵀ M: two rows of four.
                    FloatVector r00 = m0.add(m4).add(m8), r01 = m1.add(m5).add(m9), r02 = m2.add(m6).add(ma), r03 = m3.add(m7).add(mb);
                    FloatVector r10 = m4.sub(m8).sub(mc), r11 = m5.sub(m9).sub(md), r12 = m6.sub(ma).sub(me), r13 = m7.sub(mb).sub(mf);
                    // (…) A: columns; the even and odd output columns interleaved, cut at column end.
                    int col = 2 * x;
                    FloatVector ev = r00.add(r01).add(r02), od = r01.sub(r02).sub(r03);
                    FloatVector lo = zipLo.selectFrom(ev, od), hi = zipHi.selectFrom(ev, od);
                    // A ragged end goes through a buffer: masked stores are not compiled as such here.
                    int left = end - col; // columns of this row still to write, ≥ 1
                    if (pair) {
                        lo.intoArray(y, y0 + col);
                        hi.intoArray(y, y0 + down + col);
                    } else if (left >= 2 * L) {
                        lo.intoArray(y, y0 + col);
                        hi.intoArray(y, y0 + col + L);
                    } else if (left >= L) {
                        lo.intoArray(y, y0 + col);
                        hi.intoArray(ragged, ro);
                        System.arraycopy(ragged, ro, y, y0 + col + L, left - L);
                    } else {
                        lo.intoArray(ragged, ro);
                        System.arraycopy(ragged, ro, y, y0 + col, left);
                    }
                    if (second) {
                        ev = r10.add(r11).add(r12);
                        od = r11.sub(r12).sub(r13);
                        lo = zipLo.selectFrom(ev, od);
                        hi = zipHi.selectFrom(ev, od);
                        if (pair) {
                            lo.intoArray(y, y1 + col);
                            hi.intoArray(y, y1 + down + col);
                        } else if (left >= 2 * L) {
                            lo.intoArray(y, y1 + col);
                            hi.intoArray(y, y1 + col + L);
                        } else if (left >= L) {
                            lo.intoArray(y, y1 + col);
                            hi.intoArray(ragged, ro);
                            System.arraycopy(ragged, ro, y, y1 + col + L, left - L);
                        } else {
                            lo.intoArray(ragged, ro);
                            System.arraycopy(ragged, ro, y, y1 + col, left);
                        }
                    }
                }
                if (e != null) {
                    int c0 = 2 * a, n = Math.min(w, 2 * b) - c0;
                    e.applyRow(y, y0 + c0, eRow0 + i, n);
                    if (second) e.applyRow(y, y1 + c0, eRow0 + i, n);
                    if (pair) {
                        e.applyRow(y, y0 + down, eRow0 + i, w);
                        e.applyRow(y, y1 + down, eRow0 + i, w);
                    }
                }
                if (pair) ty++;
            }
        }
    }

}
