package dev.vessels.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vessels.core.layers.Activation;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class ActivationsTest {
    @Property(tries = 400)
    void fastEqualsPlainBitForBit(@ForAll Activation a, @ForAll @IntRange(min = 0, max = 100) int n,
                                  @ForAll @IntRange(min = 0, max = 17) int off, @ForAll long seed) {
        float[] fast = KernelData.withSpecials(seed, off + n + 5), ref = fast.clone(), before = fast.clone();
        Activations.apply(a, fast, off, n);
        Activations.applyPlain(a, ref, off, n);
        // assertThat(float[]).isEqualTo compares with Float.equals: bitwise for NaN and ±0.
        for (int i = 0; i < fast.length; i++) {
            assertThat(Float.floatToRawIntBits(fast[i])).as("%s at %d of x=%s", a, i, before[i])
                    .isEqualTo(Float.floatToRawIntBits(ref[i]));
        }
        for (int i = off + n; i < fast.length; i++) {
            assertThat(Float.floatToRawIntBits(fast[i])).isEqualTo(Float.floatToRawIntBits(before[i]));
        }
    }
}
