package dev.vessels.core.image;

import java.awt.image.Raster;

/**
 * Closes the one gap between the JDK's JPEG decoder (IJG libjpeg 6b) and libjpeg-turbo, which
 * OpenCV, and so Darknet, uses: chroma stored at half the vertical resolution only ("4:4:0",
 * common in photos from Apple's software, e.g. Darknet's dog.jpg and eagle.jpg). libjpeg 6b
 * upsamples it by repeating each chroma row; libjpeg-turbo interpolates ("fancy" h1v2 upsampling),
 * which moves colour edges by up to ~35 levels. For every other sampling both libraries run the
 * same integer code, so their pixels are identical.
 *
 * <p>For a 4:4:0 image we take the decoder's raw Y/Cb/Cr raster (colour conversion off), recover
 * each chroma row from its repeated pair, upsample it as libjpeg-turbo does, and convert to RGB with
 * libjpeg's own fixed-point tables.
 */
final class JpegChroma {
    private static final int SCALEBITS = 16;
    private static final int ONE_HALF = 1 << (SCALEBITS - 1);
    private static final int[] CR_R = new int[256]; // libjpeg's Cr_r_tab
    private static final int[] CB_B = new int[256]; // Cb_b_tab
    private static final int[] CR_G = new int[256]; // Cr_g_tab (scaled by 2^16)
    private static final int[] CB_G = new int[256]; // Cb_g_tab (scaled by 2^16, with ONE_HALF)

    static {
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private JpegChroma() {}

    private static int fix(double x) {
        return (int) (x * (1L << SCALEBITS) + 0.5);
    }

    /** The frame header facts that decide the colour path. */
    record Frame(int components, int[] h, int[] v, boolean ycc) {
        /** True for a YCbCr image with some component at full width and half height (libjpeg-turbo's h1v2 case). */
        boolean needsH1v2() {
            if (components != 3 || !ycc) return false;
            int hMax = 0;
            int vMax = 0;
            for (int i = 0; i < 3; i++) {
                hMax = Math.max(hMax, h[i]);
                vMax = Math.max(vMax, v[i]);
            }
            for (int i = 0; i < 3; i++) {
                if (h[i] == hMax && 2 * v[i] == vMax) return true;
            }
            return false;
        }

        boolean h1v2(int comp) {
            int hMax = Math.max(h[0], Math.max(h[1], h[2]));
            int vMax = Math.max(v[0], Math.max(v[1], v[2]));
            return h[comp] == hMax && 2 * v[comp] == vMax;
        }
    }

    /**
     * Reads the SOF header, and libjpeg's rule for whether 3 components are YCbCr: a JFIF marker
     * says so; otherwise an Adobe marker's transform flag (0 = RGB); otherwise component ids
     * 'R','G','B' mean RGB; anything else is YCbCr. Null when the markers cannot be followed.
     */
    static Frame frame(byte[] b) {
        boolean jfif = false;
        int adobeTransform = -1;
        int p = 2;
        while (p + 4 <= b.length) {
            if ((b[p] & 0xFF) != 0xFF) return null;
            int m = b[p + 1] & 0xFF;
            if (m == 0xFF) {
                p++;
                continue;
            }
            if (m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) {
                p += 2;
                continue;
            }
            if (m == 0xD9 || m == 0xDA) return null; // no frame header before the data
            int len = ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
            int s = p + 4;
            int end = p + 2 + len;
            if (len < 2 || end > b.length) return null;
            if (m == 0xE0 && end - s >= 5 && b[s] == 'J' && b[s + 1] == 'F' && b[s + 2] == 'I' && b[s + 3] == 'F' && b[s + 4] == 0) {
                jfif = true;
            } else if (m == 0xEE && end - s >= 12 && b[s] == 'A' && b[s + 1] == 'd' && b[s + 2] == 'o' && b[s + 3] == 'b'
                    && b[s + 4] == 'e') {
                adobeTransform = b[s + 11] & 0xFF;
            } else if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) { // SOFn
                if (end - s < 6) return null;
                int n = b[s + 5] & 0xFF;
                if (end - s < 6 + 3 * n) return null;
                int[] h = new int[n];
                int[] v = new int[n];
                int[] id = new int[n];
                for (int i = 0; i < n; i++) {
                    id[i] = b[s + 6 + 3 * i] & 0xFF;
                    h[i] = (b[s + 7 + 3 * i] & 0xFF) >> 4;
                    v[i] = b[s + 7 + 3 * i] & 0x0F;
                    if (h[i] < 1 || v[i] < 1) return null;
                }
                boolean ycc;
                if (n != 3) ycc = false;
                else if (jfif) ycc = true;
                else if (adobeTransform >= 0) ycc = adobeTransform != 0;
                else ycc = !(id[0] == 'R' && id[1] == 'G' && id[2] == 'B');
                return new Frame(n, h, v, ycc);
            }
            p = end;
        }
        return null;
    }

    /**
     * Planar RGB from the decoder's Y/Cb/Cr raster, whose half-height components were upsampled by
     * repeating rows: those are re-upsampled with libjpeg-turbo's h1v2 triangle filter.
     */
    static Image toRgb(Raster ycc, Frame f) {
        int w = ycc.getWidth();
        int h = ycc.getHeight();
        int plane = w * h;
        int[][] comp = new int[3][plane]; // [component][h*w] 8-bit samples
        for (int c = 0; c < 3; c++) {
            ycc.getSamples(0, 0, w, h, c, comp[c]);
            if (f.h1v2(c)) comp[c] = h1v2(comp[c], w, h);
        }
        float[] data = new float[3 * plane]; // [3][h][w]
        int[] y = comp[0];
        int[] cb = comp[1];
        int[] cr = comp[2];
        for (int i = 0; i < plane; i++) {
            int yy = y[i];
            int b = cb[i];
            int r = cr[i];
            data[i] = level(clamp(yy + CR_R[r]));
            data[plane + i] = level(clamp(yy + ((CB_G[b] + CR_G[r]) >> SCALEBITS)));
            data[2 * plane + i] = level(clamp(yy + CB_B[b]));
        }
        return new Image(3, h, w, data);
    }

    /**
     * libjpeg-turbo's h1v2_fancy_upsample: each output row is ¾ of its chroma row plus ¼ of the
     * nearer neighbour row (the edge rows repeat themselves), rounded with biases 1 (upper) and 2 (lower).
     */
    static int[] h1v2(int[] repeated, int w, int h) {
        int rows = (h + 1) / 2; // chroma rows; chroma row i was repeated into rows 2i and 2i+1
        int[] out = new int[w * h];
        for (int i = 0; i < rows; i++) {
            int cur = 2 * i * w;
            int above = 2 * Math.max(i - 1, 0) * w;
            int below = 2 * Math.min(i + 1, rows - 1) * w;
            int o0 = 2 * i * w;
            for (int x = 0; x < w; x++) out[o0 + x] = (3 * repeated[cur + x] + repeated[above + x] + 1) >> 2;
            if (2 * i + 1 < h) {
                int o1 = o0 + w;
                for (int x = 0; x < w; x++) out[o1 + x] = (3 * repeated[cur + x] + repeated[below + x] + 2) >> 2;
            }
        }
        return out;
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static float level(int v8) {
        return (float) (v8 / 255.0);
    }
}
