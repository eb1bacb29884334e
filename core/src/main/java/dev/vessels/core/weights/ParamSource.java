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

    /**
     * True when {@link #read} may run on several threads at once (on disjoint destination ranges),
     * so an on-demand executor can split a large piece over the prediction's threads, which would
     * otherwise wait idle while the caller alone reads it.
     */
    default boolean concurrentReads() {
        return false;
    }

    @Override
    default void close() {}
}
