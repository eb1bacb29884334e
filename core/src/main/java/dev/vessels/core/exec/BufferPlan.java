package dev.vessels.core.exec;

/**
 * Where an executor keeps each tensor. Layer {@code -1} is the network input. A layer that
 * {@link dev.vessels.core.layers.Layer#aliasesInput() aliases its input} must be given the same
 * location as its input.
 */
public interface BufferPlan {
    float[] array(int layer);

    int offset(int layer);

    float[] workspace();

    int workspaceOffset();

    /** Called before layer {@code i} runs (Darknet-style plans zero their training buffers here). */
    default void beforeLayer(int i) {}
}
