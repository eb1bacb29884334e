package dev.vessels.core.image;

/**
 * An image as Darknet holds it: {@code c} planes of {@code h} rows of {@code w} floats (planar,
 * channel-major), values in [0, 1], channels in RGB order. The array is shared, not copied: an
 * Image is a view its creator hands over.
 */
public final class Image {
    private final int c;
    private final int h;
    private final int w;
    private final float[] data; // [c][h][w] planar, data[(k*h + y)*w + x]

    /**
     * @throws IllegalArgumentException if a dimension is negative or the array's length is not c·h·w
     */
    public Image(int c, int h, int w, float[] data) {
        if (c < 0 || h < 0 || w < 0) throw new IllegalArgumentException("negative image size " + c + "x" + h + "x" + w);
        if ((long) c * h * w != data.length) {
            throw new IllegalArgumentException("image " + c + "x" + h + "x" + w + " needs " + (long) c * h * w
                    + " floats, got " + data.length);
        }
        this.c = c;
        this.h = h;
        this.w = w;
        this.data = data;
    }

    /** A c×h×w image with every value {@code fill}. */
    public static Image filled(int c, int h, int w, float fill) {
        long n = (long) c * h * w;
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("image " + c + "x" + h + "x" + w + " is too large");
        float[] d = new float[(int) n];
        java.util.Arrays.fill(d, fill);
        return new Image(c, h, w, d);
    }

    public int c() { return c; }
    public int h() { return h; }
    public int w() { return w; }

    /** The planar values, shared with this image. */
    public float[] data() { return data; }

    /** The value of channel k at column x, row y. */
    public float get(int k, int y, int x) {
        return data[(k * h + y) * w + x];
    }

    @Override
    public String toString() {
        return "Image[" + c + "x" + h + "x" + w + "]";
    }
}
