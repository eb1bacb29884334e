package dev.vessels.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class ChannelOpsTest {
    @Property(tries = 200)
    void batchNormEqualsPlain(@ForAll @IntRange(min = 1, max = 9) int channels,
                              @ForAll @IntRange(min = 1, max = 70) int spatial,
                              @ForAll @IntRange(min = 0, max = 7) int off, @ForAll boolean withBias, @ForAll long seed) {
        float[] p = KernelData.uniform(seed, 4 * channels + 3, 2f);
        for (int f = 0; f < channels; f++) p[3 + 3 * channels + f] = Math.abs(p[3 + 3 * channels + f]); // variances
        float[] fast = KernelData.withSpecials(seed + 1, off + channels * spatial + 4), ref = fast.clone();
        int biasOff = withBias ? 3 : -1;
        ChannelOps.batchNorm(fast, off, channels, spatial, p, 3 + channels, 3 + 2 * channels, 3 + 3 * channels, biasOff);
        ChannelOps.batchNormPlain(ref, off, channels, spatial, p, 3 + channels, 3 + 2 * channels, 3 + 3 * channels, biasOff);
        assertThat(fast).isEqualTo(ref);
    }

    @Property(tries = 200)
    void addBiasEqualsPlain(@ForAll @IntRange(min = 1, max = 70) int channels,
                            @ForAll @IntRange(min = 1, max = 70) int spatial,
                            @ForAll @IntRange(min = 0, max = 7) int off, @ForAll @IntRange(min = 0, max = 7) int biasOff,
                            @ForAll long seed) {
        float[] p = KernelData.uniform(seed, biasOff + channels, 2f);
        float[] fast = KernelData.uniform(seed + 1, off + channels * spatial + 4, 3f), ref = fast.clone();
        ChannelOps.addBias(fast, off, channels, spatial, p, biasOff);
        ChannelOps.addBiasPlain(ref, off, channels, spatial, p, biasOff);
        assertThat(fast).isEqualTo(ref);
    }
}
