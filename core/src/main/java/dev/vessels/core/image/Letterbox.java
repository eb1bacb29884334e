package dev.vessels.core.image;

/**
 * Darknet's classifier and detector preprocessing, reproduced to the float: {@code letterbox_image}
 * scales the image, keeping its aspect ratio, to fit the network's w×h with Darknet's own two-pass
 * bilinear {@code resize_image}, and centres it on a canvas of 0.5 grey.
 *
 * <p>Every arithmetic step is done in {@code float} in Darknet's order (Java's float arithmetic is
 * IEEE single precision, as Darknet's SSE code is), so for identical decoded pixels the result equals
 * Darknet's within a few ulps. Darknet's quirks are kept on purpose, because a network trained on
 * Darknet-preprocessed images expects them: the resize maps the first and last source pixels onto
 * the first and last target pixels (scale (in−1)/(out−1)), the last target column copies the last
 * source column, and the last target row takes only the {@code (1−dy)} share of its source row.
 */
public final class Letterbox {
    /** Darknet's canvas colour around the letterboxed image. */
    public static final float FILL = 0.5f;

    private Letterbox() {}

    /**
     * Where a source image lands on the network canvas.
     *
     * @param newW width of the scaled image
     * @param newH height of the scaled image
     * @param dx   left offset on the canvas, Darknet's {@code (w - new_w) / 2}
     * @param dy   top offset on the canvas, Darknet's {@code (h - new_h) / 2}
     */
    public record Placement(int newW, int newH, int dx, int dy) {}

    /**
     * Darknet's size computation: the side with the smaller scale factor (compared as floats, as
     * Darknet does) gets the network's size, the other is scaled with integer division.
     */
    public static Placement placement(int imW, int imH, int w, int h) {
        if (imW < 1 || imH < 1 || w < 1 || h < 1) {
            throw new IllegalArgumentException("letterbox of " + imW + "x" + imH + " into " + w + "x" + h);
        }
        int newW;
        int newH;
        if ((float) w / imW < (float) h / imH) {
            newW = w;
            newH = (int) ((long) imH * w / imW); // long: Darknet's int product, without its overflow
        } else {
            newH = h;
            newW = (int) ((long) imW * h / imH);
        }
        return new Placement(newW, newH, (w - newW) / 2, (h - newH) / 2);
    }

    /** {@code letterbox_image(im, w, h)}: a new im.c()×h×w image. */
    public static Image apply(Image im, int w, int h) {
        Placement p = placement(im.w(), im.h(), w, h);
        Image boxed = Image.filled(im.c(), h, w, FILL);
        // A very elongated image can scale to zero rows or columns: Darknet then leaves the canvas grey.
        if (p.newW() == 0 || p.newH() == 0) return boxed;
        Image resized = resize(im, p.newW(), p.newH());
        embed(resized, boxed, p.dx(), p.dy());
        return boxed;
    }

    /**
     * Darknet's {@code resize_image(im, w, h)}: a horizontal pass into an im.h()×w intermediate, then
     * a vertical pass, each linear interpolation with Darknet's edge handling.
     */
    public static Image resize(Image im, int w, int h) {
        if (w < 1 || h < 1) throw new IllegalArgumentException("resize to " + w + "x" + h);
        int c = im.c();
        int iw = im.w();
        int ih = im.h();
        float[] src = im.data();                         // [c][ih][iw]
        float[] part = new float[Math.multiplyExact(c, Math.multiplyExact(ih, w))]; // [c][ih][w] after the horizontal pass
        float[] out = new float[Math.multiplyExact(c, Math.multiplyExact(h, w))];   // [c][h][w]
        // Darknet divides by (w - 1) even when w == 1 (giving inf); the w == 1 case never uses it.
        float wScale = (float) (iw - 1) / (w - 1);
        float hScale = h == 1 ? 0f : (float) (ih - 1) / (h - 1);
        for (int k = 0; k < c; k++) {
            for (int r = 0; r < ih; r++) {
                int s = (k * ih + r) * iw;
                int d = (k * ih + r) * w;
                for (int col = 0; col < w; col++) {
                    float val;
                    if (col == w - 1 || iw == 1) {
                        val = src[s + iw - 1];
                    } else {
                        float sx = col * wScale;
                        int ix = (int) sx;
                        float dx = sx - ix;
                        // Rounding could in principle put sx on the last column; Darknet would read past it.
                        int ix1 = Math.min(ix + 1, iw - 1);
                        val = (1 - dx) * src[s + ix] + dx * src[s + ix1];
                    }
                    part[d + col] = val;
                }
            }
        }
        for (int k = 0; k < c; k++) {
            for (int r = 0; r < h; r++) {
                int d = (k * h + r) * w;
                if (h == 1) {
                    // Darknet computes 0·(ih−1)/0 here, which is NaN (undefined behaviour). We take the
                    // last row, mirroring what its horizontal pass does for a one-column target.
                    System.arraycopy(part, (k * ih + ih - 1) * w, out, d, w);
                    continue;
                }
                float sy = r * hScale;
                int iy = Math.min((int) sy, ih - 1);
                float dy = sy - iy;
                int p0 = (k * ih + iy) * w;
                for (int col = 0; col < w; col++) out[d + col] = (1 - dy) * part[p0 + col];
                if (r == h - 1 || ih == 1) continue; // Darknet's last row keeps only the (1 - dy) share
                int p1 = (k * ih + Math.min(iy + 1, ih - 1)) * w; // clamped like ix1 above
                for (int col = 0; col < w; col++) out[d + col] = out[d + col] + dy * part[p1 + col];
            }
        }
        return new Image(c, h, w, out);
    }

    /** Darknet's {@code embed_image}: copies src onto dest at (dx, dy), dropping what falls outside. */
    static void embed(Image src, Image dest, int dx, int dy) {
        int c = Math.min(src.c(), dest.c());
        int x0 = Math.max(0, -dx);
        int x1 = Math.min(src.w(), dest.w() - dx);
        if (x1 <= x0) return;
        float[] s = src.data();
        float[] d = dest.data();
        for (int k = 0; k < c; k++) {
            for (int y = Math.max(0, -dy); y < src.h() && y + dy < dest.h(); y++) {
                System.arraycopy(s, (k * src.h() + y) * src.w() + x0, d, (k * dest.h() + y + dy) * dest.w() + dx + x0, x1 - x0);
            }
        }
    }
}
