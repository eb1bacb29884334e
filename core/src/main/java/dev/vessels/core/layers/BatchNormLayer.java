package dev.vessels.core.layers;

import java.util.List;

import dev.vessels.core.cfg.Section;
import dev.vessels.core.kernels.ChannelOps;

/**
 * Darknet's standalone {@code [batchnorm]}: (x − mean)/(sqrt(var) + 1e-6) × scale. Its biases are
 * never read from the file (Darknet leaves them zero), so the file holds scales, mean, variance.
 */
public final class BatchNormLayer extends Layer {
    public BatchNormLayer(int index, Shape in, int inputLayer) {
        super(index, in, in, new int[]{inputLayer});
    }

    static BatchNormLayer parse(Section s, int index, Shape in, int inputLayer) {
        return new BatchNormLayer(index, in, inputLayer);
    }

    @Override
    public List<ParamSegment> paramSegments() {
        return List.of(new ParamSegment("scales", in.c()), new ParamSegment("rolling_mean", in.c()),
                new ParamSegment("rolling_variance", in.c()));
    }

    @Override
    public String kind() {
        return "batchnorm";
    }

    @Override
    public String describe() {
        return String.format("%25s %s   ->  %s", "", dims(in), dims(out));
    }

    @Override
    public void forward(LayerContext ctx) {
        int n = (int) in.size();
        if (ctx.in(0) != ctx.out() || ctx.inOff(0) != ctx.outOff()) System.arraycopy(ctx.in(0), ctx.inOff(0), ctx.out(), ctx.outOff(), n);
        int p = ctx.params(0, 3 * in.c());
        ChannelOps.batchNorm(ctx.out(), ctx.outOff(), in.c(), in.h() * in.w(), ctx.paramArray(), p, p + in.c(), p + 2 * in.c(), -1);
    }
}
