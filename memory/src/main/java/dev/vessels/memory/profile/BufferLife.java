package dev.vessels.memory.profile;

/**
 * One buffer of an executor and its lifetime: the first and last step (layer) that touches it;
 * -1, -1 for a buffer allocated but never touched at prediction.
 *
 * @param executor      "baseline" or "vessels"
 * @param layer         the layer it belongs to, -1 for the network or the whole run
 * @param category      parameters, activations, training_only, workspace
 * @param name          output, delta, x, indexes, workspace, parameter slot...
 * @param bytes         resident bytes (for the baseline: touched bytes)
 * @param allocatedBytes bytes allocated (the baseline's batch tails and untouched buffers make it larger)
 * @param offsetBytes   byte offset in the vessels arena, -1 for the baseline's separate buffers
 */
public record BufferLife(String executor, int layer, String category, String name, long bytes, long allocatedBytes,
                         long offsetBytes, int first, int last) {}
