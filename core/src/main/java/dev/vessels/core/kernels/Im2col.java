package dev.vessels.core.kernels;

/**
 * Unfolds a C×H×W image into the (C·kh·kw) × (oh·ow) column matrix a convolution multiplies by its
 * weights; padded positions are zero. Row r = (c·kh + i)·kw + j, column = oy·ow + ox, as Darknet.
 */
public final class Im2col {
    private Im2col() {}

    public static void im2col(float[] im, int imOff, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                              int oh, int ow, float[] col, int colOff) {
        im2colPlain(im, imOff, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, col, colOff);
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
