package dev.vessels.core.layers;

import dev.vessels.core.cfg.Section;
import dev.vessels.core.kernels.Upsample;

/** Darknet's {@code [upsample]}: nearest-neighbour by an integer {@code stride}, times {@code scale}. */
public final class UpsampleLayer extends Layer {
    private final int stride;
    private final float scale;

    public UpsampleLayer(int index, Shape in, int stride, float scale, int inputLayer) {
        super(index, in, new Shape(in.c(), in.h() * stride, in.w() * stride), new int[]{inputLayer});
        this.stride = stride;
        this.scale = scale;
    }

    static UpsampleLayer parse(Section s, int index, Shape in, int inputLayer) {
        int stride = s.getInt("stride", 2);
        if (stride < 1) throw s.error("stride", "only upsampling (stride >= 1) is supported, got " + stride);
        return new UpsampleLayer(index, in, stride, s.getFloat("scale", 1), inputLayer);
    }

    public int stride() { return stride; }
    public float scale() { return scale; }

    @Override
    public String kind() {
        return "upsample";
    }

    @Override
    public String describe() {
        return String.format("        %2dx %15s %s   ->  %s", stride, "", dims(in), dims(out));
    }

    @Override
    public void forward(LayerContext ctx) {
        Upsample.nearest(ctx.in(0), ctx.inOff(0), in.c(), in.h(), in.w(), stride, scale, ctx.out(), ctx.outOff());
    }
}
