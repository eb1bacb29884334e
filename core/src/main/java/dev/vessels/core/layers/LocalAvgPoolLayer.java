package dev.vessels.core.layers;

import dev.vessels.core.cfg.Section;
import dev.vessels.core.kernels.Pooling;

/**
 * {@code [local_avgpool]} (as in AlexeyAB's Darknet; pjreddie's has only the global
 * {@code [avgpool]}): a size×size window moved by stride, padding default size − 1 split as for
 * max pooling, averaging only the positions inside the input. InceptionV3's pooling branches use it.
 */
public final class LocalAvgPoolLayer extends Layer {
    private final int size, stride, padding;

    public LocalAvgPoolLayer(int index, Shape in, int size, int stride, int padding, int inputLayer) {
        super(index, in, new Shape(in.c(), (in.h() + padding - size) / stride + 1, (in.w() + padding - size) / stride + 1),
                new int[]{inputLayer});
        this.size = size;
        this.stride = stride;
        this.padding = padding;
    }

    static LocalAvgPoolLayer parse(Section s, int index, Shape in, int inputLayer) {
        int stride = s.getInt("stride", 1);
        int size = s.getInt("size", stride);
        int padding = s.getInt("padding", size - 1);
        if (stride < 1) throw s.error("stride", "stride must be >= 1, got " + stride);
        if (size < 1) throw s.error("size", "size must be >= 1, got " + size);
        if (padding < 0) throw s.error("padding", "padding must be >= 0, got " + padding);
        if (in.w() + padding < size || in.h() + padding < size) {
            throw s.error("size", "pool window " + size + " is larger than the padded input " + in);
        }
        return new LocalAvgPoolLayer(index, in, size, stride, padding, inputLayer);
    }

    public int size() { return size; }
    public int stride() { return stride; }
    public int padding() { return padding; }

    @Override
    public String kind() {
        return "avg-local";
    }

    @Override
    public String describe() {
        return String.format("        %2d x%2d /%2d  %s   ->  %s", size, size, stride, dims(in), dims(out));
    }

    @Override
    public void forward(LayerContext ctx) {
        Pooling.avgLocal(ctx.in(0), ctx.inOff(0), in.c(), in.h(), in.w(), size, stride, padding, out.h(), out.w(),
                ctx.out(), ctx.outOff());
    }
}
