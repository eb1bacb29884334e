package dev.vessels.bench;

import java.util.Arrays;
import java.util.Random;

import dev.vessels.core.exec.Parallel;
import dev.vessels.core.kernels.ConvGeometry;
import dev.vessels.core.kernels.Epilogue;
import dev.vessels.core.kernels.Gemm;
import dev.vessels.core.layers.Activation;

/**
 * What separates a 1×1 convolution's GEMM in isolation from the same layer inside a network
 * (issue 3: ResNeXt152's 16×16 pair is ~60 % of its time), one ingredient at a time, wall time on
 * {@code THREADS} threads, medians of {@code ROUNDS} rounds, the variants interleaved round by round:
 * <ol>
 * <li>{@code warm}: the same weights and input every call (in cache);
 * <li>{@code cold}: the weights from 256 MB of rotating copies (from memory, as in a network, whose
 *     weights do not stay cached between predictions);
 * <li>{@code +epi}: and batch norm + leaky applied as the tiles are stored;
 * <li>{@code +input}: and the input from 8 rotating copies (no longer in the cache);
 * <li>{@code +res}: and a fused residual (a shortcut's add, every output element read from another tensor);
 * <li>{@code +written}: and the input written just before (untimed) by the threads, half each, as the
 *     layer before leaves it.
 * </ol>
 * {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar dev.vessels.bench.GapProbe ROUNDS THREADS [M:C:SIDE ...]}
 * (default: ResNeXt152's reduce 256:2048:16 and expand 2048:256:16). Results: docs/kernels-benchmarks.md, speed pass 10.
 */
public final class GapProbe {
    private GapProbe() {}

    private static float[] bn;   // [4][4096] batch-norm parameters: scale, mean, variance (> 0), bias
    private static float[] from; // [M·N] the residual's other tensor

    private static double run(int m, ConvGeometry g, float[][] ws, float[][] ims, float[] c, int calls, Parallel par,
                              boolean epi, boolean res) {
        return run(m, g, ws, ims, c, calls, par, epi, res, false);
    }

    /**
     * {@code written}: before each call (outside the timing), the input is written again by the
     * threads, each its own contiguous half of the channels, as the layer before a convolution
     * leaves it in the network (its GEMM split by rows): half of it in the other core's cache.
     */
    private static double run(int m, ConvGeometry g, float[][] ws, float[][] ims, float[] c, int calls, Parallel par,
                              boolean epi, boolean res, boolean written) {
        long nanos = 0;
        for (int i = 0; i < calls; i++) {
            float[] im = ims[i % ims.length];
            if (written) {
                float v = i;
                par.forRange(im.length, (lo, hi) -> Arrays.fill(im, lo, hi, v));
            }
            long t0 = System.nanoTime();
            Epilogue e = epi ? Epilogue.forThisThread().setBatchNorm(bn, 0, m, 2 * m, 3 * m, m, Activation.LEAKY) : null;
            if (res) e.setResidual(from, 0, 1f, 1f, Activation.LINEAR);
            Gemm.conv(m, ws[i % ws.length], 0, g.k(), g, im, 0, c, 0, g.n(), false, par, e, 0);
            if (res) e.clearResidual();
            nanos += System.nanoTime() - t0;
        }
        return 2.0 * m * g.k() * g.n() * calls / (nanos / 1e9) / 1e9;
    }

    public static void main(String[] args) {
        int rounds = Integer.parseInt(args[0]), threads = Integer.parseInt(args[1]);
        String[] shapes = args.length > 2 ? Arrays.copyOfRange(args, 2, args.length) : new String[]{"256:2048:16", "2048:256:16"};
        Parallel par = threads == 1 ? Parallel.SERIAL : new Parallel(threads);
        Random rnd = new Random(1);
        bn = new float[4 * 4096];
        for (int i = 0; i < bn.length; i++) bn[i] = rnd.nextFloat() + .5f;
        String[] names = {"warm", "cold", "+epi", "+input", "+res", "+written"};
        System.out.printf("| M | K | N | %s (GFLOP/s, %d thread(s), medians of %d) |%n", String.join(" | ", names), threads, rounds);
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (String sh : shapes) {
            String[] f = sh.split(":");
            int m = Integer.parseInt(f[0]), cin = Integer.parseInt(f[1]), side = Integer.parseInt(f[2]);
            ConvGeometry g = new ConvGeometry(cin, side, side, 1, 1, 1, 1, 0, 0, side, side);
            int copies = (int) Math.max(2, (256L << 20) / (4L * m * g.k()));
            float[][] ws = new float[copies][m * g.k()];
            for (float[] w : ws) for (int i = 0; i < w.length; i++) w[i] = rnd.nextFloat() - .5f;
            float[][] ims = new float[8][cin * side * side];
            for (float[] im : ims) for (int i = 0; i < im.length; i++) im[i] = rnd.nextFloat();
            float[][] w1 = {ws[0]}, im1 = {ims[0]};
            float[] c = new float[m * g.n()];
            from = new float[m * g.n()];
            for (int i = 0; i < from.length; i++) from[i] = rnd.nextFloat();
            for (int r = 0; r < 3; r++) { // warm-up: every path compiled before timing
                run(m, g, w1, im1, c, 50, par, true, true);
                run(m, g, ws, ims, c, copies, par, false, false);
                run(m, g, ws, ims, c, copies, par, true, true, true);
            }
            double[][] gf = new double[names.length][rounds];
            for (int r = 0; r < rounds; r++) {
                gf[0][r] = run(m, g, w1, im1, c, copies, par, false, false);
                gf[1][r] = run(m, g, ws, im1, c, copies, par, false, false);
                gf[2][r] = run(m, g, ws, im1, c, copies, par, true, false);
                gf[3][r] = run(m, g, ws, ims, c, copies, par, true, false);
                gf[4][r] = run(m, g, ws, ims, c, copies, par, true, true);
                gf[5][r] = run(m, g, ws, ims, c, copies, par, true, true, true);
            }
            StringBuilder row = new StringBuilder(String.format("| %d | %d | %d |", m, g.k(), g.n()));
            for (double[] v : gf) {
                Arrays.sort(v);
                row.append(String.format(" %.1f |", v[rounds / 2]));
            }
            System.out.println(row);
        }
        par.close();
    }
}
