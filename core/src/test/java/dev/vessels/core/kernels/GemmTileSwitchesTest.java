package dev.vessels.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import dev.vessels.core.exec.Parallel;
import dev.vessels.core.layers.Activation;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import org.junit.jupiter.api.Test;

/**
 * Speed pass 9c's paths of {@link Gemm} against the ones they replace, bit for bit: the epilogue
 * applied in the tile store ({@link Epilogue#storeTile}, switch {@code fusedStore}), tiles row by
 * row for small K blocks ({@code tileRows}) and all K blocks per block of rows where all of B fits
 * the scratch ({@code kInner}); and speed pass 15's: last panels of at most 12 columns as half-vector
 * chains ({@code columnTail}), and A read in place from a segment below 96 columns
 * ({@code segmentDirect}). Each switch flipped alone (or all off: the code before) must give
 * the default's bits, and the default must equal the GEMM's FMA chain followed by the separate
 * batch-norm/bias and activation passes. Operands include ±0, ±∞ and NaN (NaNs compared as NaN).
 */
class GemmTileSwitchesTest {
    private static final Parallel TWO = new Parallel(2);
    private static final String[] SWITCHES = {"fusedStore", "tileRows", "kInner", "columnTail", "segmentDirect"};

    @AfterContainer
    static void closePool() {
        TWO.close();
    }

    /** Uniform in [−1, 1), with about one value in {@code special} replaced by ±0, ±∞ or NaN. */
    static float[] fill(Random r, int len, int special) {
        float[] x = new float[len];
        float[] odd = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
        for (int i = 0; i < len; i++) {
            x[i] = special > 0 && r.nextInt(special) == 0 ? odd[r.nextInt(odd.length)] : r.nextFloat() * 2 - 1;
        }
        return x;
    }

    static void set(String name, boolean value) {
        switch (name) {
            case "fusedStore" -> Gemm.fusedStore = value;
            case "tileRows" -> Gemm.tileRows = value;
            case "kInner" -> Gemm.kInner = value;
            case "columnTail" -> Gemm.columnTail = value;
            case "segmentDirect" -> Gemm.segmentDirectOn = value;
            default -> throw new IllegalArgumentException(name);
        }
    }

    static boolean get(String name) {
        return switch (name) {
            case "fusedStore" -> Gemm.fusedStore;
            case "tileRows" -> Gemm.tileRows;
            case "kInner" -> Gemm.kInner;
            case "columnTail" -> Gemm.columnTail;
            case "segmentDirect" -> Gemm.segmentDirectOn;
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** One problem: A (float[] and the same floats in a segment), B (or an image), batch-norm params. */
    record Problem(int m, int n, int k, float[] a, MemorySegment seg, float[] b, float[] im, ConvGeometry g, float[] p,
                   boolean batchNorm, Activation act) {
        /** C (starting as {@code c0}) from one call of the chosen path with the epilogue. */
        float[] run(float[] c0, boolean accumulate, boolean conv, boolean segment, Parallel par) {
            float[] c = c0.clone();
            Epilogue e = epilogue();
            if (conv) {
                if (segment) {
                    Gemm.conv(m, seg, 0, k, g, im, 0, c, 1, n, accumulate, par, e, 0);
                } else {
                    Gemm.conv(m, a, 0, k, g, im, 0, c, 1, n, accumulate, par, e, 0);
                }
            } else if (segment) {
                Gemm.gemm(m, n, k, seg, 0, k, b, 0, n, c, 1, n, accumulate, par, e, 0);
            } else {
                Gemm.gemm(m, n, k, a, 0, k, b, 0, n, c, 1, n, accumulate, par, e, 0);
            }
            return c;
        }

        Epilogue epilogue() {
            Epilogue e = Epilogue.forThisThread();
            return batchNorm ? e.setBatchNorm(p, m, 2 * m, 3 * m, 0, m, act) : e.setBias(p, 0, m, act);
        }
    }

    static Problem problem(Random r, int m, int n, int k, int special, boolean batchNorm, Activation act, Arena arena) {
        float[] a = fill(r, m * k, special), b = fill(r, k * n, special);
        MemorySegment seg = arena.allocate(4L * a.length + 4, 4);
        for (int i = 0; i < a.length; i++) seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, a[i]);
        // B as the im2col of a 1×(n+k−1) image under a 1×k kernel: K = k, N = n (the fused conv's packing).
        ConvGeometry g = new ConvGeometry(1, 1, n + k - 1, 1, k, 1, 1, 0, 0, 1, n);
        float[] im = fill(r, n + k - 1, special);
        float[] p = fill(r, 4 * m, special); // [bias | scale | mean | variance]
        for (int f = 0; f < m; f++) p[3 * m + f] = Math.abs(p[3 * m + f]);
        return new Problem(m, n, k, a, seg, b, im, g, p, batchNorm, act);
    }

    @Property(tries = 250)
    void everySwitchFlippedGivesTheDefaultsBits(@ForAll @IntRange(min = 1, max = 50) int m,
                                               @ForAll @IntRange(min = 16, max = 300) int n,
                                               @ForAll @IntRange(min = 1, max = 1100) int k,
                                               @ForAll Activation act, @ForAll boolean batchNorm,
                                               @ForAll boolean accumulate, @ForAll boolean conv, @ForAll boolean segment,
                                               @ForAll boolean twoThreads, @ForAll @IntRange(min = 0, max = 5) int which,
                                               @ForAll long seed) {
        Random r = new Random(seed);
        try (Arena arena = Arena.ofShared()) {
            Problem pr = problem(r, m, n, k, r.nextInt(3) == 0 ? 0 : 50, batchNorm, act, arena);
            float[] c0 = fill(r, m * n + 3, 40);
            Parallel par = twoThreads ? TWO : Parallel.SERIAL;
            float[] want = pr.run(c0, accumulate, conv, segment, par);
            // which = 5: every switch off at once (the code before these passes).
            String[] flip = which == 5 ? SWITCHES : new String[] {SWITCHES[which]};
            boolean[] was = new boolean[flip.length];
            for (int i = 0; i < flip.length; i++) {
                was[i] = get(flip[i]);
                set(flip[i], which == 5 ? false : !was[i]);
            }
            float[] got;
            try {
                got = pr.run(c0, accumulate, conv, segment, par);
            } finally {
                for (int i = 0; i < flip.length; i++) set(flip[i], was[i]);
            }
            for (int i = 0; i < want.length; i++) {
                // NaNs as NaN: which of two NaN operands an add passes on follows the JIT's operand
                // order (a sum's NaN sign differed between compilations of one path, GroupConvTest).
                assertThat(Float.floatToIntBits(got[i])).as("element %d (%dx%dx%d)", i, m, n, k)
                        .isEqualTo(Float.floatToIntBits(want[i]));
            }
        }
    }

    @Property(tries = 150)
    void defaultEqualsTheChainThenSeparatePasses(@ForAll @IntRange(min = 1, max = 50) int m,
                                                 @ForAll @IntRange(min = 16, max = 300) int n,
                                                 @ForAll @IntRange(min = 1, max = 1100) int k,
                                                 @ForAll Activation act, @ForAll boolean batchNorm,
                                                 @ForAll boolean segment, @ForAll boolean twoThreads, @ForAll long seed) {
        Random r = new Random(seed);
        try (Arena arena = Arena.ofShared()) {
            Problem pr = problem(r, m, n, k, r.nextInt(3) == 0 ? 0 : 50, batchNorm, act, arena);
            float[] got = pr.run(new float[m * n + 1], false, false, segment, twoThreads ? TWO : Parallel.SERIAL);
            float[] want = new float[m * n + 1];
            float[] c = new float[m * n];
            GemmTest.chain(m, n, k, pr.a(), k, pr.b(), n, c, n, false);
            if (batchNorm) {
                ChannelOps.batchNormPlain(c, 0, m, n, pr.p(), m, 2 * m, 3 * m, 0);
            } else {
                ChannelOps.addBias(c, 0, m, n, pr.p(), 0);
            }
            Activations.apply(act, c, 0, m * n);
            System.arraycopy(c, 0, want, 1, m * n);
            for (int i = 0; i < want.length; i++) {
                // NaNs as NaN: which of two NaN operands an operation passes on is no part of the contract.
                assertThat(Float.floatToIntBits(got[i])).as("element %d (%dx%dx%d)", i, m, n, k)
                        .isEqualTo(Float.floatToIntBits(want[i]));
            }
        }
    }

    /** K-block ranges (a weight matrix served a few K blocks at a time) on the kInner path: one call's bits. */
    @Property(tries = 60)
    void kBlockRangesOnTheKInnerPathGiveOneCallsBits(@ForAll @IntRange(min = 1, max = 40) int m,
                                                    @ForAll @IntRange(min = 16, max = 130) int n,
                                                    @ForAll @IntRange(min = 257, max = 2100) int k,
                                                    @ForAll boolean conv, @ForAll boolean twoThreads, @ForAll long seed) {
        Random r = new Random(seed);
        try (Arena arena = Arena.ofShared()) {
            Problem pr = problem(r, m, n, k, 0, true, Activation.LEAKY, arena);
            Parallel par = twoThreads ? TWO : Parallel.SERIAL;
            float[] whole = pr.run(new float[m * n + 1], false, conv, false, par);
            int kb = Gemm.kBlocks(k);
            float[] pieces = new float[m * n + 1];
            for (int q0 = 0; q0 < kb; ) {
                int q1 = Math.min(kb, q0 + 1 + r.nextInt(3));
                int c0 = Gemm.kBlockStart(k, q0), cols = Gemm.kBlockStart(k, q1) - c0;
                float[] part = new float[m * cols]; // the piece's columns of A, cols apart
                for (int i = 0; i < m; i++) System.arraycopy(pr.a(), i * k + c0, part, i * cols, cols);
                if (conv) {
                    Gemm.convBlocks(m, q0, q1, part, 0, cols, pr.g(), pr.im(), 0, pieces, 1, n, false, par, pr.epilogue(), 0);
                } else {
                    Gemm.gemmBlocks(m, n, k, q0, q1, part, 0, cols, pr.b(), 0, n, pieces, 1, n, false, par, pr.epilogue(), 0);
                }
                q0 = q1;
            }
            assertThat(pieces).isEqualTo(whole);
        }
    }

    @Test
    void theNewPathsServeTheShapesTheyWereMadeFor() {
        // Row order for small K blocks only; all K blocks inner only while the packed B fits.
        assertThat(Gemm.tileRows && Gemm.fusedStore && Gemm.kInner).as("on by default").isTrue();
        assertThat(Gemm.kInnerFits(64, 2048)).as("ResNet152's 8×8 1×1 convolutions").isTrue();
        assertThat(Gemm.kInnerFits(64, 4096)).as("ResNeXt152's").isTrue();
        assertThat(Gemm.kInnerFits(256, 2304)).as("a 3×3 conv at 16×16: B too large").isFalse();
        assertThat(Gemm.kInnerFits(1024, 512)).as("wide maps").isFalse();
    }

    @Test
    void resNeXtsSmallKShapesAreTheChainBitForBit() {
        // ResNeXt152's 1×1 64→512 at 64×64 (K = 64, one block, rows order, the fused store) and the
        // 8×8 4096→512 (K = 4096, kInner), on two threads, against one thread with every switch off.
        int[][] shapes = {{512, 64, 4096}, {40, 4096, 64}};
        for (int[] s : shapes) {
            Random r = new Random(s[0] + s[1]);
            try (Arena arena = Arena.ofShared()) {
                Problem pr = problem(r, s[0], s[2], s[1], 0, true, Activation.LEAKY, arena);
                float[] c0 = new float[s[0] * s[2] + 1];
                float[] fast = pr.run(c0, false, false, true, TWO);
                boolean[] was = new boolean[SWITCHES.length];
                for (int i = 0; i < SWITCHES.length; i++) {
                    was[i] = get(SWITCHES[i]);
                    set(SWITCHES[i], false);
                }
                float[] old;
                try {
                    old = pr.run(c0, false, false, true, Parallel.SERIAL);
                } finally {
                    for (int i = 0; i < SWITCHES.length; i++) set(SWITCHES[i], was[i]);
                }
                assertThat(fast).isEqualTo(old);
            }
        }
    }
}
