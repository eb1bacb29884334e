package dev.vessels.core.kernels;

import dev.vessels.core.layers.Activation;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Applies an activation in place over x[off, off+n).
 *
 * <p>The piecewise-linear activations (relu, leaky, relie, ramp, plse, hardtan, lhtan) run on
 * vectors with exactly the scalar formula's operations (same multiplies, adds and selects, no
 * FMA), so the fast path equals {@link Activation#apply} bit for bit, NaN and −0 included.
 *
 * <p>The exponential ones (logistic, loggy, tanh, elu, selu) and stair stay scalar on purpose:
 * the Vector API's transcendental lanes (EXP, TANH, …) are computed by SVML stubs in C2-compiled
 * code but by a Java fallback in the interpreter and C1, which can differ in the last bit. That
 * would make a prediction's output depend on how warm the JIT is, and break the bit-identity
 * between the baseline and vessels executors. None of them is hot in the models we run
 * (convolutions use relu/leaky/linear; logistic only appears on small YOLO outputs).
 */
public final class Activations {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Activations() {}

    public static void apply(Activation a, float[] x, int off, int n) {
        int end = off + n;
        int vend = off + n / L * L;
        if (vend == off) {
            // Shorter than one vector: the scalar twin (bit-identical) without building vector constants,
            // which C2 does not always scalarise when the loop never runs (seen as allocation in tiled convs).
            scalar(a, x, off, end);
            return;
        }
        switch (a) {
            case LINEAR -> { }
            case RELU -> {
                FloatVector one = FloatVector.broadcast(S, 1f), zero = FloatVector.zero(S);
                for (int i = off; i < vend; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    // x * (x > 0 ? 1 : 0): a multiply, not a select, so -0 and NaN come out as in C.
                    v.mul(zero.blend(one, v.compare(VectorOperators.GT, 0f))).intoArray(x, i);
                }
                scalar(a, x, vend, end);
            }
            case LEAKY -> leakyLike(x, off, vend, end, .1f, a);
            case RELIE -> leakyLike(x, off, vend, end, .01f, a);
            case RAMP -> {
                FloatVector one = FloatVector.broadcast(S, 1f), zero = FloatVector.zero(S);
                for (int i = off; i < vend; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.mul(zero.blend(one, v.compare(VectorOperators.GT, 0f))).add(v.mul(.1f)).intoArray(x, i);
                }
                scalar(a, x, vend, end);
            }
            case HARDTAN -> {
                for (int i = off; i < vend; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    // x < -1 ? -1 : x > 1 ? 1 : x (NaN fails both tests and stays NaN)
                    FloatVector r = v.blend(1f, v.compare(VectorOperators.GT, 1f));
                    r.blend(-1f, v.compare(VectorOperators.LT, -1f)).intoArray(x, i);
                }
                scalar(a, x, vend, end);
            }
            case LHTAN -> {
                for (int i = off; i < vend; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    // x < 0 ? .001x : x > 1 ? .001(x-1)+1 : x
                    FloatVector r = v.blend(v.sub(1f).mul(.001f).add(1f), v.compare(VectorOperators.GT, 1f));
                    r.blend(v.mul(.001f), v.compare(VectorOperators.LT, 0f)).intoArray(x, i);
                }
                scalar(a, x, vend, end);
            }
            case PLSE -> {
                for (int i = off; i < vend; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    // x < -4 ? .01(x+4) : x > 4 ? .01(x-4)+1 : .125x+.5
                    FloatVector r = v.mul(.125f).add(.5f);
                    r = r.blend(v.sub(4f).mul(.01f).add(1f), v.compare(VectorOperators.GT, 4f));
                    r.blend(v.add(4f).mul(.01f), v.compare(VectorOperators.LT, -4f)).intoArray(x, i);
                }
                scalar(a, x, vend, end);
            }
            default -> scalar(a, x, off, end);
        }
    }

    /** x > 0 ? x : slope·x. */
    private static void leakyLike(float[] x, int off, int vend, int end, float slope, Activation a) {
        for (int i = off; i < vend; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            VectorMask<Float> pos = v.compare(VectorOperators.GT, 0f);
            v.mul(slope).blend(v, pos).intoArray(x, i);
        }
        scalar(a, x, vend, end);
    }

    private static void scalar(Activation a, float[] x, int from, int to) {
        for (int i = from; i < to; i++) x[i] = a.apply(x[i]);
    }

    public static void applyPlain(Activation a, float[] x, int off, int n) {
        if (a == Activation.LINEAR) return;
        for (int i = off; i < off + n; i++) x[i] = a.apply(x[i]);
    }
}
