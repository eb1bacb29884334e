package dev.vessels.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

import dev.vessels.core.exec.Parallel;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import org.junit.jupiter.api.Test;

class GemmTest {
    private static final Parallel TWO = new Parallel(2);

    @AfterContainer
    static void closePool() {
        TWO.close();
    }

    /** A random problem laid out in larger arrays with offsets and leading dimensions > width. */
    record Problem(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff,
                   int ldc) {
        static Problem random(long seed, int m, int n, int k, int padA, int padB, int padC) {
            Random r = new Random(seed);
            int lda = k + padA, ldb = n + padB, ldc = n + padC;
            int aOff = r.nextInt(7), bOff = r.nextInt(7), cOff = r.nextInt(7);
            float[] a = fill(r, aOff + m * lda + 3), b = fill(r, bOff + k * ldb + 3), c = fill(r, cOff + m * ldc + 3);
            return new Problem(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        }

        float[] run(boolean accumulate, Parallel par) {
            float[] out = c.clone();
            Gemm.gemm(m, n, k, a, aOff, lda, b, bOff, ldb, out, cOff, ldc, accumulate, par);
            return out;
        }

        float[] plain(boolean accumulate) {
            float[] out = c.clone();
            Gemm.gemmPlain(m, n, k, a, aOff, lda, b, bOff, ldb, out, cOff, ldc, accumulate);
            return out;
        }

        /** Checks fast against plain: within 1e-5 of Σ|a||b| (+|c|) inside C, untouched outside it. */
        void assertMatches(float[] fast, float[] ref, boolean accumulate) {
            for (int idx = 0; idx < c.length; idx++) {
                int rel = idx - cOff;
                int i = Math.floorDiv(rel, ldc), j = Math.floorMod(rel, ldc);
                boolean inside = rel >= 0 && i < m && j < n;
                if (!inside) {
                    assertThat(fast[idx]).as("element %d outside C must be untouched", idx).isEqualTo(c[idx]);
                    continue;
                }
                double mag = accumulate ? Math.abs(c[idx]) : 0;
                for (int p = 0; p < k; p++) mag += Math.abs(a[aOff + i * lda + p] * b[bOff + p * ldb + j]);
                assertThat((double) fast[idx]).as("C[%d][%d] of %dx%dx%d", i, j, m, n, k)
                        .isCloseTo(ref[idx], org.assertj.core.data.Offset.offset(1e-5 * mag + 1e-30));
            }
        }
    }

    static float[] fill(Random r, int len) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) x[i] = r.nextFloat() * 2 - 1;
        return x;
    }

    @Property(tries = 150)
    void fastMatchesPlain(@ForAll @IntRange(min = 1, max = 40) int m, @ForAll @IntRange(min = 1, max = 90) int n,
                          @ForAll @IntRange(min = 1, max = 600) int k, @ForAll @IntRange(min = 0, max = 5) int padA,
                          @ForAll @IntRange(min = 0, max = 5) int padB, @ForAll @IntRange(min = 0, max = 5) int padC,
                          @ForAll boolean accumulate, @ForAll boolean twoThreads, @ForAll long seed) {
        Problem pr = Problem.random(seed, m, n, k, padA, padB, padC);
        pr.assertMatches(pr.run(accumulate, twoThreads ? TWO : Parallel.SERIAL), pr.plain(accumulate), accumulate);
    }

    /**
     * Every GEMM path's arithmetic for C[i][j]: FMAs in p order within each K block, the blocks'
     * sums added in order (onto C when accumulating). In place on {@code c}.
     */
    static void chain(int m, int n, int k, float[] a, int lda, float[] b, int ldb, float[] c, int ldc, boolean accumulate) {
        int kb = Gemm.kBlocks(k);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = accumulate ? c[i * ldc + j] : 0f;
                for (int q = 0; q < kb; q++) {
                    float s = 0f;
                    for (int p = Gemm.kBlockStart(k, q); p < Gemm.kBlockStart(k, q + 1); p++) s = Math.fma(a[i * lda + p], b[p * ldb + j], s);
                    acc = q == 0 && !accumulate ? s : acc + s;
                }
                c[i * ldc + j] = acc;
            }
        }
    }

    @Property(tries = 60)
    void convolutionsOfMapsUnderAVectorFollowTheChain(@ForAll @IntRange(min = 1, max = 70) int m,
                                                      @ForAll @IntRange(min = 1, max = 700) int channels,
                                                      @ForAll @IntRange(min = 1, max = 3) int side,
                                                      @ForAll boolean pointwise, @ForAll boolean twoThreads, @ForAll long seed) {
        // Maps of 1..9 outputs (fewer than a vector), 1x1 and 3x3 pad 1, through the packed panels:
        // the chain's bits, the same the narrow GEMM gives the pointwise layers the executor runs
        // as a GEMM on the image itself.
        int ks = pointwise ? 1 : 3, pad = pointwise ? 0 : 1;
        ConvGeometry g = new ConvGeometry(channels, side, side, ks, ks, 1, 1, pad, pad, side, side);
        Random r = new Random(seed);
        int k = g.k(), n = g.n();
        float[] a = fill(r, m * k), im = fill(r, channels * side * side), c = new float[m * n], want = new float[m * n];
        Gemm.conv(m, a, 0, k, g, im, 0, c, 0, n, false, twoThreads ? TWO : Parallel.SERIAL);
        float[] cols = new float[k * n];
        Im2col.im2colPlain(im, 0, channels, side, side, ks, ks, 1, 1, pad, pad, side, side, cols, 0);
        chain(m, n, k, a, k, cols, n, want, n, false);
        for (int i = 0; i < c.length; i++) {
            assertThat(Float.floatToIntBits(c[i])).as("element %d", i).isEqualTo(Float.floatToIntBits(want[i]));
        }
    }

    @Property(tries = 40)
    void sharedBIsTheSerialResultBitForBit(@ForAll @IntRange(min = 64, max = 300) int m, @ForAll @IntRange(min = 8, max = 40) int c,
                                          @ForAll @IntRange(min = 8, max = 20) int side, @ForAll boolean conv,
                                          @ForAll boolean accumulate, @ForAll boolean overlapped, @ForAll long seed) {
        // Both schedules: overlapped (the default) and one barrier per block (the A/B fallback).
        // The shared B is off by default (Gemm.sharedBOn): turned on here, as -Dvessels.gemm.sharedB=true does.
        boolean was = Gemm.sharedBOverlap, wasOn = Gemm.sharedBOn;
        Gemm.sharedBOverlap = overlapped;
        Gemm.sharedBOn = true;
        try {
            sharedBAgainstOneThread(m, c, side, conv, accumulate, seed);
        } finally {
            Gemm.sharedBOverlap = was;
            Gemm.sharedBOn = wasOn;
        }
    }

    private static void sharedBAgainstOneThread(int m, int c, int side, boolean conv, boolean accumulate, long seed) {
        // Two threads packing each B block together (half each, one barrier per block) against one
        // thread: the same bits, as a 3x3 convolution (im2col packing) or a plain GEMM (packB), the
        // rows split on panel boundaries (M not a multiple of 8 included). The ranges are where the
        // estimate picks the shared B (about three quarters of them; the assumptions drop the rest).
        ConvGeometry g = new ConvGeometry(c * 8, side, side, 3, 3, 1, 1, 1, 1, side, side);
        int k = g.k(), n = g.n();
        Assume.that((long) m * n * k >= 1 << 20); // smaller ones run on one thread
        Assume.that(Gemm.sharedB(m, n, k, Gemm.kBlocks(k), (n + Gemm.NR - 1) / Gemm.NR, (m + Gemm.MR - 1) / Gemm.MR, conv));
        Random r = new Random(seed);
        float[] a = fill(r, m * k), b = fill(r, conv ? c * 8 * side * side : k * n), c0 = fill(r, m * n);
        float[] one = c0.clone(), two = c0.clone();
        long before = Gemm.SHARED_B_RUNS.get();
        if (conv) {
            Gemm.conv(m, a, 0, k, g, b, 0, one, 0, n, accumulate, Parallel.SERIAL);
            Gemm.conv(m, a, 0, k, g, b, 0, two, 0, n, accumulate, TWO);
        } else {
            Gemm.gemm(m, n, k, a, 0, k, b, 0, n, one, 0, n, accumulate, Parallel.SERIAL);
            Gemm.gemm(m, n, k, a, 0, k, b, 0, n, two, 0, n, accumulate, TWO);
        }
        assertThat(Gemm.SHARED_B_RUNS.get()).as("the shared-B path ran").isGreaterThan(before);
        assertThat(two).isEqualTo(one);
    }

    @org.junit.jupiter.api.Test
    void sharedBIsChosenForResNetsHotConvolutions() {
        // ResNet152's 3x3 convolutions at 16x16 (M=256, K=2304, N=256) and its 1x1 reductions there
        // (M=256, K=1024): the split where each thread packs half of A and half of B.
        assertThat(Gemm.sharedB(256, 256, 2304, Gemm.kBlocks(2304), 8, 32, true)).isTrue();
        assertThat(Gemm.sharedB(256, 256, 1024, Gemm.kBlocks(1024), 8, 32, false)).isTrue();
        // A single row panel cannot be split by rows.
        assertThat(Gemm.sharedB(8, 4096, 576, Gemm.kBlocks(576), 128, 1, true)).isFalse();
    }

    @org.junit.jupiter.api.Test
    void aFailingPartReleasesTheOtherFromTheBarrier() {
        // Part 0 fails before its first barrier; part 1, waiting there, must give up rather than
        // hang the prediction (and the failure reaches the caller).
        Gemm.Pair pair = new Gemm.Pair();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TWO.forEachPartTogether(t -> {
            try {
                if (t == 0) throw new IllegalArgumentException("boom");
                pair.await(t);
            } catch (RuntimeException x) {
                pair.aborted = true;
                throw x;
            }
        })).isInstanceOf(RuntimeException.class);
    }

    @org.junit.jupiter.api.Test
    void aFailingPartReleasesTheOtherFromTheOverlappedWait() {
        // The overlapped shared B waits on the other part's progress instead of a barrier: part 0
        // fails before packing anything; part 1, waiting for its first block, must give up.
        Gemm.Pair pair = new Gemm.Pair();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TWO.forEachPartTogether(t -> {
            try {
                if (t == 0) throw new IllegalArgumentException("boom");
                pair.awaitProgress(0, 1);
            } catch (RuntimeException x) {
                pair.aborted = true;
                throw x;
            }
        })).isInstanceOf(RuntimeException.class);
    }

    @Property(tries = 120)
    void narrowColumnsKeepTheScalarChainOrderBitForBit(@ForAll @IntRange(min = 1, max = 70) int m,
                                                       @ForAll @IntRange(min = 1, max = 15) int n,
                                                       @ForAll @IntRange(min = 1, max = 700) int k,
                                                       @ForAll @IntRange(min = 0, max = 5) int pad,
                                                       @ForAll boolean accumulate, @ForAll boolean twoThreads, @ForAll long seed) {
        // Fewer columns than a vector (the last 1x1 convolution of ResNeXt152 and Darknet53: N = 1):
        // whether rows go eight at a time (eight interleaved chains) or one by one, every output must be the
        // chain below, bit for bit: FMAs in p order within each K block, blocks added in order.
        Random r = new Random(seed);
        int lda = k + pad, ldb = n + pad, ldc = n + pad;
        float[] a = fill(r, m * lda), b = fill(r, k * ldb), c = fill(r, m * ldc), want = c.clone();
        Gemm.gemm(m, n, k, a, 0, lda, b, 0, ldb, c, 0, ldc, accumulate, twoThreads ? TWO : Parallel.SERIAL);
        chain(m, n, k, a, lda, b, ldb, want, ldc, accumulate);
        for (int i = 0; i < c.length; i++) {
            assertThat(Float.floatToRawIntBits(c[i])).as("element %d", i).isEqualTo(Float.floatToRawIntBits(want[i]));
        }
    }

    /**
     * Packed A (N ≥ {@code DIRECT_A_MAX_N}) with every width of last panel: a narrow tile, a
     * {@code columnTail} of 1–12 columns alone or after a narrow tile's vector (N = 289: 17 × 17),
     * groups of four row blocks and fewer, several K blocks, one and two threads (each thread's
     * columns end in a last panel of their own): every element is the chain, bit for bit, and the
     * same bits with the tail switched off (the narrow tile for every last panel).
     */
    @Property(tries = 80)
    void packedLastPanelsOfEveryWidthFollowTheChain(@ForAll @IntRange(min = 1, max = 70) int m,
                                                   @ForAll @IntRange(min = 96, max = 420) int n,
                                                   @ForAll @IntRange(min = 1, max = 600) int k,
                                                   @ForAll boolean accumulate, @ForAll boolean twoThreads, @ForAll long seed) {
        Random r = new Random(seed);
        float[] a = fill(r, m * k), b = fill(r, k * n), c = fill(r, m * n), want = c.clone(), narrow = c.clone();
        Parallel par = twoThreads ? TWO : Parallel.SERIAL;
        float[] got = c.clone();
        Gemm.gemm(m, n, k, a, 0, k, b, 0, n, got, 0, n, accumulate, par);
        chain(m, n, k, a, k, b, n, want, n, accumulate);
        for (int i = 0; i < got.length; i++) {
            assertThat(Float.floatToRawIntBits(got[i])).as("element %d", i).isEqualTo(Float.floatToRawIntBits(want[i]));
        }
        boolean was = Gemm.columnTail;
        try {
            Gemm.columnTail = false;
            Gemm.gemm(m, n, k, a, 0, k, b, 0, n, narrow, 0, n, accumulate, par);
        } finally {
            Gemm.columnTail = was;
        }
        assertThat(narrow).isEqualTo(got);
    }

    @Property(tries = 40)
    void edgeSizes(@ForAll("edge") int m, @ForAll("edge") int n, @ForAll("edge") int k, @ForAll boolean accumulate,
                   @ForAll long seed) {
        Problem pr = Problem.random(seed, m, n, k, 1, 3, 2);
        pr.assertMatches(pr.run(accumulate, TWO), pr.plain(accumulate), accumulate);
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Integer> edge() {
        // 1, primes, one below/above the vector width, tile and block boundaries (MR, NR, KC).
        return net.jqwik.api.Arbitraries.of(1, 2, 3, 7, 8, 9, 13, 15, 16, 17, 31, 32, 33, 63, 64, 65, 97, 255, 256, 257);
    }

    @Test
    void blocksAcrossMcNcAndKc() {
        // Large enough for several MC, NC and KC blocks and ragged edges in each.
        Problem pr = Problem.random(7, 2 * Gemm.MC + 11, Gemm.NC + 3 * Gemm.NR + 5, 2 * Gemm.KC + 37, 4, 1, 9);
        for (boolean acc : new boolean[]{false, true}) {
            pr.assertMatches(pr.run(acc, Parallel.SERIAL), pr.plain(acc), acc);
            pr.assertMatches(pr.run(acc, TWO), pr.plain(acc), acc);
        }
    }

    @Test
    void twoThreadsAreBitIdenticalToOneAndAcrossRuns() {
        // Both split directions: wide (columns) and tall-narrow (rows).
        for (int[] s : new int[][]{{70, 700, 300}, {300, 49, 520}, {33, 17, 9}}) {
            Problem pr = Problem.random(s[0], s[0], s[1], s[2], 0, 0, 0);
            for (boolean acc : new boolean[]{false, true}) {
                float[] serial = pr.run(acc, Parallel.SERIAL);
                for (int run = 0; run < 5; run++) assertThat(pr.run(acc, TWO)).isEqualTo(serial);
            }
        }
    }

    @Property(tries = 30)
    void rowChunksGiveTheSameBitsAsOneCall(@ForAll @IntRange(min = 1, max = 50) int m,
                                           @ForAll @IntRange(min = 1, max = 70) int n,
                                           @ForAll @IntRange(min = 1, max = 700) int k,
                                           @ForAll @IntRange(min = 1, max = 13) int chunk, @ForAll long seed) {
        // The executor contract: weights may arrive in chunks of whole output rows.
        Problem pr = Problem.random(seed, m, n, k, 0, 0, 0);
        float[] whole = pr.run(false, Parallel.SERIAL);
        float[] pieces = pr.c().clone();
        for (int r0 = 0; r0 < m; r0 += chunk) {
            int rows = Math.min(chunk, m - r0);
            Gemm.gemm(rows, n, k, pr.a(), pr.aOff() + r0 * pr.lda(), pr.lda(), pr.b(), pr.bOff(), pr.ldb(), pieces,
                    pr.cOff() + r0 * pr.ldc(), pr.ldc(), false, TWO);
        }
        assertThat(pieces).isEqualTo(whole);
    }

    /**
     * The contract of serving weights by columns: K blocks [q0, q1) at a time, each range's columns
     * of A copied out into their own packed block (as the on-demand slot holds them), with the
     * epilogue, gives the bits of one call, for gemm and the fused conv, on one and two threads.
     */
    @Property(tries = 60)
    void kBlockRangesGiveTheSameBitsAsOneCall(@ForAll @IntRange(min = 1, max = 40) int m,
                                              @ForAll @IntRange(min = 16, max = 300) int n,
                                              @ForAll @IntRange(min = 1, max = 1300) int k,
                                              @ForAll @IntRange(min = 1, max = 6) int blocksPerPiece,
                                              @ForAll boolean accumulate, @ForAll boolean conv,
                                              @ForAll boolean twoThreads, @ForAll long seed) {
        Random r = new Random(seed);
        Parallel par = twoThreads ? TWO : Parallel.SERIAL;
        // conv: B is the im2col of a 1×(n+k−1) image under a 1×k kernel (K = k, N = n).
        ConvGeometry g = new ConvGeometry(1, 1, n + k - 1, 1, k, 1, 1, 0, 0, 1, n);
        float[] a = fill(r, m * k), b = conv ? fill(r, n + k - 1) : fill(r, k * n), c0 = fill(r, m * n + 2);
        float[] p = fill(r, m);
        Epilogue e = Epilogue.forThisThread().setBias(p, 0, m, dev.vessels.core.layers.Activation.LEAKY);
        float[] whole = c0.clone(), pieces = c0.clone();
        if (conv) {
            Gemm.conv(m, a, 0, k, g, b, 0, whole, 2, n, accumulate, par, e, 0);
        } else {
            Gemm.gemm(m, n, k, a, 0, k, b, 0, n, whole, 2, n, accumulate, par, e, 0);
        }
        int kb = Gemm.kBlocks(k);
        assertThat(Gemm.kBlockStart(k, 0)).isZero();
        assertThat(Gemm.kBlockStart(k, kb)).isEqualTo(k);
        for (int q0 = 0; q0 < kb; q0 += blocksPerPiece) {
            int q1 = Math.min(kb, q0 + blocksPerPiece);
            int c0l = Gemm.kBlockStart(k, q0), cols = Gemm.kBlockStart(k, q1) - c0l;
            float[] block = new float[3 + m * cols]; // the columns packed, rows cols apart, at offset 3
            for (int i = 0; i < m; i++) System.arraycopy(a, i * k + c0l, block, 3 + i * cols, cols);
            if (conv) {
                Gemm.convBlocks(m, q0, q1, block, 3, cols, g, b, 0, pieces, 2, n, accumulate, par, e, 0);
            } else {
                Gemm.gemmBlocks(m, n, k, q0, q1, block, 3, cols, b, 0, n, pieces, 2, n, accumulate, par, e, 0);
            }
        }
        assertThat(bits(pieces)).isEqualTo(bits(whole));
    }

    @Test
    void kBlockRangesOnALargeMapAcrossColumnBlocksAndThreadSplits() {
        // N = 4900 > NC (several jc blocks inside each range), and a tall A (rows split on two threads).
        for (int m : new int[]{37, 300}) {
            ConvGeometry g = new ConvGeometry(40, 70, 70, 3, 3, 1, 1, 1, 1, 70, 70);
            int k = g.k(), kb = Gemm.kBlocks(k);
            Random r = new Random(m);
            float[] im = fill(r, 40 * 70 * 70), a = fill(r, m * k);
            float[] whole = new float[m * g.n()], pieces = new float[m * g.n()];
            Gemm.conv(m, a, 0, k, g, im, 0, whole, 0, g.n(), false, TWO);
            for (int q = 0; q < kb; q++) { // one block at a time, A read in place (lda = k)
                Gemm.convBlocks(m, q, q + 1, a, Gemm.kBlockStart(k, q), k, g, im, 0, pieces, 0, g.n(), false, TWO, null, 0);
            }
            assertThat(bits(pieces)).as("m = %d", m).isEqualTo(bits(whole));
        }
    }

    @Test
    void kBlockRangesRejectNarrowMatricesAndBadRanges() {
        float[] x = new float[1000];
        assertThat(Gemm.servesKBlocks(15)).isFalse();
        assertThat(Gemm.servesKBlocks(16)).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> Gemm.gemmBlocks(2, 15, 10, 0, 1, x, 0, 10, x, 0, 15, x, 0, 15, false, Parallel.SERIAL, null, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("15 columns");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> Gemm.gemmBlocks(2, 16, 10, 0, 2, x, 0, 10, x, 0, 16, x, 0, 16, false, Parallel.SERIAL, null, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(1 blocks)");
    }

    static int[] bits(float[] f) {
        int[] r = new int[f.length];
        for (int i = 0; i < f.length; i++) r[i] = Float.floatToRawIntBits(f[i]);
        return r;
    }

    @Test
    void accumulateAddsToC() {
        Problem pr = Problem.random(3, 9, 40, 5, 0, 0, 0);
        float[] over = pr.run(false, Parallel.SERIAL);
        float[] acc = pr.run(true, Parallel.SERIAL);
        for (int i = 0; i < pr.m() * pr.n(); i++) {
            int idx = pr.cOff() + i;
            assertThat(acc[idx]).isCloseTo(pr.c()[idx] + over[idx], org.assertj.core.data.Offset.offset(1e-5f));
        }
        assertThat(Arrays.equals(over, acc)).isFalse();
    }

    @Test
    void zeroDepthOverwritesWithZerosOrLeavesC() {
        Problem pr = Problem.random(5, 4, 20, 1, 0, 0, 0);
        float[] c = pr.c().clone();
        Gemm.gemm(4, 20, 0, pr.a(), 0, 1, pr.b(), 0, 20, c, pr.cOff(), 20, true, Parallel.SERIAL);
        assertThat(c).isEqualTo(pr.c());
        Gemm.gemm(4, 20, 0, pr.a(), 0, 1, pr.b(), 0, 20, c, pr.cOff(), 20, false, Parallel.SERIAL);
        for (int i = 0; i < 80; i++) assertThat(c[pr.cOff() + i]).isZero();
    }

    @Property(tries = 120)
    void fusedConvIsBitIdenticalToIm2colThenGemm(@ForAll @IntRange(min = 1, max = 20) int m,
                                                 @ForAll @IntRange(min = 1, max = 5) int c,
                                                 @ForAll @IntRange(min = 1, max = 40) int h,
                                                 @ForAll @IntRange(min = 1, max = 40) int w,
                                                 @ForAll @IntRange(min = 1, max = 5) int kh,
                                                 @ForAll @IntRange(min = 1, max = 5) int kw,
                                                 @ForAll @IntRange(min = 1, max = 3) int sh,
                                                 @ForAll @IntRange(min = 1, max = 3) int sw,
                                                 @ForAll @IntRange(min = 0, max = 3) int ph,
                                                 @ForAll @IntRange(min = 0, max = 3) int pw,
                                                 @ForAll @IntRange(min = 0, max = 5) int imOff,
                                                 @ForAll boolean accumulate, @ForAll boolean twoThreads,
                                                 @ForAll long seed) {
        net.jqwik.api.Assume.that(h + 2 * ph >= kh && w + 2 * pw >= kw);
        int oh = (h + 2 * ph - kh) / sh + 1, ow = (w + 2 * pw - kw) / sw + 1;
        ConvGeometry g = new ConvGeometry(c, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
        int k = g.k(), n = g.n();
        Random r = new Random(seed);
        float[] im = fill(r, imOff + c * h * w + 2), a = fill(r, m * k), c0 = fill(r, m * n + 3);
        float[] col = new float[k * n];
        Im2col.im2colPlain(im, imOff, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, col, 0);
        Parallel par = twoThreads ? TWO : Parallel.SERIAL;
        float[] viaIm2col = c0.clone(), fused = c0.clone();
        Gemm.gemm(m, n, k, a, 0, k, col, 0, n, viaIm2col, 1, n, accumulate, par);
        Gemm.conv(m, a, 0, k, g, im, imOff, fused, 1, n, accumulate, par);
        assertThat(fused).isEqualTo(viaIm2col);
    }

    @Test
    void fusedConvOnALargeMapSpansSeveralColumnBlocks() {
        // 3×3 pad 1 over 8×70×70: N = 4900 > NC, K = 72, ragged last panel; both thread splits.
        ConvGeometry g = new ConvGeometry(8, 70, 70, 3, 3, 1, 1, 1, 1, 70, 70);
        Random r = new Random(11);
        float[] im = fill(r, 8 * 70 * 70), a = fill(r, 37 * g.k());
        float[] col = new float[g.k() * g.n()];
        Im2col.im2col(im, 0, 8, 70, 70, 3, 3, 1, 1, 1, 1, 70, 70, col, 0);
        float[] ref = new float[37 * g.n()], fused = new float[37 * g.n()], fused2 = new float[37 * g.n()];
        Gemm.gemmPlain(37, g.n(), g.k(), a, 0, g.k(), col, 0, g.n(), ref, 0, g.n(), false);
        Gemm.conv(37, a, 0, g.k(), g, im, 0, fused, 0, g.n(), false, Parallel.SERIAL);
        Gemm.conv(37, a, 0, g.k(), g, im, 0, fused2, 0, g.n(), false, TWO);
        assertThat(fused2).isEqualTo(fused);
        for (int i = 0; i < ref.length; i++) {
            assertThat(fused[i]).isCloseTo(ref[i], org.assertj.core.data.Offset.offset(1e-4f));
        }
    }

    /** {@code a} as little-endian floats in a native segment, its float 0 at float {@code at} of the segment. */
    static MemorySegment leSegment(Arena arena, float[] a, int at) {
        MemorySegment seg = arena.allocate((long) (at + a.length + 1) * Float.BYTES, Float.BYTES);
        MemorySegment.copy(a, 0, seg, LE, (long) at * Float.BYTES, a.length);
        return seg;
    }

    private static final ValueLayout.OfFloat LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static void assertSameBits(float[] actual, float[] expected) {
        assertThat(actual.length).isEqualTo(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat(Float.floatToRawIntBits(actual[i])).as("element %d", i).isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
    }

    /**
     * A read from a segment (a mapped weights file) gives bit for bit what the float[] GEMM and
     * fused conv give on the same values: below {@code DIRECT_A_MAX_N} columns the float[] path reads
     * A in place and the segment path packs it, so this checks that both kernels run the same FMA
     * chains; ragged M (not a multiple of MR) and K (not of KC, nor of the 16-column transpose), n
     * below one vector (the narrow path), both thread splits, with and without an epilogue.
     */
    @Property(tries = 150)
    void segmentAIsBitIdenticalToArrayA(@ForAll @IntRange(min = 1, max = 70) int m,
                                        @ForAll @IntRange(min = 1, max = 200) int n,
                                        @ForAll @IntRange(min = 1, max = 700) int k,
                                        @ForAll @IntRange(min = 0, max = 5) int padA,
                                        @ForAll @IntRange(min = 0, max = 9) int at,
                                        @ForAll boolean conv, @ForAll boolean accumulate, @ForAll boolean epilogue,
                                        @ForAll boolean twoThreads, @ForAll long seed) {
        Random r = new Random(seed);
        int lda = k + padA, aOff = r.nextInt(5);
        float[] a = fill(r, aOff + m * lda + 2), c0 = fill(r, m * n + 3);
        float[] p = fill(r, m + 1);
        Parallel par = twoThreads ? TWO : Parallel.SERIAL;
        Epilogue e = null;
        if (epilogue) {
            e = Epilogue.forThisThread();
            e.setBias(p, 1, m, dev.vessels.core.layers.Activation.LEAKY);
        }
        float[] fromArray = c0.clone(), fromSegment = c0.clone();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = leSegment(arena, a, at);
            if (conv) {
                // B as the im2col of a 1×(n+k−1) image under a 1×k kernel: K = k, N = n.
                ConvGeometry g = new ConvGeometry(1, 1, n + k - 1, 1, k, 1, 1, 0, 0, 1, n);
                float[] im = fill(r, n + k - 1);
                Gemm.conv(m, a, aOff, lda, g, im, 0, fromArray, 2, n, accumulate, par, e, 0);
                Gemm.conv(m, seg, at + aOff, lda, g, im, 0, fromSegment, 2, n, accumulate, par, e, 0);
            } else {
                float[] b = fill(r, k * n);
                Gemm.gemm(m, n, k, a, aOff, lda, b, 0, n, fromArray, 2, n, accumulate, par, e, 0);
                Gemm.gemm(m, n, k, seg, at + aOff, lda, b, 0, n, fromSegment, 2, n, accumulate, par, e, 0);
            }
        }
        assertSameBits(fromSegment, fromArray);
    }

    /**
     * The same on convolutions whose GEMMs are large enough to split over two threads (both ways),
     * cross the MC block of rows and the KC block of columns, at n below and above DIRECT_A_MAX_N.
     */
    @Test
    void segmentAConvIsBitIdenticalToArrayAOnLargeShapes() {
        int[][] shapes = { // c, h, w, kernel, stride, filters
                {64, 7, 7, 3, 1, 200},   // N = 49: float[] A read in place, split by rows
                {32, 9, 10, 3, 1, 130},  // N = 90, ragged M
                {40, 14, 14, 3, 1, 67},  // N = 196: packed in both, K = 360
                {48, 30, 30, 3, 2, 35},  // N = 225, split by columns
                {300, 8, 8, 1, 1, 70},   // pointwise-like K = 300 (two K blocks)
        };
        Random r = new Random(5);
        for (int[] sh : shapes) {
            int c = sh[0], h = sh[1], w = sh[2], kk = sh[3], st = sh[4], m = sh[5], pad = kk / 2;
            int oh = (h + 2 * pad - kk) / st + 1, ow = (w + 2 * pad - kk) / st + 1;
            ConvGeometry g = new ConvGeometry(c, h, w, kk, kk, st, st, pad, pad, oh, ow);
            float[] im = fill(r, c * h * w), a = fill(r, m * g.k());
            for (Parallel par : new Parallel[]{Parallel.SERIAL, TWO}) {
                float[] fromArray = new float[m * g.n()], fromSegment = new float[m * g.n()];
                try (Arena arena = Arena.ofShared()) {
                    MemorySegment seg = leSegment(arena, a, 3);
                    Gemm.conv(m, a, 0, g.k(), g, im, 0, fromArray, 0, g.n(), false, par, null, 0);
                    Gemm.conv(m, seg, 3, g.k(), g, im, 0, fromSegment, 0, g.n(), false, par, null, 0);
                }
                assertSameBits(fromSegment, fromArray);
            }
        }
    }

    @Property(tries = 120)
    void epilogueIsBitIdenticalToSeparatePasses(@ForAll @IntRange(min = 1, max = 40) int m,
                                                @ForAll @IntRange(min = 1, max = 120) int n,
                                                @ForAll @IntRange(min = 1, max = 300) int k,
                                                @ForAll dev.vessels.core.layers.Activation act,
                                                @ForAll boolean batchNorm, @ForAll boolean conv,
                                                @ForAll boolean twoThreads, @ForAll long seed) {
        Random r = new Random(seed);
        float[] a = fill(r, m * k), b = fill(r, k * n);
        float[] p = fill(r, 4 * m + 2);
        for (int f = 0; f < m; f++) p[2 + 3 * m + f] = Math.abs(p[2 + 3 * m + f]); // variances
        Parallel par = twoThreads ? TWO : Parallel.SERIAL;
        float[] separate = new float[m * n + 4], fused = new float[m * n + 4];
        Epilogue e = Epilogue.forThisThread();
        if (batchNorm) {
            e.setBatchNorm(p, 2 + m, 2 + 2 * m, 2 + 3 * m, 2, m, act);
        } else {
            e.setBias(p, 2, m, act);
        }
        if (conv) {
            // B as the im2col of a 1×(n+k−1) image under a 1×k kernel: K = k, N = n.
            ConvGeometry g = new ConvGeometry(1, 1, n + k - 1, 1, k, 1, 1, 0, 0, 1, n);
            float[] im = fill(r, n + k - 1);
            Gemm.conv(m, a, 0, k, g, im, 0, separate, 2, n, false, par);
            Gemm.conv(m, a, 0, k, g, im, 0, fused, 2, n, false, par, e, 0);
        } else {
            Gemm.gemm(m, n, k, a, 0, k, b, 0, n, separate, 2, n, false, par);
            Gemm.gemm(m, n, k, a, 0, k, b, 0, n, fused, 2, n, false, par, e, 0);
        }
        if (batchNorm) {
            ChannelOps.batchNorm(separate, 2, m, n, p, 2 + m, 2 + 2 * m, 2 + 3 * m, 2);
        } else {
            ChannelOps.addBias(separate, 2, m, n, p, 2);
        }
        Activations.apply(act, separate, 2, m * n);
        for (int i = 0; i < fused.length; i++) {
            assertThat(Float.floatToRawIntBits(fused[i])).as("element %d", i)
                    .isEqualTo(Float.floatToRawIntBits(separate[i]));
        }
    }

    @Test
    void epilogueRowsFollowTheRowOffsetAcrossChunksAndThreads() {
        // Row chunks (streamed weights) with eRow0 = first row, on a shape big enough to thread.
        int m = 40, n = 700, k = 300;
        Random r = new Random(5);
        float[] a = fill(r, m * k), b = fill(r, k * n), p = fill(r, m);
        Epilogue e = Epilogue.forThisThread().setBias(p, 0, m, dev.vessels.core.layers.Activation.LEAKY);
        float[] whole = new float[m * n], chunked = new float[m * n];
        Gemm.gemm(m, n, k, a, 0, k, b, 0, n, whole, 0, n, false, TWO, e, 0);
        for (int r0 = 0; r0 < m; r0 += 9) {
            int rows = Math.min(9, m - r0);
            Gemm.gemm(rows, n, k, a, r0 * k, k, b, 0, n, chunked, r0 * n, n, false, TWO, e, r0);
        }
        assertThat(chunked).isEqualTo(whole);
        float[] separate = new float[m * n];
        Gemm.gemm(m, n, k, a, 0, k, b, 0, n, separate, 0, n, false, Parallel.SERIAL);
        ChannelOps.addBias(separate, 0, m, n, p, 0);
        Activations.apply(dev.vessels.core.layers.Activation.LEAKY, separate, 0, m * n);
        assertThat(whole).isEqualTo(separate);
    }

    @Property(tries = 400)
    void im2colPackingPutsEveryIm2colValueInItsPanelSlot(@ForAll @IntRange(min = 1, max = 4) int c,
                                                         @ForAll @IntRange(min = 1, max = 30) int h,
                                                         @ForAll @IntRange(min = 1, max = 90) int w,
                                                         @ForAll @IntRange(min = 0, max = 2) int halfK,
                                                         @ForAll @IntRange(min = 1, max = 5) int kh,
                                                         @ForAll boolean same, @ForAll @IntRange(min = 1, max = 5) int s,
                                                         @ForAll @IntRange(min = 0, max = 3) int ph,
                                                         @ForAll @IntRange(min = 0, max = 3) int pw,
                                                         @ForAll @IntRange(min = 0, max = 5) int imOff,
                                                         @ForAll long seed) {
        // Half the cases are stride-1 "same"-width kernels (kw = 2·pw + 1: 1×1, 3×3 pad 1, 5×5 pad 2),
        // which take the contiguous-copy path, with any kh/ph (so rows above or below the image);
        // wide rows at stride 2 take the two-load permute (Gemm.EVEN; rows ending at the image's end the
        // gather and scalar tail), at strides 3-5 the vector gather.
        int kw = same ? 2 * halfK + 1 : kh, sw = same ? 1 : s, sh = same ? 1 : s;
        if (same) pw = halfK;
        net.jqwik.api.Assume.that(h + 2 * ph >= kh && w + 2 * pw >= kw);
        int oh = (h + 2 * ph - kh) / sh + 1, ow = (w + 2 * pw - kw) / sw + 1;
        ConvGeometry g = new ConvGeometry(c, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
        Random r = new Random(seed);
        // Any block of rows [p0, p0+kc) and columns [col0, col0+nc): blocks start and end mid row.
        int p0 = r.nextInt(g.k()), kc = 1 + r.nextInt(g.k() - p0);
        int col0 = r.nextInt(g.n()), nc = 1 + r.nextInt(Math.min(Gemm.NC, g.n() - col0));
        float[] im = fill(r, imOff + c * h * w);
        float[] col = new float[g.k() * g.n()];
        Im2col.im2colPlain(im, imOff, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, col, 0);
        int len = (nc + Gemm.NR - 1) / Gemm.NR * Gemm.NR * kc;
        float[] want = new float[len + 5], got = new float[len + 5];
        java.util.Arrays.fill(got, Float.NaN);
        java.util.Arrays.fill(want, Float.NaN);
        Gemm.packB(kc, nc, col, p0 * g.n() + col0, g.n(), want);
        float[] row = new float[Gemm.NC];
        java.util.Arrays.fill(row, Float.NaN); // stale values must never leak into the panels
        Gemm.packIm2col(kc, nc, p0, col0, im, imOff, g, row, got);
        assertThat(got).isEqualTo(want);
    }

    /**
     * Stride-2 im2col rows of 8-wide output rows (the last stage's 3×3/2, 16 → 8; a 7×7, 5×5 or
     * 1×1 at stride 2 too), two output rows a vector: the plain im2col's panels, padded or not, at
     * every row block and for column blocks of whole row pairs and not, and the same panels with
     * the switch off.
     */
    @Property(tries = 200)
    void stride2RowPairsPackThePlainPanels(@ForAll @IntRange(min = 1, max = 4) int c, @ForAll @IntRange(min = 1, max = 20) int h,
                                           @ForAll @IntRange(min = 15, max = 16) int w, @ForAll @IntRange(min = 0, max = 3) int half,
                                           @ForAll boolean pad, @ForAll boolean aligned, @ForAll @IntRange(min = 0, max = 5) int imOff,
                                           @ForAll long seed) {
        int k = 2 * half + 1, p = pad ? half : 0;
        net.jqwik.api.Assume.that(h + 2 * p >= k && w + 2 * p >= k);
        int oh = (h + 2 * p - k) / 2 + 1, ow = (w + 2 * p - k) / 2 + 1;
        ConvGeometry g = new ConvGeometry(c, h, w, k, k, 2, 2, p, p, oh, ow);
        Random r = new Random(seed);
        int p0 = r.nextInt(g.k()), kc = 1 + r.nextInt(g.k() - p0);
        int col0, nc;
        if (aligned && g.n() >= 16) { // whole row pairs: the paired path where the output rows are 8 wide
            col0 = 16 * r.nextInt(g.n() / 16);
            nc = 16 * (1 + r.nextInt((g.n() - col0) / 16));
        } else {
            col0 = r.nextInt(g.n());
            nc = 1 + r.nextInt(g.n() - col0);
        }
        float[] im = fill(r, imOff + c * h * w);
        float[] col = new float[g.k() * g.n()];
        Im2col.im2colPlain(im, imOff, c, h, w, k, k, 2, 2, p, p, oh, ow, col, 0);
        int len = (nc + Gemm.NR - 1) / Gemm.NR * Gemm.NR * kc;
        float[] want = new float[len + 5], got = new float[len + 5], off = new float[len + 5];
        java.util.Arrays.fill(want, Float.NaN);
        Gemm.packB(kc, nc, col, p0 * g.n() + col0, g.n(), want);
        float[] row = new float[Gemm.NC];
        boolean was = Gemm.stride2Pairs;
        try {
            for (float[] out : new float[][] {got, off}) {
                Gemm.stride2Pairs = out == got;
                java.util.Arrays.fill(out, Float.NaN);
                java.util.Arrays.fill(row, Float.NaN); // stale values must never leak into the panels
                Gemm.packIm2col(kc, nc, p0, col0, im, imOff, g, row, out);
            }
        } finally {
            Gemm.stride2Pairs = was;
        }
        assertThat(got).isEqualTo(want);
        assertThat(off).isEqualTo(want);
    }

    @Property(tries = 300)
    void maskedIm2colPackingWritesThePlainPanels(@ForAll @IntRange(min = 1, max = 4) int c,
                                                 @ForAll @IntRange(min = 1, max = 40) int h,
                                                 @ForAll @IntRange(min = 1, max = 70) int w,
                                                 @ForAll @IntRange(min = 0, max = 3) int pw,
                                                 @ForAll @IntRange(min = 1, max = 7) int kh,
                                                 @ForAll @IntRange(min = 0, max = 3) int ph,
                                                 @ForAll @IntRange(min = 0, max = 5) int imOff,
                                                 @ForAll @IntRange(min = 0, max = 5) int tail,
                                                 @ForAll long seed) {
        // Stride 1, output as wide as the input (kw = 2·pw + 1), any kh/ph (rows above or below the
        // image), maps narrower and wider than a vector, blocks starting and ending mid row, the
        // image at the start of its array (masked loads reaching before index 0) or anywhere.
        int kw = 2 * pw + 1;
        net.jqwik.api.Assume.that(h + 2 * ph >= kh);
        ConvGeometry g = new ConvGeometry(c, h, w, kh, kw, 1, 1, ph, pw, h + 2 * ph - kh + 1, w);
        assertThat(Gemm.shiftedFits(g)).isTrue();
        Random r = new Random(seed);
        int p0 = r.nextInt(g.k()), kc = 1 + r.nextInt(g.k() - p0);
        int col0 = r.nextInt(g.n()), nc = 1 + r.nextInt(Math.min(Gemm.NC, g.n() - col0));
        float[] im = fill(r, imOff + c * h * w + tail); // values after the image must not leak in either
        float[] col = new float[g.k() * g.n()];
        Im2col.im2colPlain(im, imOff, c, h, w, kh, kw, 1, 1, ph, pw, g.oh(), g.ow(), col, 0);
        int len = (nc + Gemm.NR - 1) / Gemm.NR * Gemm.NR * kc, off = r.nextInt(3);
        float[] want = new float[off + len + 5], got = new float[off + len + 5];
        java.util.Arrays.fill(got, Float.NaN);
        java.util.Arrays.fill(want, Float.NaN);
        Gemm.packB(kc, nc, col, p0 * g.n() + col0, g.n(), want, off);
        int[] masks = new int[Gemm.MASK_INTS];
        java.util.Arrays.fill(masks, -1); // stale masks must never leak into the panels
        Gemm.packShifted(kc, nc, p0, col0, im, imOff, g, masks, got, off);
        assertThat(got).isEqualTo(want);
    }

    @Test
    void maskedIm2colPackingServesOnlyStrideOneSameWidthKernelsUpToSeven() {
        assertThat(Gemm.shiftedFits(new ConvGeometry(8, 16, 16, 3, 3, 1, 1, 1, 1, 16, 16))).isTrue();
        assertThat(Gemm.shiftedFits(new ConvGeometry(8, 16, 16, 3, 3, 2, 2, 1, 1, 8, 8))).isFalse();
        assertThat(Gemm.shiftedFits(new ConvGeometry(8, 16, 16, 3, 3, 1, 1, 0, 0, 14, 14))).isFalse();
        assertThat(Gemm.shiftedFits(new ConvGeometry(8, 20, 20, 9, 9, 1, 1, 4, 4, 20, 20))).isFalse();
    }

    @Property(tries = 200)
    void packAPutsEveryElementOfAInItsPanelSlot(@ForAll @IntRange(min = 1, max = 40) int mc,
                                                @ForAll @IntRange(min = 1, max = 80) int kc,
                                                @ForAll @IntRange(min = 0, max = 9) int extraLd,
                                                @ForAll @IntRange(min = 0, max = 7) int aOff) {
        // Covers the vector transpose (16 columns of 8 full rows at a time) and its scalar tails.
        int lda = kc + extraLd;
        float[] a = new float[aOff + mc * lda];
        for (int i = 0; i < a.length; i++) a[i] = i + 0.5f;
        int panels = (mc + Gemm.MR - 1) / Gemm.MR;
        float[] dst = new float[panels * kc * Gemm.MR + 3];
        java.util.Arrays.fill(dst, Float.NaN);
        Gemm.packA(mc, kc, a, aOff, lda, dst);
        for (int i = 0; i < panels * Gemm.MR; i++) {
            for (int p = 0; p < kc; p++) {
                float want = i < mc ? a[aOff + i * lda + p] : 0f;
                assertThat(dst[i / Gemm.MR * kc * Gemm.MR + p * Gemm.MR + i % Gemm.MR]).as("row %d col %d", i, p).isEqualTo(want);
            }
        }
        assertThat(dst[panels * kc * Gemm.MR]).isNaN(); // nothing written past the panels
    }

    @Test
    void splitsTheColumnsWhenPackingDominatesAndTheRowsOfTallNarrowProducts() {
        // DenseNet's 3×3 growth convolution at 14×14: 226 K im2col floats packed for 7.2 M
        // multiply-adds; halving the packing beats balancing 4 row panels.
        assertThat(split(32, 196, 1152, true)).isTrue();
        // ResNet's 3×3 at 16×16: columns (each thread packs all of A, half of the larger im2col B);
        // its 1×1 expansion with 1024 filters: rows (half of A, all of the small B).
        assertThat(split(256, 256, 2304, true)).isTrue();
        assertThat(split(1024, 256, 256, false)).isFalse();
        // The last stage's 3×3 at 7×7: A (9.4 MB) is read in place; each thread reads half of it.
        assertThat(split(512, 49, 4608, true)).isFalse();
        // Fewer column panels than threads: rows.
        assertThat(split(64, 20, 100, false)).isFalse();
        // A 1×1 convolution's B comes from the cache, its A (the weights) from memory: ResNeXt's
        // 128 → 1024 at 32×32 and ResNet's 1024 → 256 at 16×16 split their rows, so that each
        // thread reads half of the weights.
        assertThat(split(1024, 1024, 128, false)).isFalse();
        assertThat(split(256, 256, 1024, false)).isFalse();
        // A ragged last panel counts as the columns it has: InceptionV3's 3×3/2 at 35×35 (N = 289,
        // nine panels and one column) splits its rows, which balance.
        assertThat(split(384, 289, 2592, true)).isFalse();
    }

    @Test
    void theEstimateBeforeCountedBAsAAndWholePanels() {
        boolean was = Gemm.coldWeights;
        Gemm.coldWeights = false;
        try {
            assertThat(split(1024, 1024, 128, false)).isTrue();
            assertThat(split(256, 256, 1024, false)).isTrue();
            assertThat(split(384, 289, 2592, true)).isTrue();
            assertThat(split(32, 196, 1152, true)).isTrue();
            assertThat(split(1024, 256, 256, false)).isFalse();
        } finally {
            Gemm.coldWeights = was;
        }
    }

    @Test
    void bIsReadInPlaceOnlyAsWholePanelsOfAPlainBAtLeastDirectAMaxNWideWithRowsAtMost4KBApartOrFewRowsOfC() {
        ConvGeometry g = new ConvGeometry(64, 16, 16, 1, 1, 1, 1, 0, 0, 16, 16);
        assertThat(Gemm.directB(null, 256, 256, 256, 256)).isTrue();
        assertThat(Gemm.directB(null, 512, 1024, 1024, 1024)).isTrue(); // 32×32: rows 4 KB apart
        assertThat(Gemm.directB(null, 256, 4096, 1024, 4096)).isFalse(); // 64×64: rows 16 KB apart, packed
        assertThat(Gemm.directB(null, 64, 4096, 1024, 4096)).isTrue();   // … unless C has few rows
        assertThat(Gemm.directB(null, 256, 960, 480, 1000)).isTrue();   // one thread's columns of a wider B
        assertThat(Gemm.directB(null, 256, 289, 289, 289)).isFalse();   // a ragged last panel: packed
        assertThat(Gemm.directB(null, 256, 1000, 1, 1000)).isFalse();
        assertThat(Gemm.directB(null, 256, 64, 64, 64)).isFalse();      // below DIRECT_A_MAX_N: A in place, B packed
        assertThat(Gemm.directB(g, 256, 256, 256, 256)).isFalse();      // an im2col, even of a 1×1 geometry
        boolean was = Gemm.directBOn;
        Gemm.directBOn = false;
        try {
            assertThat(Gemm.directB(null, 256, 256, 256, 256)).isFalse();
        } finally {
            Gemm.directBOn = was;
        }
    }

    /**
     * B read in place ({@link Gemm#directB}) against packed, for widths of whole panels and ragged
     * ones, rows of B on both sides of 4 KB apart and C of few rows and many, several K blocks, A
     * from an array and from a segment, one and two threads: every element the chain's, bit for
     * bit, both ways.
     */
    @Property(tries = 60)
    void bReadInPlaceIsBitIdenticalToPackedB(@ForAll @IntRange(min = 1, max = 140) int m,
                                             @ForAll @IntRange(min = 3, max = 40) int panels,
                                             @ForAll @IntRange(min = 0, max = 1) int ragged,
                                             @ForAll @IntRange(min = 1, max = 600) int k, @ForAll @IntRange(min = 0, max = 3) int padB,
                                             @ForAll boolean accumulate, @ForAll boolean twoThreads, @ForAll boolean segment,
                                             @ForAll long seed) {
        int n = panels * Gemm.NR + ragged * 5, ldb = n + padB;
        Random r = new Random(seed);
        float[] a = fill(r, m * k), b = fill(r, k * ldb), c = fill(r, m * n), want = c.clone();
        chain(m, n, k, a, k, b, ldb, want, n, accumulate);
        MemorySegment seg = MemorySegment.ofArray(new byte[a.length * Float.BYTES]);
        for (int i = 0; i < a.length; i++) seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i, a[i]);
        Parallel par = twoThreads ? TWO : Parallel.SERIAL;
        boolean was = Gemm.directBOn;
        try {
            for (boolean inPlace : new boolean[] {true, false}) {
                Gemm.directBOn = inPlace;
                float[] got = c.clone();
                if (segment) {
                    Gemm.gemm(m, n, k, seg, 0, k, b, 0, ldb, got, 0, n, accumulate, par, null, 0);
                } else {
                    Gemm.gemm(m, n, k, a, 0, k, b, 0, ldb, got, 0, n, accumulate, par);
                }
                for (int i = 0; i < got.length; i++) {
                    assertThat(Float.floatToRawIntBits(got[i])).as("in place %s, element %d", inPlace, i)
                            .isEqualTo(Float.floatToRawIntBits(want[i]));
                }
            }
        } finally {
            Gemm.directBOn = was;
        }
    }

    static boolean split(int m, int n, int k, boolean im2col) {
        return Gemm.splitColumns(m, n, k, 2, (n + Gemm.NR - 1) / Gemm.NR, (m + Gemm.MR - 1) / Gemm.MR, im2col);
    }
}
