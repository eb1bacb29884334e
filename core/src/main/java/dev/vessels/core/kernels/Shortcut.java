package dev.vessels.core.kernels;

/**
 * Darknet's {@code shortcut_cpu}: out = alpha·out + beta·add over the overlapping channels and
 * positions, where the larger of the two is sampled with an integer stride.
 */
public final class Shortcut {
    private Shortcut() {}

    public static void add(int w1, int h1, int c1, float[] add, int addOff, int w2, int h2, int c2, float alpha, float beta,
                           float[] out, int outOff) {
        int stride = Math.max(1, w1 / w2), sample = Math.max(1, w2 / w1);
        int minw = Math.min(w1, w2), minh = Math.min(h1, h2), minc = Math.min(c1, c2);
        if (stride == 1 && sample == 1 && w1 == w2 && h1 == h2) {
            int n = minc * h1 * w1;
            if (alpha == 1 && beta == 1) {
                for (int i = 0; i < n; i++) out[outOff + i] = out[outOff + i] + add[addOff + i];
            } else {
                for (int i = 0; i < n; i++) out[outOff + i] = alpha * out[outOff + i] + beta * add[addOff + i];
            }
            return;
        }
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
