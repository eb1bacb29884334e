package dev.vessels.core.exec;

import dev.vessels.core.Network;
import dev.vessels.core.layers.Layer;

/**
 * The simplest plan: the input and every layer's output in an array of its own, kept for the whole
 * run, and one workspace sized for the largest layer (Darknet's activations, without its
 * training-only buffers).
 */
public final class SeparateBuffers extends OwnArraysPlan {
    public SeparateBuffers(Network net) {
        super(net, (int) largestLayerWorkspace(net));
        for (Layer l : net.layers()) {
            outputs[l.index()] = l.aliasesInput() ? array(l.input(0)) : new float[(int) l.outShape().size()];
        }
    }
}
