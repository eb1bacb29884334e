package dev.vessels.core.kernels;

import dev.vessels.core.exec.Parallel;

/** y[M] = W[M×K] · x[K] (W row-major): batch-1 fully connected layers. */
public final class Gemv {
    private Gemv() {}

    public static void gemv(int m, int k, float[] w, int wOff, float[] x, int xOff, float[] y, int yOff, Parallel par) {
        gemvPlain(m, k, w, wOff, x, xOff, y, yOff);
    }

    public static void gemvPlain(int m, int k, float[] w, int wOff, float[] x, int xOff, float[] y, int yOff) {
        for (int i = 0; i < m; i++) {
            float s = 0;
            int wi = wOff + i * k;
            for (int p = 0; p < k; p++) s += w[wi + p] * x[xOff + p];
            y[yOff + i] = s;
        }
    }
}
