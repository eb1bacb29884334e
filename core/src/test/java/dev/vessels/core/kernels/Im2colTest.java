package dev.vessels.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class Im2colTest {
    @Property(tries = 300)
    void fastEqualsPlain(@ForAll @IntRange(min = 1, max = 4) int c, @ForAll @IntRange(min = 1, max = 19) int h,
                         @ForAll @IntRange(min = 1, max = 23) int w, @ForAll @IntRange(min = 1, max = 7) int kh,
                         @ForAll @IntRange(min = 1, max = 7) int kw, @ForAll @IntRange(min = 1, max = 4) int sh,
                         @ForAll @IntRange(min = 1, max = 4) int sw, @ForAll @IntRange(min = 0, max = 4) int ph,
                         @ForAll @IntRange(min = 0, max = 4) int pw, @ForAll @IntRange(min = 0, max = 5) int imOff,
                         @ForAll @IntRange(min = 0, max = 5) int colOff, @ForAll long seed) {
        Assume.that(h + 2 * ph >= kh && w + 2 * pw >= kw);
        int oh = (h + 2 * ph - kh) / sh + 1, ow = (w + 2 * pw - kw) / sw + 1;
        float[] im = KernelData.uniform(seed, imOff + c * h * w + 3, 1f);
        int len = colOff + c * kh * kw * oh * ow + 3;
        // Start from garbage, so a missed zero fill shows.
        float[] fast = KernelData.uniform(seed + 1, len, 9f), ref = fast.clone();
        Im2col.im2col(im, imOff, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, fast, colOff);
        Im2col.im2colPlain(im, imOff, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, ref, colOff);
        assertThat(fast).isEqualTo(ref);
    }
}
