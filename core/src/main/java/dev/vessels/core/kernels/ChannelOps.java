package dev.vessels.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Per-channel affine operations over C planes of {@code spatial} floats, in Darknet's arithmetic
 * order so results stay within float rounding of it. The vector paths perform the very same
 * operations per element (subtract, divide, multiply, add; no FMA), so they equal the plain twins
 * bit for bit.
 */
public final class ChannelOps {
    /** Darknet's batch-norm epsilon, added to the square root of the variance, not inside it. */
    public static final float BN_EPSILON = .000001f;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private ChannelOps() {}

    /**
     * x = ((x − mean)/(sqrt(var) + 1e-6))·scale (+ bias when {@code biasOff >= 0}), per channel,
     * with scale, mean, var and bias read from {@code p} at the given offsets.
     */
    public static void batchNorm(float[] x, int off, int channels, int spatial, float[] p, int scaleOff, int meanOff,
                                 int varOff, int biasOff) {
        if (spatial < L) {
            // Connected layers (spatial 1) and tiny maps: not worth a vector per channel.
            batchNormPlain(x, off, channels, spatial, p, scaleOff, meanOff, varOff, biasOff);
            return;
        }
        boolean hasBias = biasOff >= 0;
        for (int f = 0; f < channels; f++) {
            float mean = p[meanOff + f];
            float denom = (float) Math.sqrt(p[varOff + f]) + BN_EPSILON;
            float scale = p[scaleOff + f];
            float bias = hasBias ? p[biasOff + f] : 0f;
            int base = off + f * spatial, end = base + spatial, vend = base + spatial / L * L;
            int i = base;
            if (hasBias) {
                for (; i < vend; i += L) {
                    FloatVector.fromArray(S, x, i).sub(mean).div(denom).mul(scale).add(bias).intoArray(x, i);
                }
                for (; i < end; i++) {
                    float v = (x[i] - mean) / denom;
                    v = v * scale;
                    x[i] = v + bias;
                }
            } else {
                for (; i < vend; i += L) FloatVector.fromArray(S, x, i).sub(mean).div(denom).mul(scale).intoArray(x, i);
                for (; i < end; i++) {
                    float v = (x[i] - mean) / denom;
                    x[i] = v * scale;
                }
            }
        }
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
        if (spatial == 1) {
            // Connected layers: one bias per element, so add the bias vector itself.
            int i = 0, vend = channels / L * L;
            for (; i < vend; i += L) {
                FloatVector.fromArray(S, x, off + i).add(FloatVector.fromArray(S, p, biasOff + i)).intoArray(x, off + i);
            }
            for (; i < channels; i++) x[off + i] += p[biasOff + i];
            return;
        }
        for (int f = 0; f < channels; f++) {
            float b = p[biasOff + f];
            int base = off + f * spatial, end = base + spatial, vend = base + spatial / L * L;
            int i = base;
            for (; i < vend; i += L) FloatVector.fromArray(S, x, i).add(b).intoArray(x, i);
            for (; i < end; i++) x[i] += b;
        }
    }

    public static void addBiasPlain(float[] x, int off, int channels, int spatial, float[] p, int biasOff) {
        for (int f = 0; f < channels; f++) {
            float b = p[biasOff + f];
            int base = off + f * spatial;
            for (int i = base; i < base + spatial; i++) x[i] += b;
        }
    }
}
