package dev.vessels.core.layers;

/** A tensor shape in Darknet's planar layout: {@code c} channels of {@code h} rows of {@code w} floats. */
public record Shape(int c, int h, int w) {
    public long size() {
        return (long) c * h * w;
    }

    public long bytes() {
        return size() * Float.BYTES;
    }

    @Override
    public String toString() {
        return w + " x " + h + " x " + c;
    }
}
