package dev.vessels.core.layers;

import dev.vessels.core.cfg.Section;
import dev.vessels.core.kernels.Softmax;

/** Darknet's {@code [softmax]}: softmax over each of {@code groups} equal slices of the flattened input. */
public final class SoftmaxLayer extends Layer {
    private final int groups;
    private final float temperature;

    public SoftmaxLayer(int index, Shape in, int groups, float temperature, int inputLayer) {
        super(index, in, in, new int[]{inputLayer});
        this.groups = groups;
        this.temperature = temperature;
    }

    static SoftmaxLayer parse(Section s, int index, Shape in, int inputLayer) {
        s.ignore("spatial", "noloss");
        int groups = s.getInt("groups", 1);
        float temp = s.getFloat("temperature", 1);
        if (s.getString("tree", null) != null) throw s.error("tree", "hierarchical softmax (tree=) is not supported");
        if (groups < 1 || in.size() % groups != 0) {
            throw s.error("groups", "groups=" + groups + " must divide the " + in.size() + " inputs");
        }
        if (temp == 0) throw s.error("temperature", "temperature must not be 0");
        return new SoftmaxLayer(index, in, groups, temp, inputLayer);
    }

    public int groups() { return groups; }
    public float temperature() { return temperature; }

    @Override
    public String kind() {
        return "softmax";
    }

    @Override
    public String describe() {
        return String.format("%-35s %4d", "", in.size());
    }

    @Override
    public void forward(LayerContext ctx) {
        int n = (int) (in.size() / groups);
        for (int g = 0; g < groups; g++) {
            Softmax.softmax(ctx.in(0), ctx.inOff(0) + g * n, n, temperature, ctx.out(), ctx.outOff() + g * n);
        }
    }
}
