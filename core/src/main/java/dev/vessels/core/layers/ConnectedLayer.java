package dev.vessels.core.layers;

import java.util.ArrayList;
import java.util.List;

import dev.vessels.core.cfg.Section;
import dev.vessels.core.kernels.Activations;
import dev.vessels.core.kernels.ChannelOps;

/**
 * Darknet's {@code [connected]}: y = W·x (W is {@code [outputs][inputs]}), then batch norm or bias,
 * then the activation. At batch 1 this is a memory-bound GEMV. File order: biases, weights, then
 * (batch norm) scales, rolling mean, rolling variance — after the weights, unlike convolutions.
 */
public final class ConnectedLayer extends Layer {
    private final int inputsN, outputs;
    private final boolean batchNorm;
    private final Activation activation;

    public ConnectedLayer(int index, Shape in, int outputs, boolean batchNorm, Activation activation, int inputLayer) {
        super(index, in, new Shape(outputs, 1, 1), new int[]{inputLayer});
        this.inputsN = (int) in.size();
        this.outputs = outputs;
        this.batchNorm = batchNorm;
        this.activation = activation;
    }

    static ConnectedLayer parse(Section s, int index, Shape in, int inputLayer) {
        int outputs = s.getInt("output", 1);
        if (outputs < 1) throw s.error("output", "output must be >= 1, got " + outputs);
        boolean bn = s.getInt("batch_normalize", 0) != 0;
        return new ConnectedLayer(index, in, outputs, bn, LayerParsers.activation(s, "logistic"), inputLayer);
    }

    public int inputs() { return inputsN; }
    public int outputs() { return outputs; }
    public boolean batchNormalize() { return batchNorm; }
    public Activation activation() { return activation; }

    @Override
    public List<ParamSegment> paramSegments() {
        List<ParamSegment> l = new ArrayList<>();
        l.add(new ParamSegment("biases", outputs));
        l.add(new ParamSegment("weights", (long) outputs * inputsN));
        if (batchNorm) {
            l.add(new ParamSegment("scales", outputs));
            l.add(new ParamSegment("rolling_mean", outputs));
            l.add(new ParamSegment("rolling_variance", outputs));
        }
        return l;
    }

    @Override
    public double bflops() {
        return 2.0 * inputsN * outputs / 1e9;
    }

    @Override
    public String kind() {
        return "connected";
    }

    @Override
    public String describe() {
        return String.format("%5d    %-10s %4d  ->  %4d", outputs, "", inputsN, outputs);
    }

    @Override
    public void forward(LayerContext ctx) {
        float[] x = ctx.in(0);
        int xOff = ctx.inOff(0);
        float[] y = ctx.out();
        int yOff = ctx.outOff();
        // W follows the biases in the file; batch norm and the bias come after the product, below.
        MatVec.forward(this, ctx, outputs, inputsN, outputs, x, xOff, y, yOff, null);
        epilogue(ctx, y, yOff);
    }

    private void epilogue(LayerContext ctx, float[] y, int yOff) {
        if (batchNorm) {
            // Darknet: normalize, scale, then add the biases (read first in the file, applied last).
            int b = ctx.params(outputs + (long) outputs * inputsN, 3 * outputs);
            ChannelOps.batchNorm(y, yOff, outputs, 1, ctx.paramArray(), b, b + outputs, b + 2 * outputs, -1);
        }
        int bias = ctx.params(0, outputs);
        ChannelOps.addBias(y, yOff, outputs, 1, ctx.paramArray(), bias);
        Activations.apply(activation, y, yOff, outputs);
    }
}
