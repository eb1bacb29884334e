package dev.vessels.core.kernels;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Where one Winograd convolution's time goes, on one thread: the filter transform, the input
 * transform, the 16 GEMMs and the output transform, each timed apart in a loop shaped like the
 * kernel's (row blocks outside, tile blocks inside; note the kernel transforms the input once when
 * the tiles fit one block, this loop once per row block). With a fourth argument, each transform is
 * also timed alone, again and again on one block (warm caches).
 * {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar dev.vessels.core.kernels.WinogradParts FILTERS CHANNELS SIDE [alone]}
 */
public final class WinogradParts {
    public static void main(String[] args) {
        int m = Integer.parseInt(args[0]), c = Integer.parseInt(args[1]), side = Integer.parseInt(args[2]);
        ConvGeometry g = new ConvGeometry(c, side, side, 3, 3, 1, 1, 1, 1, side, side);
        int L = FloatVector_L();
        float[] a = data(m * 9 * c, 1), im = data(c * side * side, 2), y = new float[m * side * side];
        int rb = Winograd.rowBlock(m), tb = Winograd.maxBlock(Winograd.tiles(g));
        int tiles = Winograd.tiles(g);
        float[] u = new float[Winograd.P * Winograd.uPlane(rb, c)], v = new float[Winograd.P * Winograd.vPlane(c, tb)];
        float[] mt = new float[Winograd.P * Winograd.mPlane(rb, tb) + L], st = new float[18 * c + Winograd.edgeFloats(g, tb) + 2 * L];
        double[] t = new double[4];
        for (int round = 0; round < 40; round++) {
            long[] acc = new long[4];
            for (int rep = 0; rep < 10; rep++) {
                for (int rr = 0; rr < m; rr += rb) {
                    int rows = Math.min(rb, m - rr);
                    long t0 = System.nanoTime();
                    for (int i = 0; i < rows; i++) Winograd.filters(a, (rr + i) * 9 * c, c, u, 0, i, rows, st, 0);
                    acc[0] += System.nanoTime() - t0;
                    for (int tt = 0, nt; tt < tiles; tt += nt) {
                        nt = Winograd.blockTiles(tiles - tt);
                        long t1 = System.nanoTime();
                        Winograd.input(im, 0, g, tt, nt, 0, c, v, 0, tb, st, 18 * c);
                        long t2 = System.nanoTime();
                        for (int p = 0; p < Winograd.P; p++) {
                            Gemm.gemm(rows, nt, c, u, p * Winograd.uPlane(rows, c), c, v, p * Winograd.vPlane(c, tb), tb + L, mt,
                                    p * Winograd.mPlane(rows, tb), tb, false, null);
                        }
                        long t3 = System.nanoTime();
                        Winograd.output(mt, 0, rows, tb, g, tt, nt, y, rr * side * side, null, 0, st, 18 * c + Winograd.edgeFloats(g, tb));
                        long t4 = System.nanoTime();
                        acc[1] += t2 - t1; acc[2] += t3 - t2; acc[3] += t4 - t3;
                    }
                }
            }
            if (round >= 20) for (int i = 0; i < 4; i++) t[i] += acc[i] / 10.0 / 20 / 1e6;
        }
        if (args.length > 3) { // input alone, again and again on the first block
            int nt0 = Winograd.blockTiles(tiles);
            for (int round = 0; round < 5; round++) {
                long t0 = System.nanoTime();
                for (int rep = 0; rep < 2000; rep++) Winograd.input(im, 0, g, 0, nt0, 0, c, v, 0, tb, st, 18 * c);
                long t1 = System.nanoTime();
                for (int rep = 0; rep < 2000; rep++) {
                    for (int i = 0; i < rb; i++) Winograd.filters(a, i * 9 * c, c, u, 0, i, rb, st, 0);
                }
                long t2 = System.nanoTime();
                for (int rep = 0; rep < 2000; rep++) Winograd.output(mt, 0, rb, tb, g, 0, nt0, y, 0, null, 0, st, 18 * c + Winograd.edgeFloats(g, tb));
                long t3 = System.nanoTime();
                System.out.printf(Locale.ROOT, "alone: input %.4f ms (block of %d tiles), filters %.4f ms (%d rows), output %.4f%n",
                        (t1 - t0) / 2000 / 1e6, nt0, (t2 - t1) / 2000 / 1e6, rb, (t3 - t2) / 2000 / 1e6);
            }
        }
        double gemmFlops = 2.0 * Winograd.P * m * c * tiles;
        System.out.printf(Locale.ROOT, "%d %d %dx%d rb=%d tb=%d: filters %.3f ms, input %.3f, gemms %.3f (%.0f GFLOP/s), output %.3f, total %.3f%n",
                m, c, side, side, rb, tb, t[0], t[1], t[2], gemmFlops / t[2] / 1e6, t[3], t[0] + t[1] + t[2] + t[3]);
    }

    static int FloatVector_L() { return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length(); }

    private static float[] data(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) (r.nextDouble() * 2 - 1);
        return f;
    }
}
