package dev.vessels.core.exec;

import dev.vessels.core.Network;
import dev.vessels.core.layers.Layer;

/**
 * A plan that gives the network input and each layer's output an array of its own (every offset 0)
 * and keeps one workspace array: {@link SeparateBuffers}, and the materialised Darknet baseline
 * in the memory module. Subclasses fill {@link #outputs} in their constructors.
 */
public abstract class OwnArraysPlan implements BufferPlan {
    protected final float[] input;     // [C*H*W] network input
    protected final float[][] outputs; // [layer][out.size()], filled by the subclass; aliasing layers share their input's array
    private final float[] workspace;   // [workspaceFloats]

    protected OwnArraysPlan(Network net, int workspaceFloats) {
        input = new float[(int) net.input().size()];
        outputs = new float[net.layers().size()][];
        workspace = new float[workspaceFloats];
    }

    /** The most workspace any one layer of {@code net} asks for. */
    protected static long largestLayerWorkspace(Network net) {
        long ws = 0;
        for (Layer l : net.layers()) ws = Math.max(ws, l.workspaceFloats());
        return ws;
    }

    @Override
    public final float[] array(int layer) {
        return layer < 0 ? input : outputs[layer];
    }

    @Override
    public final int offset(int layer) {
        return 0;
    }

    @Override
    public final float[] workspace() {
        return workspace;
    }

    @Override
    public final int workspaceOffset() {
        return 0;
    }
}
