package dev.vessels.core.layers;

import dev.vessels.core.cfg.Section;
import dev.vessels.core.kernels.Pooling;

/**
 * Darknet's {@code [maxpool]}: {@code padding} defaults to size − 1, the window starts at
 * −padding/2, positions outside the input count as −infinity, and the output is
 * (w + padding − size)/stride + 1.
 */
public final class MaxPoolLayer extends WindowPoolLayer {
    public MaxPoolLayer(int index, Shape in, int size, int stride, int padding, int inputLayer) {
        super(index, in, size, stride, padding, inputLayer);
    }

    static MaxPoolLayer parse(Section s, int index, Shape in, int inputLayer) {
        Window w = Window.parse(s, in);
        return new MaxPoolLayer(index, in, w.size(), w.stride(), w.padding(), inputLayer);
    }

    @Override
    public String kind() {
        return "max";
    }

    @Override
    public void forward(LayerContext ctx) {
        Pooling.max(ctx.in(0), ctx.inOff(0), in.c(), in.h(), in.w(), size, stride, padding, out.h(), out.w(),
                ctx.out(), ctx.outOff(), ctx.parallel());
    }
}
