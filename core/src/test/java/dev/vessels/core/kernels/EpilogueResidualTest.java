package dev.vessels.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import dev.vessels.core.exec.Parallel;
import dev.vessels.core.layers.Activation;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import org.junit.jupiter.api.Test;

/**
 * A shortcut fused into the convolution's epilogue ({@link Epilogue#setResidual}) gives, bit for
 * bit, what the convolution (GEMM + epilogue) followed by {@link Shortcut#addActivate} gives: every
 * GEMM path (narrow, packed, K blocks, both thread splits, the fused im2col), alpha and beta other
 * than 1, every activation on either side; the residual applied in each tile's store
 * ({@link Epilogue#tileResidual}, the default) or per finished block of C.
 */
class EpilogueResidualTest {
    private static final Parallel TWO = new Parallel(2);
    private static final float[] FACTORS = {1, .5f, -1.25f, 0, 3};

    @AfterContainer
    static void closePool() {
        TWO.close();
    }

    @Property(tries = 250)
    void fusedResidualIsBitIdenticalToConvolutionThenShortcut(@ForAll @IntRange(min = 1, max = 40) int m,
                                                             @ForAll @IntRange(min = 1, max = 150) int n,
                                                             @ForAll @IntRange(min = 1, max = 600) int k,
                                                             @ForAll Activation convAct, @ForAll Activation act,
                                                             @ForAll @IntRange(min = 0, max = 4) int alphaAt,
                                                             @ForAll @IntRange(min = 0, max = 4) int betaAt,
                                                             @ForAll boolean batchNorm, @ForAll boolean conv,
                                                             @ForAll boolean twoThreads, @ForAll boolean perTile,
                                                             @ForAll long seed) {
        boolean was = Epilogue.tileResidual;
        Epilogue.tileResidual = perTile;
        try {
            fusedMatchesUnfused(m, n, k, convAct, act, alphaAt, betaAt, batchNorm, conv, twoThreads, seed);
        } finally {
            Epilogue.tileResidual = was;
        }
    }

    private static void fusedMatchesUnfused(int m, int n, int k, Activation convAct, Activation act, int alphaAt, int betaAt,
                                            boolean batchNorm, boolean conv, boolean twoThreads, long seed) {
        Random r = new Random(seed);
        float alpha = FACTORS[alphaAt], beta = alphaAt == 0 ? 1 : FACTORS[betaAt]; // (1, 1) often: its own path
        float[] a = GemmTest.fill(r, m * k), b = GemmTest.fill(r, k * n), p = params(r, m);
        float[] im = GemmTest.fill(r, n + k - 1);
        int fromOff = r.nextInt(9);
        float[] from = GemmTest.fill(r, fromOff + m * n + 5);
        Parallel par = twoThreads ? TWO : Parallel.SERIAL;
        // The outputs start as garbage: the fused one must overwrite C exactly and nothing else.
        float[] y = GemmTest.fill(r, m * n + 7), expected = y.clone(), fused = y.clone();

        Epilogue e = configure(p, m, batchNorm, convAct);
        run(m, n, k, a, b, im, conv, y, par, e);
        Shortcut.addActivate(y, 3, from, fromOff, alpha, beta, act, expected, 3, m * n, par);

        configure(p, m, batchNorm, convAct).setResidual(from, fromOff - 3, alpha, beta, act);
        run(m, n, k, a, b, im, conv, fused, par, e);
        e.clearResidual();
        assertSameBits(fused, expected);
    }

    /** Shapes that split over two threads (both ways), cross the MC and KC blocks, as ResNet's do. */
    @Test
    void fusedResidualIsBitIdenticalOnConvolutionShapes() {
        boolean was = Epilogue.tileResidual;
        try {
            for (boolean perTile : new boolean[] {true, false}) {
                Epilogue.tileResidual = perTile;
                convolutionShapes();
            }
        } finally {
            Epilogue.tileResidual = was;
        }
    }

    private static void convolutionShapes() {
        int[][] shapes = { // c, h, w, kernel, stride, filters
                {64, 7, 7, 3, 1, 200},   // N = 49
                {32, 9, 10, 3, 1, 130},  // ragged M
                {40, 14, 14, 3, 1, 67},  // K = 360: two K blocks
                {48, 30, 30, 3, 2, 35},  // split by columns
                {300, 8, 8, 1, 1, 70},   // pointwise-like, two K blocks
                {256, 28, 28, 1, 1, 64}, // a bottleneck's expansion
                {128, 32, 32, 1, 1, 96}, // ResNeXt152's expansion at 32×32 (K = 128), one block of C per tile row
        };
        Random r = new Random(11);
        for (int[] sh : shapes) {
            int c = sh[0], h = sh[1], w = sh[2], kk = sh[3], st = sh[4], m = sh[5], pad = kk / 2;
            int oh = (h + 2 * pad - kk) / st + 1, ow = (w + 2 * pad - kk) / st + 1;
            ConvGeometry g = new ConvGeometry(c, h, w, kk, kk, st, st, pad, pad, oh, ow);
            float[] im = GemmTest.fill(r, c * h * w), a = GemmTest.fill(r, m * g.k()), p = params(r, m);
            float[] from = GemmTest.fill(r, m * g.n());
            for (Parallel par : new Parallel[]{Parallel.SERIAL, TWO}) {
                for (Activation act : new Activation[]{Activation.LINEAR, Activation.LEAKY, Activation.RELU}) {
                    float[] y = new float[m * g.n()], expected = new float[m * g.n()], fused = new float[m * g.n()];
                    Epilogue e = configure(p, m, true, Activation.LINEAR);
                    Gemm.conv(m, a, 0, g.k(), g, im, 0, y, 0, g.n(), false, par, e, 0);
                    Shortcut.addActivate(y, 0, from, 0, 1, 1, act, expected, 0, m * g.n(), par);
                    configure(p, m, true, Activation.LINEAR).setResidual(from, 0, 1, 1, act);
                    Gemm.conv(m, a, 0, g.k(), g, im, 0, fused, 0, g.n(), false, par, e, 0);
                    e.clearResidual();
                    assertSameBits(fused, expected);
                }
            }
        }
    }

    @Test
    void theBatchNormAndBiasSettersClearTheResidual() {
        float[] p = params(new Random(1), 2), a = {1, 2}, b = {1, 1, 1, 1}, from = {100, 100, 100, 100};
        float[] with = new float[4], without = new float[4];
        Epilogue e = configure(p, 2, false, Activation.LINEAR).setResidual(from, 0, 1, 1, Activation.LINEAR);
        Gemm.gemm(2, 2, 1, a, 0, 1, b, 0, 2, with, 0, 2, false, Parallel.SERIAL, e, 0);
        configure(p, 2, false, Activation.LINEAR); // a later convolution on this thread: no residual
        Gemm.gemm(2, 2, 1, a, 0, 1, b, 0, 2, without, 0, 2, false, Parallel.SERIAL, e, 0);
        for (int i = 0; i < 4; i++) assertThat(with[i]).isEqualTo(without[i] + 100);
    }

    /** bias, scale, mean, variance (positive), m each. */
    private static float[] params(Random r, int m) {
        float[] p = GemmTest.fill(r, 4 * m);
        for (int f = 0; f < m; f++) p[3 * m + f] = Math.abs(p[3 * m + f]);
        return p;
    }

    private static Epilogue configure(float[] p, int m, boolean batchNorm, Activation act) {
        Epilogue e = Epilogue.forThisThread();
        return batchNorm ? e.setBatchNorm(p, m, 2 * m, 3 * m, 0, m, act) : e.setBias(p, 0, m, act);
    }

    /** C (m × n at offset 3 of {@code c}) = A·B, or A·im2col(im) under a 1×k kernel, with {@code e}. */
    private static void run(int m, int n, int k, float[] a, float[] b, float[] im, boolean conv, float[] c, Parallel par,
                            Epilogue e) {
        if (conv) {
            ConvGeometry g = new ConvGeometry(1, 1, n + k - 1, 1, k, 1, 1, 0, 0, 1, n);
            Gemm.conv(m, a, 0, k, g, im, 0, c, 3, n, false, par, e, 0);
        } else {
            Gemm.gemm(m, n, k, a, 0, k, b, 0, n, c, 3, n, false, par, e, 0);
        }
    }

    private static void assertSameBits(float[] actual, float[] expected) {
        for (int i = 0; i < actual.length; i++) {
            assertThat(Float.floatToRawIntBits(actual[i])).as("element %d", i)
                    .isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
    }
}
