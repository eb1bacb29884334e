package dev.vessels.core.exec;

import dev.vessels.core.Network;
import dev.vessels.core.layers.Layer;

/**
 * The simplest plan: the input and every layer's output in an array of its own, kept for the whole
 * run, and one workspace sized for the largest layer (Darknet's activations, without its
 * training-only buffers).
 */
public final class SeparateBuffers implements BufferPlan {
    private final float[] input;    // [C*H*W] network input
    private final float[][] outputs; // [layer][out.size()]; aliasing layers share their input's array
    private final float[] workspace; // [max workspaceFloats]

    public SeparateBuffers(Network net) {
        input = new float[(int) net.input().size()];
        outputs = new float[net.layers().size()][];
        long ws = 0;
        for (Layer l : net.layers()) {
            outputs[l.index()] = l.aliasesInput() ? array(l.input(0)) : new float[(int) l.outShape().size()];
            ws = Math.max(ws, l.workspaceFloats());
        }
        workspace = new float[(int) ws];
    }

    @Override
    public float[] array(int layer) {
        return layer < 0 ? input : outputs[layer];
    }

    @Override
    public int offset(int layer) {
        return 0;
    }

    @Override
    public float[] workspace() {
        return workspace;
    }

    @Override
    public int workspaceOffset() {
        return 0;
    }
}
