package dev.vessels.core.kernels;

/**
 * Unfolds a C×H×W image into the (C·kh·kw) × (oh·ow) column matrix a convolution multiplies by its
 * weights; padded positions are zero. Row r = (c·kh + i)·kw + j, column = oy·ow + ox, as Darknet.
 */
public final class Im2col {
    // The fast path computes, per kernel tap, the range of output columns that read inside the
    // image once, then copies that range (System.arraycopy for stride 1) and zero-fills the pads:
    // no per-element bounds tests. It is a pure copy, so it equals the plain twin bit for bit.
    private Im2col() {}

    public static void im2col(float[] im, int imOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                              int oh, int ow, float[] col, int colOff) {
        int n = oh * ow;
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++) {
                    int row = colOff + ((ch * kh + i) * kw + j) * n;
                    // Output columns whose input x = ox·sw − pw + j lies inside [0, w): [oxLo, oxHi).
                    int oxLo = Math.min(ow, ceilDiv(Math.max(0, pw - j), sw));
                    int oxHi = Math.max(oxLo, Math.min(ow, floorDiv(w - 1 + pw - j, sw) + 1));
                    for (int oy = 0; oy < oh; oy++) {
                        int y = oy * sh - ph + i;
                        int d = row + oy * ow;
                        if (y < 0 || y >= h) {
                            java.util.Arrays.fill(col, d, d + ow, 0f);
                            continue;
                        }
                        if (oxLo > 0) java.util.Arrays.fill(col, d, d + oxLo, 0f);
                        int src = imOff + (ch * h + y) * w + oxLo * sw - pw + j;
                        if (oxHi == oxLo) {
                            // no tap of this row lands inside the image: the fills zero it all
                        } else if (sw == 1) {
                            System.arraycopy(im, src, col, d + oxLo, oxHi - oxLo);
                        } else {
                            for (int ox = oxLo, s = src; ox < oxHi; ox++, s += sw) col[d + ox] = im[s];
                        }
                        if (oxHi < ow) java.util.Arrays.fill(col, d + oxHi, d + ow, 0f);
                    }
                }
            }
        }
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }

    private static int floorDiv(int a, int b) {
        return Math.floorDiv(a, b);
    }

    public static void im2colPlain(float[] im, int imOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph,
                                   int pw, int oh, int ow, float[] col, int colOff) {
        int n = oh * ow;
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++) {
                    int row = colOff + ((ch * kh + i) * kw + j) * n;
                    for (int oy = 0; oy < oh; oy++) {
                        int y = oy * sh - ph + i;
                        for (int ox = 0; ox < ow; ox++) {
                            int x = ox * sw - pw + j;
                            col[row + oy * ow + ox] = (y >= 0 && y < h && x >= 0 && x < w) ? im[imOff + (ch * h + y) * w + x] : 0f;
                        }
                    }
                }
            }
        }
    }

    /**
     * Output rows [oy0, oy1) only of {@link #im2col}'s column matrix: (C·kh·kw) rows of
     * (oy1 − oy0)·ow columns, each value equal to the full matrix's at the same (row, oy, ox). Lets a
     * convolution bound its workspace by tiling over output rows.
     */
    public static void im2colRows(float[] im, int imOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph,
                                  int pw, int ow, int oy0, int oy1, float[] col, int colOff) {
        int n = (oy1 - oy0) * ow;
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++) {
                    int row = colOff + ((ch * kh + i) * kw + j) * n;
                    for (int oy = oy0; oy < oy1; oy++) {
                        int y = oy * sh - ph + i;
                        int dst = row + (oy - oy0) * ow;
                        for (int ox = 0; ox < ow; ox++) {
                            int x = ox * sw - pw + j;
                            col[dst + ox] = (y >= 0 && y < h && x >= 0 && x < w) ? im[imOff + (ch * h + y) * w + x] : 0f;
                        }
                    }
                }
            }
        }
    }
}
