package dev.vessels.core.kernels;

import dev.vessels.core.layers.Activation;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * What a convolution does to each output row (channel) after its GEMM — batch norm or a bias, then
 * the activation — applied by {@link Gemm} while the finished C tile is still in L1, instead of
 * in two more passes over the whole output. Every element goes through exactly the operations of
 * {@link ChannelOps#batchNorm} / {@link ChannelOps#addBias} followed by
 * {@link Activations#apply}, so fused and unfused results are bit-identical.
 *
 * <p>Optionally a residual follows ({@link #setResidual}): a same-shape {@code [shortcut]},
 * act(alpha·y + beta·from), computed by {@link Shortcut#addActivate}'s own code, applied by
 * {@link Gemm} to each finished block of C (still in L2) after the tiles' epilogue, so a
 * convolution can write its shortcut's output without the shortcut's own pass over the tensors.
 *
 * <p>The per-channel parameters are copied in by the setters, so the caller may release the
 * parameter piece they came from (on-demand executors reuse one slot) before streaming the
 * weights. One instance per thread ({@link #forThisThread}), reused: no allocation in steady state.
 */
public final class Epilogue {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ThreadLocal<Epilogue> PER_THREAD = ThreadLocal.withInitial(Epilogue::new);

    private float[] mean = new float[0];   // [rows] rolling mean (batch norm)
    private float[] denom = new float[0];  // [rows] sqrt(variance) + epsilon, as ChannelOps computes it
    private float[] scale = new float[0];  // [rows] batch-norm scale
    private float[] bias = new float[0];   // [rows] bias, added last
    private boolean batchNorm;
    private Activation activation = Activation.LINEAR;
    private float[] resFrom;         // the residual's second operand (the shortcut's 'from' tensor), or null: none
    private int resDelta;            // from index = index in C + resDelta (C laid out as the output tensor)
    private float resAlpha, resBeta; // out = resAct(resAlpha·y + resBeta·from)
    private Activation resAct = Activation.LINEAR;

    private Epilogue() {}

    /** This thread's instance; configure it with a setter before each use. */
    public static Epilogue forThisThread() {
        return PER_THREAD.get();
    }

    private void ensure(int rows) {
        if (bias.length < rows) {
            mean = new float[rows];
            denom = new float[rows];
            scale = new float[rows];
            bias = new float[rows];
        }
    }

    /** Batch norm with bias (a convolution's {@code batch_normalize=1}), then {@code act}. */
    public Epilogue setBatchNorm(float[] p, int scaleOff, int meanOff, int varOff, int biasOff, int rows, Activation act) {
        ensure(rows);
        for (int f = 0; f < rows; f++) {
            mean[f] = p[meanOff + f];
            denom[f] = (float) Math.sqrt(p[varOff + f]) + ChannelOps.BN_EPSILON;
            scale[f] = p[scaleOff + f];
            bias[f] = p[biasOff + f];
        }
        batchNorm = true;
        activation = act;
        resFrom = null;
        return this;
    }

    /** A bias per row, then {@code act}. */
    public Epilogue setBias(float[] p, int biasOff, int rows, Activation act) {
        ensure(rows);
        System.arraycopy(p, biasOff, bias, 0, rows);
        batchNorm = false;
        activation = act;
        resFrom = null;
        return this;
    }

    /**
     * Adds a residual after the activation (call after {@link #setBatchNorm} or {@link #setBias},
     * which clear it): every element c[i] of C becomes act(alpha·c[i] + beta·from[i + delta]), where
     * C must be laid out as the tensor {@code from} is (row r, column j at the same distance from
     * both bases: delta = from's base − C's base). {@code from} must not overlap C: the GEMM writes
     * partial sums into C before the epilogue reads it.
     */
    public Epilogue setResidual(float[] from, int delta, float alpha, float beta, Activation act) {
        resFrom = from;
        resDelta = delta;
        resAlpha = alpha;
        resBeta = beta;
        resAct = act;
        return this;
    }

    /** Drops the residual (and the reference to its tensor, which this thread would otherwise keep). */
    public void clearResidual() {
        resFrom = null;
    }

    /**
     * {@link #apply}, then the residual if any: for GEMM paths that finish whole rows at a time.
     */
    void applyRow(float[] c, int off, int row, int n) {
        apply(c, off, row, n);
        if (resFrom != null) residual(c, off, n);
    }

    /**
     * The residual, if any, over a finished block of C (rows × cols from {@code off}, rows
     * {@code ldc} apart) that {@link #apply} has already processed: applied per block rather than
     * per micro-tile, so the residual's tensor is read in runs of whole block rows, which the
     * hardware prefetches. Per 8×32 tile (8 rows of 2 lines each, scattered), the fused pairs of
     * ResNet152 took longer than convolution plus shortcut pass (1 thread: 42.2 vs 38.0 ms over its
     * 36 16×16 blocks; docs/kernels-benchmarks.md).
     */
    void residualBlock(float[] c, int off, int ldc, int rows, int cols) {
        if (resFrom == null || tileResidual) return; // the stores applied it ({@link #applyStored})
        for (int r = 0; r < rows; r++) residual(c, off + r * ldc, cols);
    }

    /**
     * {@code -Dvessels.gemm.tileResidual=false}: the GEMM applies a residual per finished block of C
     * ({@link #residualBlock}) instead of in each tile's store (A/B runs). Per tile, the residual's
     * two vectors a row are read and added while the tile's row is still in registers; per block,
     * C's block is read back (from L2, or from L3 where the block and B's panels overflow it) and
     * written again. ResNeXt152's 1×1 128 → 1024 at 32×32 (K = 128: few FMAs an element), 2
     * threads: residual per block 0.4–0.5 ms of a 2.3 ms layer (docs/kernels-benchmarks.md, speed
     * pass 16). Bit-identical either way: the same operations on every element.
     */
    // Not final: tests run both.
    static boolean tileResidual = !"false".equals(System.getProperty("vessels.gemm.tileResidual"));

    /**
     * Whether {@link #storeTile} serves the current configuration: an activation that {@link #apply}
     * runs in its vector pass (linear, leaky, relu: every convolution of the models we run), and a
     * residual, if any, whose activation is one of them too.
     */
    boolean storesTiles() {
        return simple(activation) && (resFrom == null || !tileResidual || simple(resAct));
    }

    private static boolean simple(Activation a) {
        return a == Activation.LINEAR || a == Activation.LEAKY || a == Activation.RELU;
    }

    /**
     * What a GEMM's store applies to a finished row segment of C that it does not pass to
     * {@link #storeTile}: {@link #apply}, and with {@link #tileResidual} the residual too (the
     * GEMM then calls no {@link #residualBlock}).
     */
    void applyStored(float[] c, int off, int row, int n) {
        if (tileResidual) {
            applyRow(c, off, row, n);
        } else {
            apply(c, off, row, n);
        }
    }

    /**
     * Writes (or adds) rows [0, mr) of a spilled micro-tile (rows {@code 2·L} floats apart, two
     * vectors each) to C at {@code ci} (rows {@code ldc} apart, output rows {@code row0}, … ) and
     * applies this epilogue to them on the way, in one pass: the same operations on every element
     * as the tile's plain store followed by {@link #apply} on each row (C + tile when adding, then
     * the batch norm or bias, then the activation, without reading C back), so bit-identical. The
     * per-row {@code apply} calls cost more than the tile's FMAs at small K: ResNeXt152's 1×1
     * 64→512 at 64×64 (K = 64) spent ~30 % of its time there. With {@link #tileResidual}, the
     * residual follows in the same pass ({@link #residual}'s operations). Only when
     * {@link #storesTiles}.
     */
    void storeTile(float[] tile, float[] c, int ci, int ldc, int row0, int mr, boolean overwrite) {
        Activation act = activation;
        boolean linear = act == Activation.LINEAR;
        // leaky: v > 0 ? v : v·0.1, Activations' blend; relu: v > 0 ? v : v·0, which is its
        // v·(v > 0 ? 1 : 0) bit for bit (v·1 is v; v·0 is the same multiply).
        float slope = act == Activation.LEAKY ? .1f : 0f;
        boolean bn = batchNorm;
        // The residual, as Shortcut.addActivateRange computes it: alpha·y + beta·from (y + from
        // when both are 1), then its activation, one of the three above.
        float[] from = tileResidual ? resFrom : null;
        boolean unit = resAlpha == 1 && resBeta == 1, resLinear = resAct == Activation.LINEAR;
        float alpha = resAlpha, beta = resBeta, resSlope = resAct == Activation.LEAKY ? .1f : 0f;
        int delta = resDelta;
        for (int r = 0; r < mr; r++, ci += ldc) {
            int row = row0 + r, t = r * 2 * L;
            FloatVector v0 = FloatVector.fromArray(S, tile, t), v1 = FloatVector.fromArray(S, tile, t + L);
            if (!overwrite) {
                v0 = FloatVector.fromArray(S, c, ci).add(v0);
                v1 = FloatVector.fromArray(S, c, ci + L).add(v1);
            }
            if (bn) {
                float mu = mean[row], d = denom[row], s = scale[row];
                v0 = v0.sub(mu).div(d).mul(s);
                v1 = v1.sub(mu).div(d).mul(s);
            }
            float b = bias[row];
            v0 = v0.add(b);
            v1 = v1.add(b);
            if (!linear) {
                v0 = v0.mul(slope).blend(v0, v0.compare(VectorOperators.GT, 0f));
                v1 = v1.mul(slope).blend(v1, v1.compare(VectorOperators.GT, 0f));
            }
            if (from != null) {
                FloatVector f0 = FloatVector.fromArray(S, from, ci + delta), f1 = FloatVector.fromArray(S, from, ci + delta + L);
                if (unit) {
                    v0 = v0.add(f0);
                    v1 = v1.add(f1);
                } else {
                    v0 = v0.mul(alpha).add(f0.mul(beta));
                    v1 = v1.mul(alpha).add(f1.mul(beta));
                }
                if (!resLinear) {
                    v0 = v0.mul(resSlope).blend(v0, v0.compare(VectorOperators.GT, 0f));
                    v1 = v1.mul(resSlope).blend(v1, v1.compare(VectorOperators.GT, 0f));
                }
            }
            v0.intoArray(c, ci);
            v1.intoArray(c, ci + L);
        }
    }

    /**
     * Post-processes c[off, off+n), all of output row {@code row}: batch norm or bias, then the
     * activation. Not the residual: see {@link #applyRow} and {@link #residualBlock}.
     */
    void apply(float[] c, int off, int row, int n) {
        int end = off + n, vend = off + n / L * L, i = off;
        float b = bias[row];
        // The convolutions' activations (linear, leaky, relu) run in the same vector pass, with
        // Activations' exact operations; the others in a second pass through Activations.apply.
        Activation act = activation;
        boolean leaky = act == Activation.LEAKY, relu = act == Activation.RELU;
        boolean fused = leaky || relu || act == Activation.LINEAR;
        if (batchNorm) {
            float mu = mean[row], d = denom[row], s = scale[row];
            if (leaky) {
                for (; i < vend; i += L) {
                    FloatVector v = FloatVector.fromArray(S, c, i).sub(mu).div(d).mul(s).add(b);
                    v.mul(.1f).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(c, i);
                }
            } else if (relu) {
                FloatVector one = FloatVector.broadcast(S, 1f), zero = FloatVector.zero(S);
                for (; i < vend; i += L) {
                    FloatVector v = FloatVector.fromArray(S, c, i).sub(mu).div(d).mul(s).add(b);
                    v.mul(zero.blend(one, v.compare(VectorOperators.GT, 0f))).intoArray(c, i);
                }
            } else {
                for (; i < vend; i += L) FloatVector.fromArray(S, c, i).sub(mu).div(d).mul(s).add(b).intoArray(c, i);
            }
            for (; i < end; i++) {
                float v = (c[i] - mu) / d;
                v = v * s;
                c[i] = v + b;
            }
        } else {
            if (leaky) {
                for (; i < vend; i += L) {
                    FloatVector v = FloatVector.fromArray(S, c, i).add(b);
                    v.mul(.1f).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(c, i);
                }
            } else if (relu) {
                FloatVector one = FloatVector.broadcast(S, 1f), zero = FloatVector.zero(S);
                for (; i < vend; i += L) {
                    FloatVector v = FloatVector.fromArray(S, c, i).add(b);
                    v.mul(zero.blend(one, v.compare(VectorOperators.GT, 0f))).intoArray(c, i);
                }
            } else {
                for (; i < vend; i += L) FloatVector.fromArray(S, c, i).add(b).intoArray(c, i);
            }
            for (; i < end; i++) c[i] += b;
        }
        if (fused) {
            if (vend < end) Activations.apply(act, c, vend, end - vend); // the scalar tail
        } else {
            Activations.apply(act, c, off, n);
        }
    }

    /**
     * c[off, off+n) = act(alpha·c + beta·from): {@link Shortcut}'s own residual pass on this row,
     * so the fused shortcut is the unfused one's arithmetic by construction.
     */
    private void residual(float[] c, int off, int n) {
        Shortcut.addActivateRange(c, 0, resFrom, resDelta, resAlpha, resBeta, resAct, c, 0, off, off + n);
    }
}
