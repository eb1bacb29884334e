package dev.vessels.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.vessels.core.layers.Activation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The direct grouped convolution is the fused im2col+GEMM ({@link Gemm#conv}) bit for bit, with the
 * same epilogue, for float[] and segment weights, and its plain twin agrees with both.
 */
class GroupConvTest {

    @Provide
    Arbitrary<Activation> convActivations() {
        return Arbitraries.of(Activation.LINEAR, Activation.LEAKY, Activation.RELU, Activation.LOGISTIC);
    }

    @Property(tries = 400)
    void directEqualsGemmBitForBit(@ForAll @IntRange(min = 1, max = 16) int m, @ForAll @IntRange(min = 1, max = 16) int c,
                                   @ForAll @IntRange(min = 1, max = 37) int h, @ForAll @IntRange(min = 1, max = 70) int w,
                                   @ForAll @IntRange(min = 1, max = 5) int kh, @ForAll @IntRange(min = 1, max = 5) int kw,
                                   @ForAll @IntRange(min = 1, max = 3) int stride, @ForAll @IntRange(min = 0, max = 2) int pad,
                                   @ForAll boolean batchNorm, @ForAll("convActivations") Activation act,
                                   @ForAll boolean specials, @ForAll long seed) {
        Assume.that(h + 2 * pad >= kh && w + 2 * pad >= kw);
        int oh = (h + 2 * pad - kh) / stride + 1, ow = (w + 2 * pad - kw) / stride + 1;
        ConvGeometry g = new ConvGeometry(c, h, w, kh, kw, stride, stride, pad, pad, oh, ow);
        Assume.that(GroupConv.fits(m, g));
        check(m, g, batchNorm, act, specials, seed);
    }

    /** K above one GEMM K block (c·kh·kw > 256): the per-block chains and adds. */
    @Property(tries = 40)
    void severalKBlocks(@ForAll @IntRange(min = 1, max = 9) int m, @ForAll @IntRange(min = 29, max = 70) int c,
                        @ForAll @IntRange(min = 2, max = 20) int side, @ForAll @IntRange(min = 1, max = 2) int stride,
                        @ForAll boolean batchNorm, @ForAll long seed) {
        int oh = (side + 2 - 3) / stride + 1;
        ConvGeometry g = new ConvGeometry(c, side, side, 3, 3, stride, stride, 1, 1, oh, oh);
        assertThat(Gemm.kBlocks(g.k())).isGreaterThan(1);
        Assume.that(GroupConv.fits(m, g));
        check(m, g, batchNorm, Activation.LEAKY, false, seed);
    }

    /** ResNeXt152's grouped 3×3 shapes, each checked once. */
    @Test
    void resnextShapes() {
        int[][] shapes = {{2, 2, 64, 1}, {4, 4, 32, 1}, {8, 8, 16, 1}, {16, 16, 8, 1}, {4, 2, 64, 2}, {8, 4, 32, 2},
                {16, 8, 16, 2}};
        long seed = 1;
        for (int[] s : shapes) {
            int m = s[0], c = s[1], side = s[2], stride = s[3], o = (side - 1) / stride + 1;
            ConvGeometry g = new ConvGeometry(c, side, side, 3, 3, stride, stride, 1, 1, o, o);
            assertThat(GroupConv.serves(m, g)).as("%s", g).isTrue();
            check(m, g, true, Activation.LEAKY, false, seed++);
        }
    }

    /**
     * Layers serve it only where their K is one K block (the measured ResNeXt case): a 16-filter
     * group of 32 channels (K = 288, AllocationFreeTest's) stays on the GEMM, as does a group of more
     * than {@link GroupConv#MAX_FILTERS} filters; the kernel itself still computes both (above).
     */
    @Test
    void servesOneKBlockOfFewFilters() {
        ConvGeometry k144 = new ConvGeometry(16, 8, 8, 3, 3, 1, 1, 1, 1, 8, 8);
        ConvGeometry k288 = new ConvGeometry(32, 10, 10, 3, 3, 1, 1, 1, 1, 10, 10);
        assertThat(Gemm.kBlocks(k288.k())).isEqualTo(2);
        assertThat(GroupConv.serves(16, k144)).isTrue();
        assertThat(GroupConv.serves(16, k288)).isFalse();
        assertThat(GroupConv.serves(GroupConv.MAX_FILTERS + 1, k144)).isFalse();
    }

    /**
     * Stride 2 on every width from 1 to 70 (3×3 pad 1 and 5×5 pad 2): odd widths make the last
     * output's taps reach the right padding, in either of the two vectors a phase split loads.
     */
    @Test
    void strideTwoOnEveryWidth() {
        for (int w = 1; w <= 70; w++) {
            for (int size = 3; size <= 5; size += 2) {
                int pad = size / 2, oh = (3 + 2 * pad - size) / 2 + 1, ow = (w + 2 * pad - size) / 2 + 1;
                ConvGeometry g = new ConvGeometry(2, 3, w, size, size, 2, 2, pad, pad, oh, ow);
                check(3, g, false, Activation.LINEAR, true, w);
            }
        }
    }

    private static void check(int m, ConvGeometry g, boolean batchNorm, Activation act, boolean specials, long seed) {
        int k = g.k(), n = g.oh() * g.ow(), aOff = 3, imOff = 5, cOff = 7, ldc = n + 2, eRow0 = 1;
        float[] a = KernelData.uniform(seed, aOff + m * k, 1f);
        float[] im = specials ? KernelData.withSpecials(seed + 1, imOff + g.c() * g.h() * g.w() + 4)
                : KernelData.uniform(seed + 1, imOff + g.c() * g.h() * g.w() + 4, 2f);
        float[] p = KernelData.uniform(seed + 2, 4 * (m + eRow0), 1f);
        for (int i = 3 * (m + eRow0); i < p.length; i++) p[i] = Math.abs(p[i]) + 0.1f; // variances
        int rows = m + eRow0;
        float[] want = new float[cOff + m * ldc + 3], got = new float[want.length], plain = new float[want.length];
        java.util.Arrays.fill(got, Float.NaN); // everything the kernel owes must be written
        java.util.Arrays.fill(want, Float.NaN);
        java.util.Arrays.fill(plain, Float.NaN);

        epilogue(p, rows, batchNorm, act);
        Gemm.conv(m, a, aOff, k, g, im, imOff, want, cOff, ldc, false, null, Epilogue.forThisThread(), eRow0);
        epilogue(p, rows, batchNorm, act);
        GroupConv.conv(m, a, aOff, k, g, im, imOff, got, cOff, ldc, Epilogue.forThisThread(), eRow0);
        assertThat(bits(got)).as("direct vs GEMM, %d filters over %s", m, g).isEqualTo(bits(want));

        epilogue(p, rows, batchNorm, act);
        GroupConv.convPlain(m, a, aOff, k, g, im, imOff, plain, cOff, ldc, Epilogue.forThisThread(), eRow0);
        assertThat(bits(plain)).as("plain twin vs GEMM, %d filters over %s", m, g).isEqualTo(bits(want));

        // Weights from a segment of little-endian floats (a mapped weights file).
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate((long) a.length * Float.BYTES + 4, 4);
            ValueLayout.OfFloat le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < a.length; i++) seg.set(le, 4 + (long) i * Float.BYTES, a[i]);
            float[] fromSeg = new float[want.length];
            java.util.Arrays.fill(fromSeg, Float.NaN);
            epilogue(p, rows, batchNorm, act);
            GroupConv.conv(m, seg, aOff + 1, k, g, im, imOff, fromSeg, cOff, ldc, Epilogue.forThisThread(), eRow0);
            assertThat(bits(fromSeg)).as("segment weights, %d filters over %s", m, g).isEqualTo(bits(want));
        }
    }

    private static void epilogue(float[] p, int rows, boolean batchNorm, Activation act) {
        if (batchNorm) {
            Epilogue.forThisThread().setBatchNorm(p, rows, 2 * rows, 3 * rows, 0, rows, act);
        } else {
            Epilogue.forThisThread().setBias(p, 0, rows, act);
        }
    }

    /**
     * Each float's bits, every NaN as the canonical one: which of two NaN operands an x86 add or FMA
     * passes on depends on the operand order C2 picks (Java leaves it unspecified), so a NaN's sign
     * differed between the two kernels' multi-block adds on inputs with NaNs and infinities (as it
     * may between two compilations of one kernel; GemmTest compares the same way). Everything
     * else, −0 included, must be the same bits.
     */
    private static int[] bits(float[] x) {
        int[] b = new int[x.length];
        for (int i = 0; i < x.length; i++) b[i] = Float.floatToIntBits(x[i]);
        return b;
    }
}
