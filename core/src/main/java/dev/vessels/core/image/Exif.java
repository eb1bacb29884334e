package dev.vessels.core.image;

/**
 * The EXIF orientation of a JPEG and its application. OpenCV's {@code imread}, which Darknet uses,
 * rotates or mirrors a JPEG upright according to EXIF tag 0x0112; a camera photo taken in portrait
 * is stored sideways with orientation 6 or 8, so without this the network would see it on its side.
 * A missing or malformed EXIF block means orientation 1, as in OpenCV.
 */
final class Exif {
    private static final int ORIENTATION_TAG = 0x0112;

    private Exif() {}

    /** The orientation (1…8) recorded in a JPEG's first EXIF segment, 1 when absent or malformed. */
    static int orientation(byte[] jpeg) {
        int p = 2; // after SOI
        while (p + 4 <= jpeg.length) {
            if ((jpeg[p] & 0xFF) != 0xFF) return 1;
            int marker = jpeg[p + 1] & 0xFF;
            if (marker == 0xFF) { // fill byte
                p++;
                continue;
            }
            if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) { // no length
                p += 2;
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) return 1; // image data starts: no EXIF before it
            int len = u16(jpeg, p + 2, false);
            if (len < 2 || p + 2 + len > jpeg.length) return 1;
            int seg = p + 4;
            int segEnd = p + 2 + len;
            if (marker == 0xE1 && segEnd - seg >= 6 && jpeg[seg] == 'E' && jpeg[seg + 1] == 'x' && jpeg[seg + 2] == 'i'
                    && jpeg[seg + 3] == 'f' && jpeg[seg + 4] == 0 && jpeg[seg + 5] == 0) {
                return tiffOrientation(jpeg, seg + 6, segEnd);
            }
            p = segEnd;
        }
        return 1;
    }

    /** Reads tag 0x0112 from IFD0 of the TIFF structure in [start, end). */
    private static int tiffOrientation(byte[] b, int start, int end) {
        if (end - start < 8) return 1;
        boolean le;
        if (b[start] == 'I' && b[start + 1] == 'I') le = true;
        else if (b[start] == 'M' && b[start + 1] == 'M') le = false;
        else return 1;
        if (u16(b, start + 2, le) != 42) return 1;
        long ifd = u32(b, start + 4, le);
        if (ifd < 8 || start + ifd + 2 > end) return 1;
        int p = (int) (start + ifd);
        int entries = u16(b, p, le);
        p += 2;
        for (int i = 0; i < entries && p + 12 <= end; i++, p += 12) {
            if (u16(b, p, le) != ORIENTATION_TAG) continue;
            int type = u16(b, p + 2, le);
            if (type != 3) return 1; // must be SHORT
            int v = u16(b, p + 8, le);
            return v >= 1 && v <= 8 ? v : 1;
        }
        return 1;
    }

    private static int u16(byte[] b, int p, boolean le) {
        int a = b[p] & 0xFF;
        int c = b[p + 1] & 0xFF;
        return le ? a | c << 8 : a << 8 | c;
    }

    private static long u32(byte[] b, int p, boolean le) {
        long hi = u16(b, p, le);
        long lo = u16(b, p + 2, le);
        return le ? hi | lo << 16 : hi << 16 | lo;
    }

    /** The image turned upright for EXIF orientation {@code o} (1 returns it unchanged). */
    static Image orient(Image im, int o) {
        if (o == 1) return im;
        int w = im.w();
        int h = im.h();
        boolean swap = o >= 5; // 5…8 exchange width and height
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        float[] s = im.data(); // [c][h][w]
        float[] d = new float[s.length]; // [c][oh][ow]
        for (int k = 0; k < im.c(); k++) {
            int sp = k * h * w;
            int dp = k * oh * ow;
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    int sx;
                    int sy;
                    switch (o) {
                        case 2 -> { sx = w - 1 - x; sy = y; }          // mirrored left-right
                        case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }  // rotated 180°
                        case 4 -> { sx = x; sy = h - 1 - y; }          // mirrored top-bottom
                        case 5 -> { sx = y; sy = x; }                  // transposed
                        case 6 -> { sx = y; sy = h - 1 - x; }          // stored 90° anticlockwise: turn clockwise
                        case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }  // transversed
                        default -> { sx = w - 1 - y; sy = x; }         // 8: stored 90° clockwise: turn anticlockwise
                    }
                    d[dp + y * ow + x] = s[sp + sy * w + sx];
                }
            }
        }
        return new Image(im.c(), oh, ow, d);
    }
}
