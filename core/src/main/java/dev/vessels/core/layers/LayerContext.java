package dev.vessels.core.layers;

import dev.vessels.core.exec.Parallel;

/**
 * What an executor hands a layer's {@code forward}: where its inputs, output, parameters and
 * scratch live. Every buffer is a flat {@code float[]} plus an offset, so the same kernels run on
 * Darknet-style separate arrays (baseline) and on one planned arena (vessels).
 */
public interface LayerContext {
    /** The array holding input {@code k} (k indexes {@link Layer#inputLayers()}). */
    float[] in(int k);

    int inOff(int k);

    float[] out();

    int outOff();

    /**
     * Makes {@code count} floats of this layer's parameters, starting {@code start} floats into its
     * parameter block (file order), readable, and returns their offset in {@link #paramArray()}.
     * A resident executor returns a fixed base + start; an on-demand one reads (and decrypts) the
     * range into its parameter slot first. A layer may ask for its parameters in several pieces
     * (no more than {@link #maxParamChunkFloats()} at a time) and must not use an earlier piece
     * after asking for the next.
     */
    int params(long start, int count);

    /**
     * Streams {@code rows} rows of {@code rowFloats} of this layer's parameters, from {@code start},
     * through {@code body} in blocks split over {@code par}'s threads: see {@link
     * dev.vessels.core.exec.ParamProvider#stream}. Blocks are offsets into {@link #paramArray()}.
     */
    void streamParams(long start, int rows, int rowFloats, Parallel par, dev.vessels.core.exec.ParamProvider.RowBlock body);

    /** Whether {@link #paramColumns} is served: see {@link dev.vessels.core.exec.ParamProvider#servesColumns}. */
    default boolean servesParamColumns() {
        return false;
    }

    /**
     * Columns [col0, col0+cols) of {@code rows} rows of {@code rowFloats} of this layer's parameters
     * from {@code start}, as a {@code rows × cols} block in {@link #paramArray()}: see {@link
     * dev.vessels.core.exec.ParamProvider#paramColumns}. Only where {@link #servesParamColumns}.
     */
    default int paramColumns(long start, int rows, int rowFloats, int col0, int cols) {
        throw new UnsupportedOperationException("this executor does not serve blocks of columns");
    }

    /**
     * The segment {@link #paramsInPlace} indexes into, or null (the default) when this executor
     * serves parameters only through {@link #paramArray()}: see {@link
     * dev.vessels.core.exec.ParamProvider#inPlace}.
     */
    default java.lang.foreign.MemorySegment paramSegment() {
        return null;
    }

    /**
     * {@code count} floats of this layer's parameters from {@code start}, read in place: the index of
     * the first float in {@link #paramSegment()}. Not bounded by {@link #maxParamChunkFloats()}, and
     * does not touch the parameter slot. Only where {@link #paramSegment()} is not null.
     */
    default int paramsInPlace(long start, long count) {
        throw new UnsupportedOperationException("this executor does not serve parameters in place");
    }

    /** The array that {@link #params} returned an offset into. */
    float[] paramArray();

    /** The largest piece {@link #params} serves at once; layers that stream weights split by it. */
    long maxParamChunkFloats();

    /** Scratch space of at least {@link Layer#workspaceFloats()} floats. */
    float[] ws();

    int wsOff();

    /**
     * Floats usable at {@link #ws()} from {@link #wsOff()}. {@code Long.MAX_VALUE} (the default)
     * means at least {@link Layer#workspaceFloats()}; a smaller value asks the layer to tile its
     * scratch use (a planned executor bounds its workspace this way).
     */
    default long wsFloats() {
        return Long.MAX_VALUE;
    }

    Parallel parallel();

    /**
     * For a convolution: the {@code [shortcut]} right after it to compute in its epilogue, writing
     * the shortcut's output instead of its own; null (the default) to run as usual.
     */
    default FusedResidual fusedResidual() {
        return null;
    }
}
