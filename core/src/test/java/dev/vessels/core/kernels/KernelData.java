package dev.vessels.core.kernels;

import java.util.Random;

/** Random test data for the kernel property tests. */
final class KernelData {
    private KernelData() {}

    /** Uniform in [-scale, scale). */
    static float[] uniform(long seed, int len, float scale) {
        Random r = new Random(seed);
        float[] x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (r.nextFloat() * 2 - 1) * scale;
        return x;
    }

    /** Mostly uniform in [-8, 8) with ±0, ±∞, NaN, ±FLT_MAX and the activations' breakpoints mixed in. */
    static float[] withSpecials(long seed, int len) {
        float[] specials = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
                -Float.MAX_VALUE, Float.MIN_VALUE, 1f, -1f, 4f, -4f, 1e-30f, -1e-30f};
        Random r = new Random(seed);
        float[] x = uniform(seed, len, 8f);
        for (int i = 0; i < len; i++) if (r.nextInt(6) == 0) x[i] = specials[r.nextInt(specials.length)];
        return x;
    }
}
