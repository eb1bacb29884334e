package dev.vessels.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vessels.core.exec.Parallel;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

class PoolingTest {
    private static final Parallel TWO = new Parallel(2);

    @AfterContainer
    static void closePool() {
        TWO.close();
    }

    @Property(tries = 300)
    void maxAndLocalAverageEqualPlain(@ForAll @IntRange(min = 1, max = 5) int c, @ForAll @IntRange(min = 1, max = 17) int h,
                                      @ForAll @IntRange(min = 1, max = 17) int w,
                                      @ForAll @IntRange(min = 1, max = 4) int size,
                                      @ForAll @IntRange(min = 1, max = 3) int stride,
                                      @ForAll @IntRange(min = 0, max = 4) int padding,
                                      @ForAll @IntRange(min = 0, max = 5) int xOff, @ForAll @IntRange(min = 0, max = 5) int yOff,
                                      @ForAll boolean twoThreads, @ForAll long seed) {
        // Darknet's output size for [maxpool]: (h + padding - size)/stride + 1.
        int oh = (h + padding - size) / stride + 1, ow = (w + padding - size) / stride + 1;
        Assume.that(oh >= 1 && ow >= 1);
        float[] x = KernelData.withSpecials(seed, xOff + c * h * w + 2);
        int len = yOff + c * oh * ow + 2;
        float[] fast = KernelData.uniform(seed + 1, len, 1f), ref = fast.clone();
        Pooling.max(x, xOff, c, h, w, size, stride, padding, oh, ow, fast, yOff, twoThreads ? TWO : Parallel.SERIAL);
        Pooling.maxPlain(x, xOff, c, h, w, size, stride, padding, oh, ow, ref, yOff);
        assertThat(fast).isEqualTo(ref);

        float[] fa = KernelData.uniform(seed + 2, len, 1f), ra = fa.clone();
        float[] xa = KernelData.uniform(seed + 3, x.length, 4f);
        Pooling.avgLocal(xa, xOff, c, h, w, size, stride, padding, oh, ow, fa, yOff, twoThreads ? TWO : Parallel.SERIAL);
        Pooling.avgLocalPlain(xa, xOff, c, h, w, size, stride, padding, oh, ow, ra, yOff);
        assertThat(fa).isEqualTo(ra);
    }

    @Property(tries = 100)
    void maxOnALargeMapUsesThreadsAndStaysExact(@ForAll @IntRange(min = 30, max = 70) int c, @ForAll long seed) {
        int h = 24, w = 24, oh = 12, ow = 12;
        float[] x = KernelData.uniform(seed, c * h * w, 5f);
        float[] fast = new float[c * oh * ow], ref = new float[c * oh * ow];
        Pooling.max(x, 0, c, h, w, 2, 2, 0, oh, ow, fast, 0, TWO, false); // split whatever the size
        Pooling.maxPlain(x, 0, c, h, w, 2, 2, 0, oh, ow, ref, 0);
        assertThat(fast).isEqualTo(ref);
    }

    @Property(tries = 150)
    void globalAverageEqualsPlain(@ForAll @IntRange(min = 1, max = 13) int c, @ForAll @IntRange(min = 1, max = 60) int spatial,
                                  @ForAll @IntRange(min = 0, max = 5) int xOff, @ForAll @IntRange(min = 0, max = 5) int yOff,
                                  @ForAll long seed) {
        float[] x = KernelData.uniform(seed, xOff + c * spatial, 3f);
        float[] fast = KernelData.uniform(seed + 1, yOff + c + 2, 1f), ref = fast.clone();
        Pooling.avgGlobal(x, xOff, c, spatial, fast, yOff);
        Pooling.avgGlobalPlain(x, xOff, c, spatial, ref, yOff);
        assertThat(fast).isEqualTo(ref);
    }

    @Property(tries = 200)
    void maxOnWideRowsEqualsPlainBitForBitWithSignedZerosAndNaNs(@ForAll @IntRange(min = 1, max = 3) int c,
                                                                  @ForAll @IntRange(min = 1, max = 9) int h,
                                                                  @ForAll @IntRange(min = 1, max = 140) int w,
                                                                  @ForAll @IntRange(min = 1, max = 7) int size,
                                                                  @ForAll @IntRange(min = 1, max = 3) int stride,
                                                                  @ForAll @IntRange(min = 0, max = 8) int padding,
                                                                  @ForAll @IntRange(min = 0, max = 5) int xOff,
                                                                  @ForAll boolean twoThreads, @ForAll long seed) {
        // Sizes and paddings past 4 (YOLOv3-SPP pools 5, 9, 13 with padding size - 1) on maps narrower
        // than half the padding: no output of a row has its whole window inside it.
        // Rows wide enough for the vector path (16 outputs at a time); values drawn from a small set
        // with ties of -0 and +0, and NaNs, so the order of comparisons shows in the bits.
        int oh = (h + padding - size) / stride + 1, ow = (w + padding - size) / stride + 1;
        net.jqwik.api.Assume.that(oh > 0 && ow > 0);
        java.util.Random r = new java.util.Random(seed);
        float[] pool = {0f, -0f, 1f, -1f, Float.NaN, 2.5f, -Float.MAX_VALUE};
        float[] x = new float[xOff + c * h * w];
        for (int i = 0; i < x.length; i++) x[i] = pool[r.nextInt(pool.length)];
        float[] fast = new float[c * oh * ow], ref = new float[c * oh * ow];
        // Two threads: split whatever the size (channels or rows, by the seed's parity).
        Pooling.max(x, xOff, c, h, w, size, stride, padding, oh, ow, fast, 0, twoThreads ? TWO : Parallel.SERIAL, (seed & 1) == 0);
        Pooling.maxPlain(x, xOff, c, h, w, size, stride, padding, oh, ow, ref, 0);
        for (int i = 0; i < ref.length; i++) {
            assertThat(Float.floatToRawIntBits(fast[i])).as("output %d", i).isEqualTo(Float.floatToRawIntBits(ref[i]));
        }
    }

    @Property(tries = 300)
    void stride2StripsEqualPlainBitForBit(@ForAll @IntRange(min = 2, max = 3) int size, @ForAll @IntRange(min = 0, max = 3) int padding,
                                          @ForAll @IntRange(min = 1, max = 4) int c, @ForAll @IntRange(min = 2, max = 60) int h,
                                          @ForAll @IntRange(min = 2, max = 90) int w, @ForAll @IntRange(min = 0, max = 5) int xOff,
                                          @ForAll boolean twoThreads, @ForAll boolean byRows, @ForAll long seed) {
        // The 2x2/2 and 3x3/2 max (AlexNet, VGG16, ResNet, DenseNet, tiny-yolo) runs whole columns of
        // output rows at a time, folding each input row once and combining the rows: ties of -0 and
        // +0, NaNs and -FLT_MAX must come out as the plain fold's bits. x ends right at the map, so
        // the last strips' loads would run past it and take the masked path; maps tall enough for
        // the two-thread split (by channels or by output rows).
        int oh = (h + padding - size) / 2 + 1, ow = (w + padding - size) / 2 + 1;
        Assume.that(oh > 0 && ow > 0);
        java.util.Random r = new java.util.Random(seed);
        float[] pool = {0f, -0f, 1f, -1f, Float.NaN, 2.5f, -Float.MAX_VALUE, Float.NEGATIVE_INFINITY};
        float[] x = new float[xOff + c * h * w];
        for (int i = 0; i < x.length; i++) x[i] = pool[r.nextInt(pool.length)];
        float[] fast = new float[c * oh * ow], ref = new float[c * oh * ow];
        Pooling.max(x, xOff, c, h, w, size, 2, padding, oh, ow, fast, 0, twoThreads ? TWO : Parallel.SERIAL, byRows);
        Pooling.maxPlain(x, xOff, c, h, w, size, 2, padding, oh, ow, ref, 0);
        for (int i = 0; i < ref.length; i++) {
            assertThat(Float.floatToRawIntBits(fast[i])).as("output %d", i).isEqualTo(Float.floatToRawIntBits(ref[i]));
        }
    }

    @Property(tries = 30)
    void rowSplitOnALargeMapStaysExact(@ForAll @IntRange(min = 2, max = 3) int size, @ForAll @IntRange(min = 40, max = 80) int c,
                                       @ForAll long seed) {
        // AlexNet's first pool's map (55x55, 3x3/2): enough outputs for two threads, each thread
        // every channel's rows [i0, i1).
        int h = 55, w = 55, oh = (h - size) / 2 + 1, ow = oh;
        float[] x = KernelData.withSpecials(seed, c * h * w);
        float[] fast = new float[c * oh * ow], ref = new float[c * oh * ow];
        Pooling.max(x, 0, c, h, w, size, 2, 0, oh, ow, fast, 0, TWO, true);
        Pooling.maxPlain(x, 0, c, h, w, size, 2, 0, oh, ow, ref, 0);
        for (int i = 0; i < ref.length; i++) {
            assertThat(Float.floatToRawIntBits(fast[i])).as("output %d", i).isEqualTo(Float.floatToRawIntBits(ref[i]));
        }
    }

    @Property(tries = 200)
    void localAverageOnWideRowsEqualsPlainBitForBit(@ForAll @IntRange(min = 1, max = 3) int c,
                                                    @ForAll @IntRange(min = 1, max = 9) int h,
                                                    @ForAll @IntRange(min = 1, max = 140) int w,
                                                    @ForAll @IntRange(min = 1, max = 5) int size,
                                                    @ForAll @IntRange(min = 1, max = 3) int stride,
                                                    @ForAll @IntRange(min = 0, max = 4) int padding,
                                                    @ForAll @IntRange(min = 0, max = 5) int xOff,
                                                    @ForAll boolean twoThreads, @ForAll boolean specials, @ForAll long seed) {
        // Rows wide enough for the vector path (16 outputs at a time, InceptionV3's 17x17 and 35x35
        // maps included); values of every magnitude, or with NaNs, infinities and signed zeros, so a
        // different order of additions or a different divisor shows in the bits.
        int oh = (h + padding - size) / stride + 1, ow = (w + padding - size) / stride + 1;
        Assume.that(oh > 0 && ow > 0);
        float[] x = specials ? KernelData.withSpecials(seed, xOff + c * h * w) : KernelData.uniform(seed, xOff + c * h * w, 1e4f);
        float[] fast = new float[c * oh * ow], ref = new float[c * oh * ow];
        Pooling.avgLocal(x, xOff, c, h, w, size, stride, padding, oh, ow, fast, 0, twoThreads ? TWO : Parallel.SERIAL);
        Pooling.avgLocalPlain(x, xOff, c, h, w, size, stride, padding, oh, ow, ref, 0);
        for (int i = 0; i < ref.length; i++) {
            // Every bit but a NaN's payload and sign, which x86 takes from whichever operand C2 puts
            // first (it may commute an add): floatToIntBits makes every NaN the same.
            assertThat(Float.floatToIntBits(fast[i])).as("output %d", i).isEqualTo(Float.floatToIntBits(ref[i]));
        }
    }

    @Property(tries = 30)
    void localAverageOnALargeMapUsesThreadsAndStaysExact(@ForAll @IntRange(min = 60, max = 100) int c, @ForAll long seed) {
        // InceptionV3's 3x3/1 branch pool at 17x17: enough outputs for the two-thread split.
        int h = 17, w = 17;
        float[] x = KernelData.uniform(seed, c * h * w, 5f);
        float[] fast = new float[c * h * w], ref = new float[c * h * w];
        Pooling.avgLocal(x, 0, c, h, w, 3, 1, 2, h, w, fast, 0, TWO);
        Pooling.avgLocalPlain(x, 0, c, h, w, 3, 1, 2, h, w, ref, 0);
        assertThat(fast).isEqualTo(ref);
    }
}
