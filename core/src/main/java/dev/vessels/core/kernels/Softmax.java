package dev.vessels.core.kernels;

/**
 * Darknet's softmax: subtract the max, exponentiate (in double, as C's exp), normalise. Kept scalar:
 * it runs once per prediction over at most a few thousand values (never hot), and Math.exp is the
 * same in every JIT tier while the Vector API's EXP lanes are not.
 */
public final class Softmax {
    private Softmax() {}

    public static void softmax(float[] x, int xOff, int n, float temp, float[] y, int yOff) {
        float largest = -Float.MAX_VALUE;
        for (int i = 0; i < n; i++) largest = Math.max(largest, x[xOff + i]);
        float sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[xOff + i] / temp - largest / temp);
            sum += e;
            y[yOff + i] = e;
        }
        for (int i = 0; i < n; i++) y[yOff + i] /= sum;
    }
}
