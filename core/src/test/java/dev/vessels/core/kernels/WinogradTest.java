package dev.vessels.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

import dev.vessels.core.exec.Parallel;
import dev.vessels.core.layers.Activation;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Winograd F(2×2, 3×3): each transform is its plain scalar formula bit for bit; the convolution is
 * the direct one (in double precision) to within the transforms' rounding; and its bits do not
 * depend on the threads, the rows it is given at a time, or whether the filters come from an array
 * or a mapping. The epilogue on each finished run is the epilogue on whole rows afterwards.
 */
class WinogradTest {

    /** Darknet-like data: inputs in [−1, 1], filters scaled as a He initialisation would. */
    static float[] data(int n, double scale, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return f;
    }

    /** m filters over c channels, scaled as a He initialisation would. */
    static float[] filters(int m, int c, long seed) {
        return data(m * 9 * c, Math.sqrt(2.0 / (9 * c)), seed);
    }

    static ConvGeometry geometry(int c, int h, int w) {
        return new ConvGeometry(c, h, w, 3, 3, 1, 1, 1, 1, h, w);
    }

    /** 3×3, stride 1, pad 1 on the rows and {@code pw} on the columns (0: "valid"), of a c×h×w image. */
    static ConvGeometry geometry(int c, int h, int w, int ph, int pw) {
        return new ConvGeometry(c, h, w, 3, 3, 1, 1, ph, pw, h + 2 * ph - 2, w + 2 * pw - 2);
    }

    /** The direct convolution in double precision: the reference. */
    static double[] direct(int m, float[] a, ConvGeometry g, float[] im) {
        int c = g.c(), h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow();
        double[] y = new double[m * oh * ow];
        for (int o = 0; o < m; o++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double s = 0;
                    for (int ch = 0; ch < c; ch++) {
                        for (int ky = 0; ky < 3; ky++) {
                            for (int kx = 0; kx < 3; kx++) {
                                int iy = oy + ky - g.ph(), ix = ox + kx - g.pw();
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                s += (double) a[((o * c + ch) * 3 + ky) * 3 + kx] * im[(ch * h + iy) * w + ix];
                            }
                        }
                    }
                    y[(o * oh + oy) * ow + ox] = s;
                }
            }
        }
        return y;
    }

    @Property(tries = 150)
    void matchesTheDirectConvolution(@ForAll @IntRange(min = 8, max = 40) int m, @ForAll @IntRange(min = 8, max = 70) int c,
                                     @ForAll @IntRange(min = 1, max = 23) int h, @ForAll @IntRange(min = 1, max = 41) int w,
                                     @ForAll @IntRange(min = 1, max = 2) int threads, @ForAll long seed) {
        assertMatchesDirect(m, geometry(c, h, w), threads, seed);
    }

    /**
     * "Valid" convolutions (pad 0 on either axis or both: InceptionV3's 149 → 147 and 73 → 71),
     * odd and even, against the direct one; nothing written outside the output.
     */
    @Property(tries = 120)
    void matchesTheDirectConvolutionUnpadded(@ForAll @IntRange(min = 8, max = 40) int m,
                                             @ForAll @IntRange(min = 8, max = 70) int c,
                                             @ForAll @IntRange(min = 3, max = 25) int h, @ForAll @IntRange(min = 3, max = 43) int w,
                                             @ForAll @IntRange(min = 0, max = 1) int ph, @ForAll @IntRange(min = 0, max = 1) int pw,
                                             @ForAll @IntRange(min = 1, max = 2) int threads, @ForAll long seed) {
        assertMatchesDirect(m, geometry(c, h, w, ph, pw), threads, seed);
    }

    /** Winograd's m filters over g, written one float past a NaN, within 2e-6 of the largest output of the direct one; NaN around. */
    private static void assertMatchesDirect(int m, ConvGeometry g, int threads, long seed) {
        float[] a = filters(m, g.c(), seed), im = data(g.c() * g.h() * g.w(), 1, seed + 1);
        int n = m * g.oh() * g.ow();
        float[] y = new float[n + 3];
        Arrays.fill(y, Float.NaN);
        try (Parallel par = new Parallel(threads)) {
            Winograd.conv(m, a, 0, g, im, 0, y, 1, null, 0, 0, par, null, 0);
        }
        double[] ref = direct(m, a, g, im);
        double max = 0;
        for (double v : ref) max = Math.max(max, Math.abs(v));
        for (int i = 0; i < ref.length; i++) {
            assertThat((double) y[1 + i]).as("output %d of %s, m=%d", i, g, m).isCloseTo(ref[i],
                    org.assertj.core.data.Offset.offset(2e-6 * Math.max(1, max)));
        }
        assertThat(y[0]).as("before the output").isNaN();
        assertThat(y[n + 1]).as("after the output").isNaN();
    }

    /**
     * The layers' shapes (ResNet, Darknet53, VGG, DenseNet, YOLOv3), against the direct convolution;
     * VGG16's 28×28 at 512 channels has 196 tiles, blocks of 64, 64 and 68 (the 4 left merged).
     */
    @Test
    void modelShapes() {
        int[][] shapes = {{64, 64, 32, 32}, {256, 256, 16, 16}, {512, 256, 8, 8}, {32, 128, 16, 16}, {128, 64, 13, 13},
                {24, 16, 70, 9}, {1000, 256, 3, 5}, {40, 512, 28, 28}, {16, 512, 16, 16},
                {32, 32, 149, 149, 0}, {192, 80, 73, 73, 0}}; // the last two: InceptionV3's valid convolutions

        long seed = 7;
        for (int[] s : shapes) {
            int m = s[0], c = s[1], h = s[2], w = s[3];
            int pad = s.length > 4 ? s[4] : 1;
            ConvGeometry g = geometry(c, h, w, pad, pad);
            float[] a = filters(m, c, seed), im = data(c * h * w, 1, seed + 1);
            float[] y = new float[m * g.oh() * g.ow()];
            Winograd.conv(m, a, 0, g, im, 0, y, 0, null, 0, 0, null, null, 0);
            double[] ref = direct(m, a, g, im);
            double err = 0, max = 0;
            for (int i = 0; i < ref.length; i++) {
                err = Math.max(err, Math.abs(y[i] - ref[i]));
                max = Math.max(max, Math.abs(ref[i]));
            }
            assertThat(err).as("%d filters over %s", m, g).isLessThan(2e-6 * max);
            seed += 2;
        }
    }

    /**
     * Tile blocks cover the tiles in order, none larger than {@code maxBlock} (the buffers' size) and
     * none narrower than Gemm's column path unless all the tiles are.
     */
    @Property(tries = 300)
    void tileBlocksCoverTheTilesAndAreNeverNarrow(@ForAll @IntRange(min = 1, max = 2000) int tiles) {
        int covered = 0, largest = 0;
        while (covered < tiles) {
            int nt = Winograd.blockTiles(tiles - covered);
            assertThat(nt).as("block at %d of %d", covered, tiles).isPositive().isLessThanOrEqualTo(tiles - covered);
            if (tiles >= Gemm.NARROW_N) assertThat(nt).as("block at %d of %d", covered, tiles).isGreaterThanOrEqualTo(Gemm.NARROW_N);
            largest = Math.max(largest, nt);
            covered += nt;
        }
        assertThat(largest).isEqualTo(Winograd.maxBlock(tiles)).isLessThan(Winograd.TB + Gemm.NARROW_N);
    }

    /** {@code -Dvessels.winograd.rows}: any value becomes a block size (a multiple of 8 in [8, 512]). */
    @Test
    void theRowsSwitchIsAlwaysABlockSize() {
        assertThat(Winograd.rowsSwitch(128)).isEqualTo(128);
        assertThat(Winograd.rowsSwitch(64)).isEqualTo(64);
        assertThat(Winograd.rowsSwitch(100)).isEqualTo(96);
        assertThat(Winograd.rowsSwitch(0)).isEqualTo(8);
        assertThat(Winograd.rowsSwitch(-5)).isEqualTo(8);
        assertThat(Winograd.rowsSwitch(1 << 20)).isEqualTo(512);
        assertThat(Winograd.RB_MAX).isEqualTo(128); // the default, as the tests run
    }

    /** Threads, row pieces and a mapping give the same bits. */
    @Property(tries = 60)
    void bitsDoNotDependOnSplitOrSource(@ForAll @IntRange(min = 8, max = 300) int m, @ForAll @IntRange(min = 8, max = 512) int c,
                                        @ForAll @IntRange(min = 1, max = 20) int h, @ForAll @IntRange(min = 1, max = 20) int w,
                                        @ForAll @IntRange(min = 8, max = 100) int piece, @ForAll long seed) {
        ConvGeometry g = geometry(c, h, w);
        float[] a = filters(m, c, seed), im = data(c * h * w, 1, seed + 1);
        int hw = h * w;
        float[] one = new float[m * hw], two = new float[m * hw], pieces = new float[m * hw], mapped = new float[m * hw];
        Winograd.conv(m, a, 0, g, im, 0, one, 0, null, 0, 0, null, null, 0);
        try (Parallel par = new Parallel(2)) {
            Winograd.conv(m, a, 0, g, im, 0, two, 0, null, 0, 0, par, null, 0);
            for (int r = 0; r < m; ) { // pieces of `piece` rows, a last one under 8 joined to the one before
                int rows = m - r - piece < 8 ? m - r : piece;
                Winograd.conv(rows, a, r * 9 * c, g, im, 0, pieces, r * hw, null, 0, 0, par, null, 0);
                r += rows;
            }
            try (Arena arena = Arena.ofShared()) {
                MemorySegment seg = arena.allocate(4L * (a.length + 3));
                MemorySegment.copy(a, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 12, a.length);
                Winograd.conv(m, seg, 3, g, im, 0, mapped, 0, null, 0, 0, par, null, 0);
            }
        }
        assertThat(two).as("two threads").isEqualTo(one);
        assertThat(pieces).as("row pieces of %d", piece).isEqualTo(one);
        assertThat(mapped).as("from a mapping").isEqualTo(one);
    }

    /**
     * Rows of half a vector of tiles paired in one vector, in the input and the output transforms,
     * or not: the same bits, with an epilogue and a residual, on one and two threads, for maps
     * around 16 wide and high (odd heights: a last tile row with one output row).
     */
    @Property(tries = 60)
    void pairedRowsGiveTheSameBits(@ForAll @IntRange(min = 8, max = 140) int m, @ForAll @IntRange(min = 8, max = 64) int c,
                                   @ForAll @IntRange(min = 13, max = 20) int h, @ForAll @IntRange(min = 13, max = 20) int w,
                                   @ForAll boolean twoThreads, @ForAll long seed) {
        ConvGeometry g = geometry(c, h, w);
        int hw = h * w;
        float[] a = filters(m, c, seed), im = data(c * hw, 1, seed + 1), p = data(4 * m, 1, seed + 2), from = data(m * hw, 1, seed + 3);
        for (int i = 0; i < m; i++) p[3 * m + i] = Math.abs(p[3 * m + i]) + .5f; // variances
        float[][] out = new float[2][m * hw];
        boolean was = Winograd.pairedRows;
        try (Parallel par = new Parallel(2)) {
            for (int way = 0; way < 2; way++) {
                Winograd.pairedRows = way == 0;
                Epilogue e = Epilogue.forThisThread();
                e.setBatchNorm(p, m, 2 * m, 3 * m, 0, m, Activation.LEAKY);
                e.setResidual(from, 0, 1f, 1f, Activation.LINEAR);
                Winograd.conv(m, a, 0, g, im, 0, out[way], 0, null, 0, 0, twoThreads ? par : null, e, 0);
                e.clearResidual();
            }
        } finally {
            Winograd.pairedRows = was;
        }
        assertThat(out[0]).isEqualTo(out[1]);
    }

    /** The epilogue on each finished run = the epilogue on each whole row afterwards, bit for bit. */
    @Property(tries = 60)
    void epilogueOnRunsIsTheEpilogueOnRows(@ForAll @IntRange(min = 8, max = 40) int m, @ForAll @IntRange(min = 8, max = 256) int c,
                                           @ForAll @IntRange(min = 1, max = 30) int h, @ForAll @IntRange(min = 1, max = 30) int w,
                                           @ForAll boolean batchNorm, @ForAll boolean residual, @ForAll long seed) {
        ConvGeometry g = geometry(c, h, w);
        int hw = h * w;
        float[] a = filters(m, c, seed), im = data(c * hw, 1, seed + 1);
        float[] p = data(4 * m, 1, seed + 2);
        for (int i = 0; i < m; i++) p[3 * m + i] = Math.abs(p[3 * m + i]) + .5f; // variances
        float[] from = data(m * hw, 1, seed + 3);
        Epilogue e = Epilogue.forThisThread();
        if (batchNorm) e.setBatchNorm(p, m, 2 * m, 3 * m, 0, m, Activation.LEAKY);
        else e.setBias(p, 0, m, Activation.RELU);
        if (residual) e.setResidual(from, 0, 1f, 1f, Activation.LINEAR);
        float[] fused = new float[m * hw], after = new float[m * hw];
        Winograd.conv(m, a, 0, g, im, 0, fused, 0, null, 0, 0, null, e, 0);
        Winograd.conv(m, a, 0, g, im, 0, after, 0, null, 0, 0, null, null, 0);
        for (int i = 0; i < m; i++) e.applyRow(after, i * hw, i, hw);
        e.clearResidual();
        assertThat(fused).isEqualTo(after);
    }

    /**
     * The filter rows' taps transposed sixteen channels at a time in registers, from an array or
     * a segment that may end right after the row (the last rows then go one channel at a time),
     * give the U of the one-channel-at-a-time loop, bit for bit.
     */
    @Property(tries = 150)
    void filterTapsTransposedInRegistersAreTheScalarLoops(@ForAll @IntRange(min = 1, max = 80) int c,
                                                         @ForAll @IntRange(min = 1, max = 5) int rows,
                                                         @ForAll @IntRange(min = 0, max = 20) int tail, @ForAll long seed) {
        float[] a = data(rows * 9 * c + tail, 1, seed);
        int up = Winograd.uPlane(rows, c);
        float[] scalar = new float[16 * up], inRegisters = new float[16 * up], mapped = new float[16 * up];
        float[] st = new float[9 * c + 5];
        boolean was = Winograd.transposeInRegisters;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(4L * a.length);
            MemorySegment.copy(a, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, a.length);
            Winograd.transposeInRegisters = false;
            for (int i = 0; i < rows; i++) Winograd.filters(a, i * 9 * c, c, scalar, 0, i, rows, st, 5);
            Winograd.transposeInRegisters = was;
            for (int i = 0; i < rows; i++) Winograd.filters(a, i * 9 * c, c, inRegisters, 0, i, rows, st, 5);
            for (int i = 0; i < rows; i++) Winograd.filters(seg, 4L * i * 9 * c, c, mapped, 0, i, rows, st, 5);
        } finally {
            Winograd.transposeInRegisters = was;
        }
        assertThat(inRegisters).isEqualTo(scalar);
        assertThat(mapped).isEqualTo(scalar);
    }

    /** Each transform is its scalar formula, bit for bit. */
    @Property(tries = 100)
    void transformsAreTheirFormulas(@ForAll @IntRange(min = 1, max = 40) int c, @ForAll @IntRange(min = 1, max = 9) int rows,
                                    @ForAll @IntRange(min = 1, max = 19) int h, @ForAll @IntRange(min = 1, max = 19) int w,
                                    @ForAll long seed) {
        float[] a = data(rows * 9 * c, 1, seed);
        int up = Winograd.uPlane(rows, c);
        float[] u = new float[16 * up];
        float[] st = new float[9 * c + 5];
        for (int i = 0; i < rows; i++) Winograd.filters(a, i * 9 * c, c, u, 0, i, rows, st, 5);
        for (int i = 0; i < rows; i++) {
            for (int ch = 0; ch < c; ch++) {
                float[] gg = Arrays.copyOfRange(a, (i * c + ch) * 9, (i * c + ch) * 9 + 9);
                float[] t = new float[12];
                for (int j = 0; j < 3; j++) {
                    t[j] = gg[j];
                    t[3 + j] = (gg[j] + gg[3 + j] + gg[6 + j]) * .5f;
                    t[6 + j] = (gg[j] - gg[3 + j] + gg[6 + j]) * .5f;
                    t[9 + j] = gg[6 + j];
                }
                for (int r = 0; r < 4; r++) {
                    float x0 = t[3 * r], x1 = t[3 * r + 1], x2 = t[3 * r + 2];
                    float[] want = {x0, (x0 + x1 + x2) * .5f, (x0 - x1 + x2) * .5f, x2};
                    for (int j = 0; j < 4; j++) {
                        assertThat(u[(4 * r + j) * up + i * c + ch]).as("U[%d][%d][%d]", 4 * r + j, i, ch).isEqualTo(want[j]);
                    }
                }
            }
        }
        ConvGeometry g = geometry(c, h, w);
        float[] im = data(c * h * w, 1, seed + 1);
        // Both ways: rows of half a vector of tiles (w = 15, 16) paired in one vector, or one a vector.
        boolean was = Winograd.pairedRows;
        try {
            for (boolean paired : new boolean[] {true, false}) {
                Winograd.pairedRows = paired;
                assertInputIsItsFormula(g, im);
            }
        } finally {
            Winograd.pairedRows = was;
        }
    }

    /** V of every tile block of {@code im} is Bᵀ d B of its 4×4 patches, bit for bit. */
    private static void assertInputIsItsFormula(ConvGeometry g, float[] im) {
        int c = g.c(), h = g.h(), w = g.w();
        int tw = (w + 1) / 2, tiles = ((h + 1) / 2) * tw, tb = Winograd.TB;
        int ld = tb + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        int vp = Winograd.vPlane(c, tb);
        float[] v = new float[16 * vp];
        for (int tt = 0; tt < tiles; tt += tb) {
            int nt = Math.min(tb, tiles - tt);
            Arrays.fill(v, Float.NaN);
            float[] edge = new float[Winograd.edgeFloats(g, tb) + 3];
            // In two calls of half the channels each (as parts sharing one V do), each on an edge
            // buffer of stale values: the padding must be written, not assumed.
            Arrays.fill(edge, Float.NaN);
            Winograd.input(im, 0, g, tt, nt, 0, c / 2, v, 0, tb, edge, 3);
            Arrays.fill(edge, Float.NaN);
            Winograd.input(im, 0, g, tt, nt, c / 2, c, v, 0, tb, edge, 3);
            for (int ch = 0; ch < c; ch++) {
                for (int t = tt; t < tt + nt; t++) {
                    int ty = t / tw, tx = t % tw;
                    float[][] d = new float[4][4];
                    for (int r = 0; r < 4; r++) {
                        for (int j = 0; j < 4; j++) {
                            int iy = 2 * ty - 1 + r, ix = 2 * tx - 1 + j;
                            d[r][j] = iy < 0 || iy >= h || ix < 0 || ix >= w ? 0f : im[(ch * h + iy) * w + ix];
                        }
                    }
                    float[][] s = new float[4][4];
                    for (int j = 0; j < 4; j++) {
                        s[0][j] = d[0][j] - d[2][j];
                        s[1][j] = d[1][j] + d[2][j];
                        s[2][j] = d[2][j] - d[1][j];
                        s[3][j] = d[1][j] - d[3][j];
                    }
                    for (int r = 0; r < 4; r++) {
                        float[] want = {s[r][0] - s[r][2], s[r][1] + s[r][2], s[r][2] - s[r][1], s[r][1] - s[r][3]};
                        for (int j = 0; j < 4; j++) {
                            assertThat(v[(4 * r + j) * vp + ch * ld + t - tt]).as("V[%d][%d] tile %d", 4 * r + j, ch, t)
                                    .isEqualTo(want[j]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void servesOnlyItsShapes() {
        assertThat(Winograd.serves(64, geometry(64, 16, 16))).isTrue();
        assertThat(Winograd.serves(64, geometry(64, 15, 16))).as("8 × 8 tiles").isTrue();
        assertThat(Winograd.serves(64, geometry(64, 14, 16))).as("7 × 8 tiles").isFalse();
        assertThat(Winograd.serves(32, geometry(128, 16, 16))).as("32 filters × 64 tiles").isFalse();
        assertThat(Winograd.serves(32, geometry(128, 32, 32))).as("32 filters × 256 tiles").isTrue();
        assertThat(Winograd.serves(64, geometry(Winograd.MAX_C + 1, 16, 16))).isFalse();
        assertThat(Winograd.serves(4, geometry(64, 16, 16))).isFalse();
        assertThat(Winograd.serves(64, new ConvGeometry(64, 16, 16, 3, 3, 2, 2, 1, 1, 8, 8))).isFalse();
        assertThat(Winograd.serves(64, new ConvGeometry(64, 16, 16, 1, 1, 1, 1, 0, 0, 16, 16))).isFalse();
        assertThat(Winograd.serves(64, geometry(64, 18, 18, 0, 0))).as("valid, 16 × 16 out").isTrue();
        assertThat(Winograd.serves(64, geometry(64, 17, 18, 0, 1))).as("valid rows, 8 × 9 tiles").isTrue();
        assertThat(Winograd.serves(64, geometry(64, 16, 16, 0, 0))).as("valid, 7 × 7 tiles").isFalse();
        assertThat(Winograd.serves(64, new ConvGeometry(64, 16, 16, 3, 3, 1, 1, 2, 2, 18, 18))).as("pad 2").isFalse();
        int c = Winograd.MAX_C + 1;
        assertThatThrownBy(() -> Winograd.conv(8, new float[8 * 9 * c], 0, geometry(c, 4, 4), new float[c * 16], 0,
                new float[8 * 16], 0, null, 0, 0, null, null, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Two parts split by filters over one tile block (ResNet's 16×16 stage) share one transformed
     * input: the workspace holds one V for both, less than two parts' own, and the bits are those of
     * one thread and of the threads' own buffers. The workspace starts as NaN, so a part reading a V
     * the other had not finished would show.
     */
    @Test
    void twoPartsShareOneTransformedInput() {
        int m = 96, c = 40;
        ConvGeometry g = geometry(c, 16, 16);
        assertThat(Winograd.workspaceFloats(m, g, 2)).isLessThan(2 * Winograd.workspaceFloats(m, g, 1));
        float[] a = filters(m, c, 5), im = data(c * 256, 1, 6);
        float[] one = new float[m * 256], own = new float[m * 256], shared = new float[m * 256];
        Winograd.conv(m, a, 0, g, im, 0, one, 0, null, 0, 0, null, null, 0);
        try (Parallel par = new Parallel(2)) {
            Winograd.conv(m, a, 0, g, im, 0, own, 0, null, 0, 0, par, null, 0);
            long need = Winograd.workspaceFloats(m, g, 2);
            for (int round = 0; round < 3; round++) {
                float[] ws = new float[(int) need];
                Arrays.fill(ws, Float.NaN);
                Winograd.conv(m, a, 0, g, im, 0, shared, 0, ws, 0, need, par, null, 0);
                assertThat(shared).isEqualTo(one);
            }
        }
        assertThat(own).isEqualTo(one);
    }

    /**
     * In a planned workspace the kernel stays inside it, gets the bits of its own buffers, and with
     * room for fewer parts than threads runs fewer parts.
     */
    @Property(tries = 40)
    void aPlannedWorkspaceIsUsedWithinItsBounds(@ForAll @IntRange(min = 8, max = 200) int m,
                                                @ForAll @IntRange(min = 8, max = 512) int c,
                                                @ForAll @IntRange(min = 1, max = 40) int side, @ForAll boolean onePart,
                                                @ForAll long seed) {
        ConvGeometry g = geometry(c, side, side + 3);
        float[] a = filters(m, c, seed), im = data(c * g.h() * g.w(), 1, seed + 1);
        int hw = g.h() * g.w();
        float[] own = new float[m * hw], planned = new float[m * hw];
        try (Parallel par = new Parallel(2)) {
            Winograd.conv(m, a, 0, g, im, 0, own, 0, null, 0, 0, par, null, 0);
            long need = Winograd.workspaceFloats(m, g, onePart ? 1 : 2);
            assertThat(need).isPositive();
            float[] ws = new float[(int) need + 64];
            Arrays.fill(ws, Float.NaN);
            Winograd.conv(m, a, 0, g, im, 0, planned, 0, ws, 32, need, par, null, 0);
            for (int i = 0; i < 32; i++) {
                assertThat(ws[i]).as("before the workspace").isNaN();
                assertThat(ws[ws.length - 1 - i]).as("after the workspace").isNaN();
            }
            // A workspace one float short of a part: never touched, the threads' own buffers instead.
            long part = Winograd.workspaceFloats(m, g, 1);
            float[] small = new float[(int) part];
            Arrays.fill(small, Float.NaN);
            float[] fallback = new float[m * hw];
            Winograd.conv(m, a, 0, g, im, 0, fallback, 0, small, 0, part - 1, par, null, 0);
            for (float f : small) assertThat(f).as("the too-small workspace").isNaN();
            assertThat(fallback).isEqualTo(own);
        }
        assertThat(planned).isEqualTo(own);
    }
}
