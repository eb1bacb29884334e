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

    /**
     * Floats available at {@link #workspaceOffset()} for the layer about to run; {@code Long.MAX_VALUE}
     * means "at least what the layer asks for". See {@link dev.vessels.core.layers.LayerContext#wsFloats()}.
     */
    default long workspaceFloats() {
        return Long.MAX_VALUE;
    }

    /** The workspace offset layer {@code layer} gets (plans with one workspace for all layers: {@link #workspaceOffset()}). */
    default int workspaceOffset(int layer) {
        return workspaceOffset();
    }

    /** The workspace floats layer {@code layer} gets: {@link #workspaceFloats()} unless the plan has one per layer. */
    default long workspaceFloats(int layer) {
        return workspaceFloats();
    }

    /** Called before layer {@code i} runs (Darknet-style plans zero their training buffers here). */
    default void beforeLayer(int i) {}

    /**
     * Whether this plan reproduces Darknet's memory behaviour (the baseline executor): then every
     * layer writes its own output buffer, as Darknet does, so the executor fuses no shortcut whose
     * convolution would leave its own buffer unwritten (see {@link Executor}).
     */
    default boolean mimicsDarknet() {
        return false;
    }
}
