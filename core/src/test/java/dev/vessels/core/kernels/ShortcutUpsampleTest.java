package dev.vessels.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vessels.core.exec.Parallel;
import dev.vessels.core.layers.Activation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class ShortcutUpsampleTest {
    @Property(tries = 200)
    void shortcutEqualsPlain(@ForAll @IntRange(min = 1, max = 6) int c1, @ForAll @IntRange(min = 1, max = 6) int c2,
                             @ForAll @IntRange(min = 1, max = 12) int w, @ForAll @IntRange(min = 1, max = 12) int h,
                             @ForAll @IntRange(min = 0, max = 2) int scaleLog, @ForAll boolean addIsLarger,
                             @ForAll("weights") float alpha, @ForAll("weights") float beta,
                             @ForAll @IntRange(min = 0, max = 5) int addOff, @ForAll @IntRange(min = 0, max = 5) int outOff,
                             @ForAll long seed) {
        int f = 1 << scaleLog; // one side may be an integer multiple of the other, as Darknet samples
        int w1 = addIsLarger ? w * f : w, h1 = addIsLarger ? h * f : h;
        int w2 = addIsLarger ? w : w * f, h2 = addIsLarger ? h : h * f;
        float[] add = KernelData.uniform(seed, addOff + c1 * h1 * w1 + 2, 2f);
        float[] fast = KernelData.uniform(seed + 1, outOff + c2 * h2 * w2 + 2, 2f), ref = fast.clone();
        Shortcut.add(w1, h1, c1, add, addOff, w2, h2, c2, alpha, beta, fast, outOff);
        Shortcut.addPlain(w1, h1, c1, add, addOff, w2, h2, c2, alpha, beta, ref, outOff);
        assertThat(fast).isEqualTo(ref);
    }

    @Provide
    Arbitrary<Float> weights() {
        return Arbitraries.of(1f, 1f, 0.5f, -1f, 0.3f);
    }

    @Property(tries = 200)
    void upsampleEqualsPlain(@ForAll @IntRange(min = 1, max = 4) int c, @ForAll @IntRange(min = 1, max = 9) int h,
                             @ForAll @IntRange(min = 1, max = 9) int w, @ForAll @IntRange(min = 1, max = 4) int stride,
                             @ForAll("weights") float scale, @ForAll @IntRange(min = 0, max = 5) int xOff,
                             @ForAll @IntRange(min = 0, max = 5) int yOff, @ForAll long seed) {
        float[] x = KernelData.withSpecials(seed, xOff + c * h * w);
        float[] fast = KernelData.uniform(seed + 1, yOff + c * h * w * stride * stride + 2, 1f), ref = fast.clone();
        Upsample.nearest(x, xOff, c, h, w, stride, scale, fast, yOff);
        Upsample.nearestPlain(x, xOff, c, h, w, stride, scale, ref, yOff);
        assertThat(fast).isEqualTo(ref);
    }

    @Property(tries = 150)
    void onePassResidualEqualsCopyAddActivate(@ForAll @IntRange(min = 1, max = 70000) int n,
                                              @ForAll("weights") float alpha, @ForAll("weights") float beta,
                                              @ForAll Activation act, @ForAll boolean inPlace, @ForAll boolean twoThreads,
                                              @ForAll long seed) {
        float[] x = KernelData.withSpecials(seed, n + 3), add = KernelData.uniform(seed + 1, n + 1, 3f);
        float[] ref = new float[n + 2];
        System.arraycopy(x, 3, ref, 2, n);
        Shortcut.add(n, 1, 1, add, 1, n, 1, 1, alpha, beta, ref, 2);
        Activations.apply(act, ref, 2, n);
        try (Parallel par = new Parallel(twoThreads ? 2 : 1)) {
            if (inPlace) {
                float[] y = x.clone();
                Shortcut.addActivate(y, 3, add, 1, alpha, beta, act, y, 3, n, par);
                for (int i = 0; i < n; i++) {
                    assertThat(Float.floatToRawIntBits(y[3 + i])).isEqualTo(Float.floatToRawIntBits(ref[2 + i]));
                }
            } else {
                float[] y = new float[n + 2];
                Shortcut.addActivate(x, 3, add, 1, alpha, beta, act, y, 2, n, par);
                for (int i = 0; i < n + 2; i++) {
                    assertThat(Float.floatToRawIntBits(y[i])).isEqualTo(Float.floatToRawIntBits(ref[i]));
                }
            }
        }
    }

    /** Another channel count, same map: one pass over the common channels and the rest, as copy + add + activation. */
    @Property(tries = 150)
    void channelPrefixEqualsCopyAddActivate(@ForAll @IntRange(min = 1, max = 9) int c1, @ForAll @IntRange(min = 1, max = 9) int c2,
                                            @ForAll @IntRange(min = 1, max = 8000) int spatial, // up to 72 K floats: both threads' split
                                            @ForAll("weights") float alpha, @ForAll("weights") float beta,
                                            @ForAll Activation act, @ForAll boolean inPlace, @ForAll boolean twoThreads,
                                            @ForAll long seed) {
        int size = c2 * spatial;
        float[] x = KernelData.withSpecials(seed, size + 3), add = KernelData.uniform(seed + 1, c1 * spatial + 1, 3f);
        float[] ref = new float[size + 2];
        System.arraycopy(x, 3, ref, 2, size);
        Shortcut.addPlain(spatial, 1, c1, add, 1, spatial, 1, c2, alpha, beta, ref, 2);
        Activations.applyPlain(act, ref, 2, size);
        try (Parallel par = new Parallel(twoThreads ? 2 : 1)) {
            float[] y;
            int yOff;
            if (inPlace) {
                y = x.clone();
                yOff = 3;
                Shortcut.addActivateSampled(y, 3, add, 1, c1, 1, spatial, 1, alpha, beta, act, y, 3, c2, 1, spatial, par);
            } else {
                y = new float[size + 2];
                yOff = 2;
                Shortcut.addActivateSampled(x, 3, add, 1, c1, 1, spatial, 1, alpha, beta, act, y, 2, c2, 1, spatial, par);
            }
            for (int i = 0; i < size; i++) {
                assertThat(Float.floatToRawIntBits(y[yOff + i])).as("element %d", i)
                        .isEqualTo(Float.floatToRawIntBits(ref[2 + i]));
            }
            if (!inPlace) assertThat(y[0]).isZero(); // nothing written before the output
        }
    }

    /** A larger 'from' map, sampled: one threaded pass, as copy + add (Darknet's sampling) + activation. */
    @Property(tries = 150)
    void sampledEqualsCopyAddActivate(@ForAll @IntRange(min = 1, max = 6) int c1, @ForAll @IntRange(min = 1, max = 6) int c2,
                                      @ForAll @IntRange(min = 1, max = 40) int w, @ForAll @IntRange(min = 1, max = 9) int h,
                                      @ForAll @IntRange(min = 2, max = 3) int stride,
                                      @ForAll("weights") float alpha, @ForAll("weights") float beta,
                                      @ForAll Activation act, @ForAll boolean inPlace, @ForAll boolean twoThreads,
                                      @ForAll long seed) {
        int size = c2 * h * w, addW = stride * w, addH = stride * h;
        float[] x = KernelData.withSpecials(seed, size + 3), add = KernelData.uniform(seed + 1, c1 * addH * addW + 1, 3f);
        float[] ref = new float[size + 2];
        System.arraycopy(x, 3, ref, 2, size);
        Shortcut.addPlain(addW, addH, c1, add, 1, w, h, c2, alpha, beta, ref, 2);
        Activations.applyPlain(act, ref, 2, size);
        try (Parallel par = new Parallel(twoThreads ? 2 : 1)) {
            float[] y;
            int yOff;
            if (inPlace) {
                y = x.clone();
                yOff = 3;
                Shortcut.addActivateSampled(y, 3, add, 1, c1, addH, addW, stride, alpha, beta, act, y, 3, c2, h, w, par);
            } else {
                y = new float[size + 2];
                yOff = 2;
                Shortcut.addActivateSampled(x, 3, add, 1, c1, addH, addW, stride, alpha, beta, act, y, 2, c2, h, w, par);
            }
            for (int i = 0; i < size; i++) {
                assertThat(Float.floatToRawIntBits(y[yOff + i])).as("element %d", i)
                        .isEqualTo(Float.floatToRawIntBits(ref[2 + i]));
            }
        }
    }

    /** A stage's first block at a size the two threads split (ResNet's 256×32×32 from 128×64×64, scaled down in channels). */
    @net.jqwik.api.Example
    void sampledSplitOverThreadsEqualsPlain() {
        int c1 = 24, c2 = 48, h = 32, w = 32, stride = 2, size = c2 * h * w;
        float[] x = KernelData.withSpecials(7, size), add = KernelData.uniform(8, c1 * h * w * stride * stride, 3f);
        float[] ref = x.clone();
        Shortcut.addPlain(w * stride, h * stride, c1, add, 0, w, h, c2, 0.5f, -1f, ref, 0);
        Activations.applyPlain(Activation.LEAKY, ref, 0, size);
        float[] y = new float[size];
        try (Parallel par = new Parallel(2)) {
            Shortcut.addActivateSampled(x, 0, add, 0, c1, h * stride, w * stride, stride, 0.5f, -1f, Activation.LEAKY, y, 0,
                    c2, h, w, par);
        }
        for (int i = 0; i < size; i++) {
            assertThat(Float.floatToRawIntBits(y[i])).as("element %d", i).isEqualTo(Float.floatToRawIntBits(ref[i]));
        }
    }
}
