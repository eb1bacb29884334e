package dev.vessels.core.exec;

import dev.vessels.core.Network;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.weights.ParamSource;

/** Every layer's parameters read once into one array and kept: what Darknet does. */
public final class ResidentParams implements ParamProvider {
    private final float[] all;   // [sum of paramFloats], layers in cfg order
    private final long[] base;   // first float of each layer in all
    private final boolean synthetic;
    private final String describe;

    public ResidentParams(ParamSource src) {
        Network net = src.network();
        long total = net.paramFloats();
        if (total > Integer.MAX_VALUE - 16) {
            throw new dev.vessels.core.VesselsException(net.name() + ": " + total + " parameters do not fit one Java array");
        }
        all = new float[(int) total];
        base = new long[net.layers().size()];
        long off = 0;
        for (Layer l : net.layers()) {
            base[l.index()] = off;
            long n = l.paramFloats();
            for (long s = 0; s < n; s += 1 << 24) {
                int cnt = (int) Math.min(1 << 24, n - s);
                src.read(l.index(), s, cnt, all, (int) (off + s));
            }
            off += n;
        }
        synthetic = src.synthetic();
        describe = src.describe();
    }

    @Override
    public int params(int layer, long start, int count) {
        return (int) (base[layer] + start);
    }

    @Override
    public float[] array() {
        return all;
    }

    @Override
    public long maxChunkFloats() {
        return Long.MAX_VALUE;
    }

    public long bytes() {
        return (long) all.length * Float.BYTES;
    }

    @Override
    public boolean synthetic() {
        return synthetic;
    }

    @Override
    public String describe() {
        return describe;
    }
}
