package dev.vessels.core.layers;

import java.util.List;

import dev.vessels.core.cfg.Section;
import dev.vessels.core.kernels.Activations;
import dev.vessels.core.kernels.Shortcut;

/**
 * Darknet's {@code [shortcut]}: out = activation(alpha·prev + beta·from) over the overlapping
 * channels; a {@code from} of another spatial size is sampled with Darknet's integer strides.
 */
public final class ShortcutLayer extends Layer {
    private final Shape from;
    private final float alpha, beta;
    private final Activation activation;

    public ShortcutLayer(int index, Shape in, int prevLayer, int fromLayer, Shape from, float alpha, float beta,
                         Activation activation) {
        super(index, in, in, new int[]{prevLayer, fromLayer});
        this.from = from;
        this.alpha = alpha;
        this.beta = beta;
        this.activation = activation;
    }

    static ShortcutLayer parse(Section s, int index, Shape in, int inputLayer, List<Layer> previous) {
        String f = s.requireString("from");
        int[] refs = s.getInts("from");
        if (refs.length != 1) throw s.error("from", "[shortcut] takes one 'from=' layer, got '" + f + "'");
        int from = LayerParsers.layerRef(s, "from", refs[0], index);
        Shape fs = previous.get(from).outShape();
        int stride = fs.w() / in.w(), sample = in.w() / fs.w();
        if (stride != fs.h() / in.h() || sample != in.h() / fs.h() || (stride < 1 && sample < 1)) {
            throw s.error("from", "shortcut from layer " + from + " (" + fs + ") cannot be added to " + in
                    + ": width and height must scale by the same integer factor");
        }
        float alpha = s.getFloat("alpha", 1), beta = s.getFloat("beta", 1);
        return new ShortcutLayer(index, in, inputLayer, from, fs, alpha, beta, LayerParsers.activation(s, "linear"));
    }

    public Activation activation() { return activation; }
    public float alpha() { return alpha; }
    public float beta() { return beta; }
    public Shape fromShape() { return from; }

    @Override
    public String kind() {
        return "res";
    }

    @Override
    public String describe() {
        return String.format("%3d %26s %s   ->  %s", inputs[1], "", dims(in), dims(out));
    }

    @Override
    public void forward(LayerContext ctx) {
        float[] y = ctx.out();
        int yOff = ctx.outOff();
        if (from.equals(out)) {
            // Every residual block: copy, add and activation in one threaded pass (bit-identical).
            Shortcut.addActivate(ctx.in(0), ctx.inOff(0), ctx.in(1), ctx.inOff(1), alpha, beta, activation, y, yOff,
                    (int) out.size(), ctx.parallel());
            return;
        }
        int stride = Math.max(1, from.w() / out.w());
        if (from.w() == stride * out.w() && from.h() == stride * out.h()) {
            // Another channel count, or a larger map sampled (each stage's first block in ResNet and
            // ResNeXt cfgs adds the previous stage's output): one threaded pass, bit-identical.
            Shortcut.addActivateSampled(ctx.in(0), ctx.inOff(0), ctx.in(1), ctx.inOff(1), from.c(), from.h(), from.w(), stride,
                    alpha, beta, activation, y, yOff, out.c(), out.h(), out.w(), ctx.parallel());
            return;
        }
        if (ctx.in(0) != y || ctx.inOff(0) != yOff) System.arraycopy(ctx.in(0), ctx.inOff(0), y, yOff, (int) out.size());
        Shortcut.add(from.w(), from.h(), from.c(), ctx.in(1), ctx.inOff(1), out.w(), out.h(), out.c(), alpha, beta, y, yOff);
        Activations.apply(activation, y, yOff, (int) out.size());
    }
}
