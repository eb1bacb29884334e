package dev.vessels.memory;

import dev.vessels.core.Network;
import dev.vessels.core.weights.ParamSource;

/** A parameter source over arrays already in memory: reads allocate nothing, so tests can see the executor's own allocations. */
final class ArrayParams implements ParamSource {
    private final Network net;
    private final float[][] values; // [layer][paramFloats]
    private final boolean cheapColumns;

    ArrayParams(ParamSource from) {
        this(from, false);
    }

    /** {@code cheapColumns}: say blocks of columns are cheap, so large convolutions are served by columns. */
    ArrayParams(ParamSource from, boolean cheapColumns) {
        this.cheapColumns = cheapColumns;
        net = from.network();
        values = new float[net.layers().size()][];
        for (var l : net.layers()) {
            values[l.index()] = new float[(int) l.paramFloats()];
            if (l.paramFloats() > 0) from.read(l.index(), 0, (int) l.paramFloats(), values[l.index()], 0);
        }
    }

    @Override
    public Network network() {
        return net;
    }

    @Override
    public void read(int layer, long start, int count, float[] dst, int dstOff) {
        System.arraycopy(values[layer], (int) start, dst, dstOff, count);
    }

    @Override
    public boolean cheapColumnReads() {
        return cheapColumns;
    }

    @Override
    public String describe() {
        return "arrays";
    }

    @Override
    public boolean synthetic() {
        return true;
    }
}
