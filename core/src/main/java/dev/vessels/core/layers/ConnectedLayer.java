package dev.vessels.core.layers;

import java.util.ArrayList;
import java.util.List;

import dev.vessels.core.cfg.Section;
import dev.vessels.core.exec.ParamProvider;
import dev.vessels.core.exec.Parallel;
import dev.vessels.core.kernels.Activations;
import dev.vessels.core.kernels.ChannelOps;
import dev.vessels.core.kernels.Gemv;

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
        Parallel par = ctx.parallel();
        java.lang.foreign.MemorySegment seg = ctx.paramSegment();
        if (seg != null) {
            forwardInPlace(ctx, seg, x, xOff, y, yOff, par);
        } else if (par.threads() > 1 && Gemv.worthSplitting(outputs, inputsN)) {
            // Each thread streams its own rows of W through its cache and multiplies them at once;
            // every row's sum is computed the same way whatever block it falls in (Gemv's contract).
            float[] w = ctx.paramArray();
            ctx.streamParams(outputs, outputs, inputsN, par,
                    (off, r0, rows) -> Gemv.gemv(rows, inputsN, w, off, x, xOff, y, yOff + r0, Parallel.SERIAL));
        } else {
            int rowsPerChunk = ParamProvider.rowsPerPiece(ctx.maxParamChunkFloats(), inputsN, outputs);
            for (int r0 = 0; r0 < outputs; r0 += rowsPerChunk) {
                int rows = Math.min(rowsPerChunk, outputs - r0);
                int wOff = ctx.params(outputs + (long) r0 * inputsN, rows * inputsN);
                Gemv.gemv(rows, inputsN, ctx.paramArray(), wOff, x, xOff, y, yOff + r0, Parallel.SERIAL);
            }
        }
        epilogue(ctx, y, yOff);
    }

    /**
     * Rows of the weights read in place from a mapped weights file ({@link LayerContext#paramSegment}):
     * the GEMV streams them straight from the page cache, as the resident executor streams its array,
     * instead of one thread copying each piece into the parameter slot and both then reading it again
     * (AlexNet's and VGG16's fully connected layers are most of their on-demand cost). In blocks of
     * whole rows, at most {@link #IN_PLACE_BLOCK_FLOATS}: each block is served just before it is read,
     * and the mapping unmaps all else when a range that large is served, so no more of VGG16's 411 MB
     * fc6 is mapped at once than one block. Same bits as the other paths: every row is computed alike
     * wherever it falls.
     */
    private void forwardInPlace(LayerContext ctx, java.lang.foreign.MemorySegment seg, float[] x, int xOff, float[] y,
                                int yOff, Parallel par) {
        int rowsPerBlock = ParamProvider.rowsPerPiece(IN_PLACE_BLOCK_FLOATS, inputsN, outputs);
        try {
            for (int r0 = 0; r0 < outputs; r0 += rowsPerBlock) {
                int rows = Math.min(rowsPerBlock, outputs - r0);
                int w = ctx.paramsInPlace(outputs + (long) r0 * inputsN, (long) rows * inputsN);
                Gemv.gemv(rows, inputsN, seg, w, x, xOff, y, yOff + r0, par);
            }
        } catch (InternalError err) {
            // The JVM's report of a fault in a mapping: the file was cut short after the check.
            throw new dev.vessels.core.VesselsException("layer " + index() + " (connected): cannot read its weights: the"
                    + " weights file changed since it was opened");
        }
    }

    /** 16 MiB of weights per block read in place: the mapping's release mark (MappedFile.RELEASE_BYTES). */
    private static final long IN_PLACE_BLOCK_FLOATS = 4L << 20;

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
