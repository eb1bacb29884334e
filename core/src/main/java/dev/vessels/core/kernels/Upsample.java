package dev.vessels.core.kernels;

/**
 * Nearest-neighbour upsampling by an integer factor, times {@code scale} (Darknet's upsample_cpu).
 * The fast path computes each output row once and copies it to the other {@code stride − 1} rows
 * that sample the same input row; the values are the same products, so it equals the twin.
 */
public final class Upsample {
    private Upsample() {}

    public static void nearest(float[] x, int xOff, int c, int h, int w, int stride, float scale, float[] y, int yOff) {
        int ow = w * stride, oh = h * stride;
        for (int k = 0; k < c; k++) {
            for (int j = 0; j < h; j++) {
                int src = xOff + (k * h + j) * w;
                int dst = yOff + (k * oh + j * stride) * ow;
                for (int i = 0, o = dst; i < w; i++) {
                    float v = scale * x[src + i];
                    for (int s = 0; s < stride; s++) y[o++] = v;
                }
                for (int r = 1; r < stride; r++) System.arraycopy(y, dst, y, dst + r * ow, ow);
            }
        }
    }

    public static void nearestPlain(float[] x, int xOff, int c, int h, int w, int stride, float scale, float[] y, int yOff) {
        int ow = w * stride, oh = h * stride;
        for (int k = 0; k < c; k++) {
            for (int j = 0; j < oh; j++) {
                int src = xOff + (k * h + j / stride) * w;
                int dst = yOff + (k * oh + j) * ow;
                for (int i = 0; i < ow; i++) y[dst + i] = scale * x[src + i / stride];
            }
        }
    }
}
