package dev.vessels.core.kernels;

import dev.vessels.core.exec.Parallel;
import dev.vessels.core.layers.Activation;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Darknet's {@code shortcut_cpu}: out = alpha·out + beta·add over the overlapping channels and
 * positions, where the larger of the two is sampled with an integer stride. The fast path
 * vectorises the same-shape case (every residual block) with the twin's exact operations
 * (multiply, multiply, add; no FMA), so both agree bit for bit.
 */
public final class Shortcut {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Shortcut() {}

    public static void add(int w1, int h1, int c1, float[] add, int addOff, int w2, int h2, int c2, float alpha, float beta,
                           float[] out, int outOff) {
        if (w1 != w2 || h1 != h2) {
            addPlain(w1, h1, c1, add, addOff, w2, h2, c2, alpha, beta, out, outOff);
            return;
        }
        int n = Math.min(c1, c2) * h1 * w1, vend = n / L * L, i = 0;
        if (alpha == 1 && beta == 1) {
            for (; i < vend; i += L) {
                FloatVector.fromArray(S, out, outOff + i).add(FloatVector.fromArray(S, add, addOff + i))
                        .intoArray(out, outOff + i);
            }
            for (; i < n; i++) out[outOff + i] = out[outOff + i] + add[addOff + i];
        } else {
            for (; i < vend; i += L) {
                FloatVector.fromArray(S, out, outOff + i).mul(alpha)
                        .add(FloatVector.fromArray(S, add, addOff + i).mul(beta)).intoArray(out, outOff + i);
            }
            for (; i < n; i++) out[outOff + i] = alpha * out[outOff + i] + beta * add[addOff + i];
        }
    }

    /**
     * The same-shape residual in one pass: out[i] = act(alpha·x[i] + beta·add[i]) for n floats,
     * split across threads. Bit-identical to copying x to out, {@link #add} and
     * {@link Activations#apply} (three passes over the tensor), which a shortcut layer otherwise
     * does; works in place (out == x) too.
     */
    public static void addActivate(float[] x, int xOff, float[] add, int addOff, float alpha, float beta, Activation act,
                                   float[] out, int outOff, int n, Parallel par) {
        if (par == null || par.threads() == 1 || n < PARALLEL_MIN) {
            addActivateRange(x, xOff, add, addOff, alpha, beta, act, out, outOff, 0, n);
        } else {
            int blocks = (n + L - 1) / L; // split on whole vectors
            par.forRange(blocks, (lo, hi) -> addActivateRange(x, xOff, add, addOff, alpha, beta, act, out, outOff, lo * L,
                    Math.min(n, hi * L)));
        }
    }

    /**
     * A shortcut whose {@code from} is not the output's shape: the same map with another channel
     * count ({@code stride} 1: ResNeXt152's layer 5 adds 64×64×64 to 64×64×512), or a map
     * {@code stride} times as wide and high (Darknet's ResNet and ResNeXt cfgs add the previous
     * stage's output, e.g. 64×64×512, to a stage's first block at 32×32×1024): for the common
     * channels, out = act(alpha·x + beta·add sampled at every stride-th row and column), for the rest
     * act(x) — Darknet's {@code shortcut_cpu}, which adds nothing there and does not scale, then its
     * activation. One pass over output rows, split across threads; bit-identical to copying x to
     * out, {@link #addPlain} and {@link Activations#apply} (single-threaded, scalar, three passes,
     * 1.0–2.0 ms each of these layers at one thread). Works in place (out == x) too.
     *
     * @param c, h, w           the output's (and x's) channels, height, width
     * @param addC, addH, addW  {@code add}'s, with addH = stride·h and addW = stride·w
     */
    public static void addActivateSampled(float[] x, int xOff, float[] add, int addOff, int addC, int addH, int addW,
                                          int stride, float alpha, float beta, Activation act, float[] out, int outOff,
                                          int c, int h, int w, Parallel par) {
        if (stride < 1 || addH != stride * h || addW != stride * w) {
            throw new IllegalArgumentException(addC + "x" + addH + "x" + addW + " is not " + c + "x" + h + "x" + w
                    + " sampled at stride " + stride);
        }
        int rows = c * h;
        if (par == null || par.threads() == 1 || (long) rows * w < PARALLEL_MIN) {
            sampledRows(x, xOff, add, addOff, Math.min(c, addC), addH, addW, stride, alpha, beta, act, out, outOff, h, w, 0,
                    rows);
        } else {
            int minc = Math.min(c, addC);
            par.forRange(rows, (lo, hi) -> sampledRows(x, xOff, add, addOff, minc, addH, addW, stride, alpha, beta, act, out,
                    outOff, h, w, lo, hi));
        }
    }

    /** Output rows [r0, r1) of {@link #addActivateSampled} (row r: channel r / h, row r % h). */
    private static void sampledRows(float[] x, int xOff, float[] add, int addOff, int minc, int addH, int addW, int stride,
                                    float alpha, float beta, Activation act, float[] out, int outOff, int h, int w, int r0,
                                    int r1) {
        boolean unit = alpha == 1 && beta == 1;
        int rowsPerBlock = Math.max(1, BLOCK / w);
        for (int b0 = r0; b0 < r1; b0 += rowsPerBlock) {
            int b1 = Math.min(r1, b0 + rowsPerBlock);
            for (int r = b0; r < b1; r++) {
                int k = r / h, j = r % h, o = outOff + r * w, xi = xOff + r * w;
                if (k >= minc) {
                    if (x != out || xOff != outOff) System.arraycopy(x, xi, out, o, w);
                    continue;
                }
                int a = addOff + (k * addH + j * stride) * addW;
                int i = 0;
                if (stride <= 2) {
                    for (; i + L <= w; i += L) {
                        // Stride 2: 32 consecutive floats of the add row → its 16 even ones, two loads and a permute.
                        FloatVector av = stride == 1 ? FloatVector.fromArray(S, add, a + i)
                                : EVEN.selectFrom(FloatVector.fromArray(S, add, a + 2 * i), FloatVector.fromArray(S, add, a + 2 * i + L));
                        FloatVector xv = FloatVector.fromArray(S, x, xi + i);
                        (unit ? xv.add(av) : xv.mul(alpha).add(av.mul(beta))).intoArray(out, o + i);
                    }
                }
                for (; i < w; i++) {
                    float av = add[a + i * stride];
                    out[o + i] = unit ? x[xi + i] + av : alpha * x[xi + i] + beta * av;
                }
            }
            Activations.apply(act, out, outOff + b0 * w, (b1 - b0) * w); // while the rows are in L1
        }
    }

    /** Lane indices of the even floats of two vectors. */
    private static final FloatVector EVEN;

    static {
        float[] even = new float[L];
        for (int l = 0; l < L; l++) even[l] = 2 * l;
        EVEN = FloatVector.fromArray(S, even, 0);
    }

    /** Below this many floats a second thread costs more than it saves. */
    private static final int PARALLEL_MIN = 1 << 15;
    /** Floats per pass: the sums are activated while still in L1. */
    private static final int BLOCK = 4096;

    /** out[i] = act(alpha·x[i] + beta·add[i]) for i in [from, to), offsets added; also {@link Epilogue}'s fused residual. */
    static void addActivateRange(float[] x, int xOff, float[] add, int addOff, float alpha, float beta,
                                         Activation act, float[] out, int outOff, int from, int to) {
        boolean unit = alpha == 1 && beta == 1;
        for (int b0 = from; b0 < to; b0 += BLOCK) {
            int b1 = Math.min(to, b0 + BLOCK), vend = b0 + (b1 - b0) / L * L, i = b0;
            if (unit) {
                for (; i < vend; i += L) {
                    FloatVector.fromArray(S, x, xOff + i).add(FloatVector.fromArray(S, add, addOff + i))
                            .intoArray(out, outOff + i);
                }
                for (; i < b1; i++) out[outOff + i] = x[xOff + i] + add[addOff + i];
            } else {
                for (; i < vend; i += L) {
                    FloatVector.fromArray(S, x, xOff + i).mul(alpha)
                            .add(FloatVector.fromArray(S, add, addOff + i).mul(beta)).intoArray(out, outOff + i);
                }
                for (; i < b1; i++) out[outOff + i] = alpha * x[xOff + i] + beta * add[addOff + i];
            }
            Activations.apply(act, out, outOff + b0, b1 - b0);
        }
    }

    public static void addPlain(int w1, int h1, int c1, float[] add, int addOff, int w2, int h2, int c2, float alpha,
                                float beta, float[] out, int outOff) {
        int stride = Math.max(1, w1 / w2), sample = Math.max(1, w2 / w1);
        int minw = Math.min(w1, w2), minh = Math.min(h1, h2), minc = Math.min(c1, c2);
        for (int k = 0; k < minc; k++) {
            for (int j = 0; j < minh; j++) {
                for (int i = 0; i < minw; i++) {
                    int o = outOff + i * sample + w2 * (j * sample + h2 * k);
                    int a = addOff + i * stride + w1 * (j * stride + h1 * k);
                    out[o] = alpha * out[o] + beta * add[a];
                }
            }
        }
    }
}
