package dev.vessels.core.layers;

import dev.vessels.core.cfg.Section;
import dev.vessels.core.kernels.Pooling;

/** Darknet's {@code [avgpool]}: the global average of each channel, output 1×1×c. */
public final class AvgPoolLayer extends Layer {
    public AvgPoolLayer(int index, Shape in, int inputLayer) {
        super(index, in, new Shape(in.c(), 1, 1), new int[]{inputLayer});
    }

    static AvgPoolLayer parse(Section s, int index, Shape in, int inputLayer) {
        return new AvgPoolLayer(index, in, inputLayer);
    }

    @Override
    public String kind() {
        return "avg";
    }

    @Override
    public String describe() {
        return String.format("                    %s   ->  %4d", dims(in), out.c());
    }

    @Override
    public void forward(LayerContext ctx) {
        Pooling.avgGlobal(ctx.in(0), ctx.inOff(0), in.c(), in.h() * in.w(), ctx.out(), ctx.outOff());
    }
}
