package dev.vessels.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Darknet's {@code shortcut_cpu}: out = alpha·out + beta·add over the overlapping channels and
 * positions, where the larger of the two is sampled with an integer stride. The fast path
 * vectorises the same-shape case (every residual block) with the twin's exact operations
 * (multiply, multiply, add; no FMA), so both agree bit for bit.
 */
public final class Shortcut {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Shortcut() {}

    public static void add(int w1, int h1, int c1, float[] add, int addOff, int w2, int h2, int c2, float alpha, float beta,
                           float[] out, int outOff) {
        if (w1 != w2 || h1 != h2) {
            addPlain(w1, h1, c1, add, addOff, w2, h2, c2, alpha, beta, out, outOff);
            return;
        }
        int n = Math.min(c1, c2) * h1 * w1, vend = n / L * L, i = 0;
        if (alpha == 1 && beta == 1) {
            for (; i < vend; i += L) {
                FloatVector.fromArray(S, out, outOff + i).add(FloatVector.fromArray(S, add, addOff + i))
                        .intoArray(out, outOff + i);
            }
            for (; i < n; i++) out[outOff + i] = out[outOff + i] + add[addOff + i];
        } else {
            for (; i < vend; i += L) {
                FloatVector.fromArray(S, out, outOff + i).mul(alpha)
                        .add(FloatVector.fromArray(S, add, addOff + i).mul(beta)).intoArray(out, outOff + i);
            }
            for (; i < n; i++) out[outOff + i] = alpha * out[outOff + i] + beta * add[addOff + i];
        }
    }

    public static void addPlain(int w1, int h1, int c1, float[] add, int addOff, int w2, int h2, int c2, float alpha,
                                float beta, float[] out, int outOff) {
        int stride = Math.max(1, w1 / w2), sample = Math.max(1, w2 / w1);
        int minw = Math.min(w1, w2), minh = Math.min(h1, h2), minc = Math.min(c1, c2);
        for (int k = 0; k < minc; k++) {
            for (int j = 0; j < minh; j++) {
                for (int i = 0; i < minw; i++) {
                    int o = outOff + i * sample + w2 * (j * sample + h2 * k);
                    int a = addOff + i * stride + w1 * (j * stride + h1 * k);
                    out[o] = alpha * out[o] + beta * add[a];
                }
            }
        }
    }
}
