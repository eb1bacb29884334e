package dev.vessels.core.layers;

import dev.vessels.core.cfg.Section;

/** Darknet's {@code [dropout]}: nothing at inference; the output is the previous layer's buffer. */
public final class DropoutLayer extends Layer {
    private final float probability;

    public DropoutLayer(int index, Shape in, float probability, int inputLayer) {
        super(index, in, in, new int[]{inputLayer});
        this.probability = probability;
    }

    static DropoutLayer parse(Section s, int index, Shape in, int inputLayer) {
        float p = s.getFloat("probability", .5f);
        if (p < 0 || p >= 1) throw s.error("probability", "probability must be in [0, 1), got " + p);
        return new DropoutLayer(index, in, p, inputLayer);
    }

    @Override
    public boolean aliasesInput() {
        return true;
    }

    @Override
    public String kind() {
        return "dropout";
    }

    @Override
    public String describe() {
        return String.format("       p = %.2f %15s %4d  ->  %4d", probability, "", in.size(), in.size());
    }

    @Override
    public void forward(LayerContext ctx) {
        // Inference: identity, and the executor already made the output the input.
    }
}
