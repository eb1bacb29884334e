package dev.vessels.core.layers;

import dev.vessels.core.cfg.Section;

/**
 * Darknet's {@code [cost]}: computes a loss only when there is a ground truth, so at prediction it
 * does nothing, and {@code network_predict} returns the last layer that is not a cost layer.
 */
public final class CostLayer extends Layer {
    private final String type;

    public CostLayer(int index, Shape in, String type, int inputLayer) {
        super(index, in, in, new int[]{inputLayer});
        this.type = type;
    }

    static CostLayer parse(Section s, int index, Shape in, int inputLayer) {
        s.ignore("scale", "ratio", "noobject_scale", "thresh");
        String type = s.getString("type", "sse");
        if (!type.equals("sse") && !type.equals("masked") && !type.equals("smooth") && !type.equals("L1")
                && !type.equals("seg") && !type.equals("wgan")) {
            throw s.error("type", "unknown cost type '" + type + "' (Darknet has: sse, masked, smooth, L1, seg, wgan)");
        }
        return new CostLayer(index, in, type, inputLayer);
    }

    @Override
    public boolean aliasesInput() {
        return true;
    }

    @Override
    public String kind() {
        return "cost";
    }

    @Override
    public String describe() {
        return String.format("%-35s %4d", type, in.size());
    }

    @Override
    public void forward(LayerContext ctx) {
        // No ground truth at prediction: nothing to compute.
    }
}
