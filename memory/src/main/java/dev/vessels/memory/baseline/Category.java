package dev.vessels.memory.baseline;

/** What a buffer is for, as the profiler reports it. */
public enum Category {
    /** Weights, biases, batch-norm statistics: what the weights file holds. */
    PARAMETERS,
    /** The network input and the layer outputs. */
    ACTIVATIONS,
    /** Buffers only training needs (deltas, update buffers, batch-norm copies, max-pool indexes, losses). */
    TRAINING_ONLY,
    /** im2col scratch. */
    WORKSPACE;

    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
