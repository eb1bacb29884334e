package dev.vessels.core.weights;

import dev.vessels.core.Network;

/**
 * Where a network's parameters come from: a Darknet weights file, a sealed container, or a seeded
 * generator. Executors pull ranges of one layer's parameters (in Darknet file order) when they
 * need them.
 */
public interface ParamSource extends AutoCloseable {
    Network network();

    /** Copies floats [start, start+count) of layer {@code layer}'s parameters into dst. */
    void read(int layer, long start, int count, float[] dst, int dstOff);

    /** For output: a path, or {@code synthetic:SEED}. */
    String describe();

    /** True when the values are generated, not a user's trained weights. */
    boolean synthetic();

    @Override
    default void close() {}
}
