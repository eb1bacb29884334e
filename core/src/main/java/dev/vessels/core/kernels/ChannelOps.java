package dev.vessels.core.kernels;

/**
 * Per-channel affine operations over C planes of {@code spatial} floats, in Darknet's arithmetic
 * order so results stay within float rounding of it.
 */
public final class ChannelOps {
    /** Darknet's batch-norm epsilon, added to the square root of the variance, not inside it. */
    public static final float BN_EPSILON = .000001f;

    private ChannelOps() {}

    /**
     * x = ((x − mean)/(sqrt(var) + 1e-6))·scale (+ bias when {@code biasOff >= 0}), per channel,
     * with scale, mean, var and bias read from {@code p} at the given offsets.
     */
    public static void batchNorm(float[] x, int off, int channels, int spatial, float[] p, int scaleOff, int meanOff,
                                 int varOff, int biasOff) {
        batchNormPlain(x, off, channels, spatial, p, scaleOff, meanOff, varOff, biasOff);
    }

    public static void batchNormPlain(float[] x, int off, int channels, int spatial, float[] p, int scaleOff, int meanOff,
                                      int varOff, int biasOff) {
        for (int f = 0; f < channels; f++) {
            float mean = p[meanOff + f];
            float denom = (float) Math.sqrt(p[varOff + f]) + BN_EPSILON;
            float scale = p[scaleOff + f];
            float bias = biasOff >= 0 ? p[biasOff + f] : 0f;
            int base = off + f * spatial;
            for (int i = base; i < base + spatial; i++) {
                float v = (x[i] - mean) / denom;
                v = v * scale;
                x[i] = biasOff >= 0 ? v + bias : v;
            }
        }
    }

    /** x += bias per channel. */
    public static void addBias(float[] x, int off, int channels, int spatial, float[] p, int biasOff) {
        addBiasPlain(x, off, channels, spatial, p, biasOff);
    }

    public static void addBiasPlain(float[] x, int off, int channels, int spatial, float[] p, int biasOff) {
        for (int f = 0; f < channels; f++) {
            float b = p[biasOff + f];
            int base = off + f * spatial;
            for (int i = base; i < base + spatial; i++) x[i] += b;
        }
    }
}
