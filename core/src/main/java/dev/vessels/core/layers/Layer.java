package dev.vessels.core.layers;

import java.util.List;

/**
 * One layer of a network, in Darknet's uniform contract: a spec (shapes, inputs, parameter layout,
 * scratch need, cost) built by the parser without allocating any tensor, and a {@code forward} that
 * reads its inputs and parameters from a {@link LayerContext} and writes its output there.
 * Executors decide where the buffers live; layers never allocate.
 */
public abstract class Layer {
    /** A named run of parameters in the weights file, in file order. */
    public record ParamSegment(String name, long floats) {}

    protected final int index;
    protected final Shape in;  // shape of the first input
    protected final Shape out; // shape of the output
    protected final int[] inputs; // indices of the layers whose outputs this layer reads; -1 = network input

    protected Layer(int index, Shape in, Shape out, int[] inputs) {
        this.index = index;
        this.in = in;
        this.out = out;
        this.inputs = inputs;
    }

    public final int index() { return index; }
    public final Shape inShape() { return in; }
    public final Shape outShape() { return out; }
    /** Layers read, in the order {@link LayerContext#in(int)} serves them; -1 is the network input. */
    public final int[] inputLayers() { return inputs.clone(); }
    /** Input {@code k} without copying the array (hot path). */
    public final int input(int k) { return inputs[k]; }
    public final int inputCount() { return inputs.length; }

    /** Darknet's short name for the table: conv, max, avg, connected, route... */
    public abstract String kind();

    /** The parameters this layer reads from the weights file, in file order; empty for most types. */
    public List<ParamSegment> paramSegments() {
        return List.of();
    }

    public final long paramFloats() {
        long n = 0;
        for (ParamSegment s : paramSegments()) n += s.floats();
        return n;
    }

    /** Scratch floats this layer needs during forward (im2col columns...), 0 if none. */
    public long workspaceFloats() {
        return 0;
    }

    /** Billions of floating-point operations of one forward, counted as Darknet counts them. */
    public double bflops() {
        return 0;
    }

    /**
     * True when the output is the input itself (Darknet's dropout at inference shares the previous
     * layer's output buffer), so executors give it no buffer of its own and forward does nothing.
     */
    public boolean aliasesInput() {
        return false;
    }

    /** The middle of the layer table row: filters, size, input → output, as Darknet prints them. */
    public abstract String describe();

    public abstract void forward(LayerContext ctx);

    protected static String dims(Shape s) {
        return String.format("%4d x%4d x%4d", s.w(), s.h(), s.c());
    }

    @Override
    public String toString() {
        return index + " " + kind() + " " + in + " -> " + out;
    }
}
