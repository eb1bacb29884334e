package dev.vessels.core.layers;

import dev.vessels.core.cfg.Section;
import dev.vessels.core.kernels.Pooling;

/**
 * {@code [local_avgpool]} (as in AlexeyAB's Darknet; pjreddie's has only the global
 * {@code [avgpool]}): a size×size window moved by stride, padding default size − 1 split as for
 * max pooling, averaging only the positions inside the input. InceptionV3's pooling branches use it.
 */
public final class LocalAvgPoolLayer extends WindowPoolLayer {
    public LocalAvgPoolLayer(int index, Shape in, int size, int stride, int padding, int inputLayer) {
        super(index, in, size, stride, padding, inputLayer);
    }

    static LocalAvgPoolLayer parse(Section s, int index, Shape in, int inputLayer) {
        Window w = Window.parse(s, in);
        return new LocalAvgPoolLayer(index, in, w.size(), w.stride(), w.padding(), inputLayer);
    }

    @Override
    public String kind() {
        return "avg-local";
    }

    @Override
    public void forward(LayerContext ctx) {
        Pooling.avgLocal(ctx.in(0), ctx.inOff(0), in.c(), in.h(), in.w(), size, stride, padding, out.h(), out.w(),
                ctx.out(), ctx.outOff(), ctx.parallel());
    }
}
