package dev.vessels.enclave.run;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.weights.ParamSource;

/**
 * The model's parameters as they sit in untrusted memory (the weights file in the page cache),
 * read once from another source, outside any enclave. Reads are plain copies, so what an executor
 * pays for a parameter read inside the enclave is the copy an OCALL does, not the cost of producing
 * the values: a seeded generator is far slower than a memcpy, and would make on-demand loading look
 * slower than it is on a real file.
 */
public final class UntrustedModelCopy implements ParamSource {
    private static final int PIECE = 1 << 24; // floats per read from the original source

    private final Network net;
    private final float[][] params; // [layer][paramFloats], file order; null when the layer has none
    private final String describe;
    private final boolean synthetic;

    public UntrustedModelCopy(ParamSource src) {
        this.net = src.network();
        params = new float[net.layers().size()][];
        for (Layer l : net.layers()) {
            long n = l.paramFloats();
            if (n == 0) continue;
            if (n > Integer.MAX_VALUE - 16) throw new VesselsException(net.name() + ": layer " + l.index() + " has " + n
                    + " parameters, more than one Java array holds");
            float[] a = new float[(int) n];
            for (long s = 0; s < n; s += PIECE) src.read(l.index(), s, (int) Math.min(PIECE, n - s), a, (int) s);
            params[l.index()] = a;
        }
        describe = src.describe();
        synthetic = src.synthetic();
    }

    @Override
    public Network network() {
        return net;
    }

    @Override
    public void read(int layer, long start, int count, float[] dst, int dstOff) {
        System.arraycopy(params[layer], Math.toIntExact(start), dst, dstOff, count);
    }

    /** Plain array copies from arrays nobody writes after construction: any threads may read at once. */
    @Override
    public boolean concurrentReads() {
        return true;
    }

    @Override
    public String describe() {
        return describe;
    }

    @Override
    public boolean synthetic() {
        return synthetic;
    }
}
