package dev.vessels.core.weights;

import java.lang.foreign.MemorySegment;

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

    /**
     * Copies columns [col0, col0+cols) of {@code rows} rows of {@code rowFloats} floats each, the
     * first row starting {@code start} floats into layer {@code layer}'s parameters, into
     * {@code dst[dstOff…]} as {@code rows × cols} (row r at {@code dstOff + r·cols}): a block of a
     * row-major weight matrix. This default reads row by row.
     */
    default void readColumns(int layer, long start, int rows, int rowFloats, int col0, int cols, float[] dst, int dstOff) {
        if (col0 < 0 || cols < 0 || col0 + cols > rowFloats) {
            throw new IndexOutOfBoundsException("columns " + col0 + "+" + cols + " of rows of " + rowFloats);
        }
        for (int r = 0; r < rows; r++) read(layer, start + (long) r * rowFloats + col0, cols, dst, dstOff + r * cols);
    }

    /**
     * True when {@link #readColumns} costs about what reading the same floats in one range does. Not
     * where each read has a fixed cost (a system call, decrypting a whole chunk): there an executor
     * serves a large weight matrix by rows instead.
     */
    default boolean cheapColumnReads() {
        return false;
    }

    /**
     * The source's floats as one read-only segment of little-endian floats, which a kernel may read
     * a weight matrix from in place (a mapped plain weights file: its GEMM packs A straight from the
     * mapping, no copy into a parameter slot first); null where not (the default: sealed models,
     * generated weights, reads through a channel, or {@code -Dvessels.weights.fuse=false}).
     */
    default MemorySegment inPlaceFloats() {
        return null;
    }

    /**
     * Where floats [start, start+count) of layer {@code layer}'s parameters are in
     * {@link #inPlaceFloats()}: the index of the first (the segment's float i at byte 4·i). Counts
     * them as read, as {@link #read} would (a mapping's release discipline), and checks that the
     * file still holds them. Valid until the source is closed; only where {@link #inPlaceFloats()}
     * is not null.
     */
    default int readInPlace(int layer, long start, long count) {
        throw new UnsupportedOperationException(describe() + " cannot be read in place");
    }

    @Override
    default void close() {}
}
