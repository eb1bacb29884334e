package dev.vessels.core.kernels;

/** Nearest-neighbour upsampling by an integer factor, times {@code scale} (Darknet's upsample_cpu). */
public final class Upsample {
    private Upsample() {}

    public static void nearest(float[] x, int xOff, int c, int h, int w, int stride, float scale, float[] y, int yOff) {
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
