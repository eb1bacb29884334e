package dev.vessels.core.layers;

import dev.vessels.core.cfg.Section;

/**
 * What Darknet's windowed poolings ({@code [maxpool]}, {@code [local_avgpool]}) share: a
 * size×size window moved by stride, {@code padding} defaulting to size − 1 with the window
 * starting at −padding/2, an output of (w + padding − size)/stride + 1, and the same cfg keys and
 * checks. Each subclass only says what it computes over the window.
 */
abstract sealed class WindowPoolLayer extends Layer permits MaxPoolLayer, LocalAvgPoolLayer {
    protected final int size, stride, padding;

    WindowPoolLayer(int index, Shape in, int size, int stride, int padding, int inputLayer) {
        super(index, in, new Shape(in.c(), (in.h() + padding - size) / stride + 1, (in.w() + padding - size) / stride + 1),
                new int[]{inputLayer});
        this.size = size;
        this.stride = stride;
        this.padding = padding;
    }

    /** A section's window, with Darknet's defaults (stride 1, size = stride, padding = size − 1), checked. */
    record Window(int size, int stride, int padding) {
        static Window parse(Section s, Shape in) {
            int stride = s.getInt("stride", 1);
            int size = s.getInt("size", stride);
            int padding = s.getInt("padding", size - 1);
            if (stride < 1) throw s.error("stride", "stride must be >= 1, got " + stride);
            if (size < 1) throw s.error("size", "size must be >= 1, got " + size);
            if (padding < 0) throw s.error("padding", "padding must be >= 0, got " + padding);
            if (in.w() + padding < size || in.h() + padding < size) {
                throw s.error("size", "pool window " + size + " is larger than the padded input " + in);
            }
            return new Window(size, stride, padding);
        }
    }

    public final int size() { return size; }
    public final int stride() { return stride; }
    public final int padding() { return padding; }

    @Override
    public final String describe() {
        return String.format("        %2d x%2d /%2d  %s   ->  %s", size, size, stride, dims(in), dims(out));
    }
}
