package dev.vessels.core.weights;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.vessels.core.Network;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import dev.vessels.core.VesselsException;
import dev.vessels.core.layers.ConnectedLayer;
import dev.vessels.core.layers.ConvolutionalLayer;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.layers.ShortcutLayer;

/**
 * Deterministic, seeded parameters for any network, for when no trained weights exist (none can be
 * downloaded here). Every value is a pure function of (seed, layer, position), so any range can be
 * served on demand and {@link #write} produces the same bytes every time.
 *
 * <p>The values keep activations finite and informative through hundreds of layers:
 * convolution and connected weights are He-scaled normals (std √(2/fan-in)); batch-norm statistics
 * are near identity (mean ≈ 0, variance ≈ 1, scale ≈ 1, small shifts); and the last convolution of
 * every residual branch (a convolution that a [shortcut] adds to another layer) gets a small scale,
 * so the residual stream grows slowly rather than doubling its variance at every block.
 */
public final class SyntheticWeights implements ParamSource {
    /** Scale of a residual branch's last batch norm: keeps 50 stacked blocks well-conditioned. */
    static final float RESIDUAL_DAMPING = 0.2f;

    private final Network net;
    private final long seed;
    private final boolean[] residualEnd; // layer i's output is the branch a shortcut adds

    public SyntheticWeights(Network net, long seed) {
        this.net = net;
        this.seed = seed;
        residualEnd = new boolean[net.layers().size()];
        for (Layer l : net.layers()) {
            if (l instanceof ShortcutLayer s) {
                residualEnd[s.input(0)] = true;
            }
        }
    }

    public long seed() {
        return seed;
    }

    @Override
    public Network network() {
        return net;
    }

    @Override
    public String describe() {
        return "synthetic:" + seed;
    }

    @Override
    public boolean synthetic() {
        return true;
    }

    /** Every value is a pure function of its position, and read keeps no state. */
    @Override
    public boolean concurrentReads() {
        return true;
    }

    /** A read costs what its floats cost, wherever they are. */
    @Override
    public boolean cheapColumnReads() {
        return true;
    }

    @Override
    public void read(int layer, long start, int count, float[] dst, int dstOff) {
        // Segment by segment with the per-segment factors hoisted: the on-demand executor reads every
        // parameter of the network per prediction, and the per-element lookups cost ~12 ns a float
        // (ResNet152: ~0.7 s of a prediction). The values are exactly those of valuePlain.
        Layer l = net.layers().get(layer);
        long segStart = 0;
        int done = 0;
        for (Layer.ParamSegment seg : l.paramSegments()) {
            long segEnd = segStart + seg.floats();
            long p = start + done;
            if (done < count && p >= segStart && p < segEnd) {
                int len = (int) Math.min(count - done, segEnd - p);
                fill(l, seg.name(), p, len, dst, dstOff + done);
                done += len;
            }
            segStart = segEnd;
        }
        if (done != count) throw new IndexOutOfBoundsException("layer " + layer + ": range " + start + "+" + count);
    }

    /** dst[off + i] = the value at position pos + i of a segment named {@code segment}, for i < len. */
    private void fill(Layer l, String segment, long pos, int len, float[] dst, int off) {
        int layer = l.index();
        // value = a·(b + c·z) per segment kind, with z = normal(layer, position): the same float
        // operations as value() (a multiply by 1 or an add of 0 is exact, so writing every kind
        // this way changes no bit).
        float a, b, c;
        switch (segment) {
            case "weights" -> { a = (float) Math.sqrt(2.0 / fanIn(l)); b = 0f; c = 1f; }
            case "scales" -> { a = residualEnd[layer] ? RESIDUAL_DAMPING : 1f; b = 1f; c = 0.1f; }
            case "rolling_variance" -> { a = 1f; b = 1f; c = 0.1f; }
            default -> { a = 0.05f; b = 0f; c = 1f; } // biases, rolling_mean
        }
        int i = normals(layer, pos, len, dst, off, a, b, c);
        for (; i < len; i++) dst[off + i] = a * (b + c * normal(layer, pos + i));
    }

    private static final VectorSpecies<Long> LS = LongVector.SPECIES_512;
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_256; // 8 lanes, as LS
    /** The Irwin–Hall sum's standard deviation in 16-bit units, as normal() divides by it. */
    private static final double NORMAL_DIV = 65536.0 * Math.sqrt(4.0 / 12.0);

    /**
     * {@link #normal} for 8 positions at a time: the same integer hash and the same IEEE double and
     * float operations lane by lane (no transcendental lanes, so interpreter, C1 and C2 agree).
     * Returns how many leading elements it filled.
     */
    private int normals(int layer, long pos, int len, float[] dst, int off, float a, float b, float c) {
        int n = len / LS.length() * LS.length();
        if (n == 0) return 0;
        long base = seed * 0x9E3779B97F4A7C15L + ((long) layer << 40) + pos;
        LongVector iota = LongVector.zero(LS).addIndex(1);
        for (int i = 0; i < n; i += LS.length()) {
            LongVector z = iota.add(base + i);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xBF58476D1CE4E5B9L);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94D049BB133111EBL);
            LongVector h = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
            LongVector sum = h.and(0xFFFFL).add(h.lanewise(VectorOperators.LSHR, 16).and(0xFFFFL))
                    .add(h.lanewise(VectorOperators.LSHR, 32).and(0xFFFFL)).add(h.lanewise(VectorOperators.LSHR, 48));
            DoubleVector d = ((DoubleVector) sum.convert(VectorOperators.L2D, 0)).sub(2 * 65535.0).div(NORMAL_DIV);
            FloatVector zf = (FloatVector) d.convertShape(VectorOperators.D2F, FS, 0);
            zf.mul(c).add(b).mul(a).intoArray(dst, off + i);
        }
        return n;
    }

    /** The value at position {@code pos} of layer {@code layer}'s parameters, one element at a time (the twin of read). */
    float valuePlain(int layer, long pos) {
        Layer l = net.layers().get(layer);
        long segStart = 0;
        for (Layer.ParamSegment seg : l.paramSegments()) {
            if (pos < segStart + seg.floats()) return value(l, seg.name(), pos - segStart, pos);
            segStart += seg.floats();
        }
        throw new IndexOutOfBoundsException("layer " + layer + ": position " + pos);
    }

    private float value(Layer l, String segment, long inSeg, long pos) {
        float z = normal(l.index(), pos);
        return switch (segment) {
            case "weights" -> z * (float) Math.sqrt(2.0 / fanIn(l));
            case "biases" -> 0.05f * z;
            case "scales" -> (residualEnd[l.index()] ? RESIDUAL_DAMPING : 1f) * (1f + 0.1f * z);
            case "rolling_mean" -> 0.05f * z;
            case "rolling_variance" -> 1f + 0.1f * z; // in [0.65, 1.35]: z is bounded by ±3.47
            default -> 0.05f * z;
        };
    }

    private static double fanIn(Layer l) {
        if (l instanceof ConvolutionalLayer c) {
            return (double) c.inShape().c() / c.groups() * c.kernelH() * c.kernelW();
        }
        if (l instanceof ConnectedLayer c) return c.inputs();
        return 1;
    }

    /** An approximately standard normal value (Irwin–Hall of four uniforms), a pure function of its position. */
    private float normal(int layer, long pos) {
        long h = mix(seed * 0x9E3779B97F4A7C15L + ((long) layer << 40) + pos);
        double s = (h & 0xFFFF) + ((h >>> 16) & 0xFFFF) + ((h >>> 32) & 0xFFFF) + ((h >>> 48) & 0xFFFF);
        // sum of four U(0,65535): mean 131070, variance 4·65536²/12
        return (float) ((s - 2 * 65535.0) / (65536.0 * Math.sqrt(4.0 / 12.0)));
    }

    private static long mix(long z) { // SplitMix64 finaliser
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Writes a Darknet .weights file (version 0.2.0, seen = 0) that Darknet itself can load. */
    public void write(Path out) {
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20)) {
            ByteBuffer header = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(0).putInt(2).putInt(0).putLong(0);
            os.write(header.array());
            float[] chunk = new float[1 << 16];
            ByteBuffer bytes = ByteBuffer.allocate(chunk.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (Layer l : net.layers()) {
                long n = l.paramFloats();
                for (long s = 0; s < n; s += chunk.length) {
                    int cnt = (int) Math.min(chunk.length, n - s);
                    read(l.index(), s, cnt, chunk, 0);
                    bytes.clear();
                    bytes.asFloatBuffer().put(chunk, 0, cnt);
                    os.write(bytes.array(), 0, cnt * 4);
                }
            }
        } catch (IOException e) {
            throw new VesselsException(out + ": cannot write weights: " + e.getMessage());
        }
    }
}
