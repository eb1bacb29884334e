package dev.vessels.core.kernels;

import dev.vessels.core.exec.Parallel;

/** Max, global-average and local-average pooling over C×H×W planes, with Darknet's padding rules. */
public final class Pooling {
    private Pooling() {}

    public static void max(float[] x, int xOff, int c, int h, int w, int size, int stride, int padding, int oh, int ow,
                           float[] y, int yOff, Parallel par) {
        maxPlain(x, xOff, c, h, w, size, stride, padding, oh, ow, y, yOff);
    }

    /** Window origin −padding/2; outside positions are −infinity (Darknet uses −FLT_MAX). */
    public static void maxPlain(float[] x, int xOff, int c, int h, int w, int size, int stride, int padding, int oh, int ow,
                                float[] y, int yOff) {
        int off = -padding / 2;
        for (int k = 0; k < c; k++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    float max = -Float.MAX_VALUE;
                    for (int n = 0; n < size; n++) {
                        int cy = off + i * stride + n;
                        for (int m = 0; m < size; m++) {
                            int cx = off + j * stride + m;
                            boolean valid = cy >= 0 && cy < h && cx >= 0 && cx < w;
                            float v = valid ? x[xOff + (k * h + cy) * w + cx] : -Float.MAX_VALUE;
                            if (v > max) max = v;
                        }
                    }
                    y[yOff + (k * oh + i) * ow + j] = max;
                }
            }
        }
    }

    public static void avgGlobal(float[] x, int xOff, int c, int spatial, float[] y, int yOff) {
        avgGlobalPlain(x, xOff, c, spatial, y, yOff);
    }

    /** Darknet sums in order then divides by h·w. */
    public static void avgGlobalPlain(float[] x, int xOff, int c, int spatial, float[] y, int yOff) {
        for (int k = 0; k < c; k++) {
            float s = 0;
            int base = xOff + k * spatial;
            for (int i = 0; i < spatial; i++) s += x[base + i];
            y[yOff + k] = s / spatial;
        }
    }

    public static void avgLocal(float[] x, int xOff, int c, int h, int w, int size, int stride, int padding, int oh, int ow,
                                float[] y, int yOff) {
        avgLocalPlain(x, xOff, c, h, w, size, stride, padding, oh, ow, y, yOff);
    }

    /** Averages the window positions that lie inside the input (padding is not counted). */
    public static void avgLocalPlain(float[] x, int xOff, int c, int h, int w, int size, int stride, int padding, int oh,
                                     int ow, float[] y, int yOff) {
        int off = -padding / 2;
        for (int k = 0; k < c; k++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    float s = 0;
                    int count = 0;
                    for (int n = 0; n < size; n++) {
                        int cy = off + i * stride + n;
                        for (int m = 0; m < size; m++) {
                            int cx = off + j * stride + m;
                            if (cy >= 0 && cy < h && cx >= 0 && cx < w) {
                                s += x[xOff + (k * h + cy) * w + cx];
                                count++;
                            }
                        }
                    }
                    y[yOff + (k * oh + i) * ow + j] = count == 0 ? 0 : s / count;
                }
            }
        }
    }
}
