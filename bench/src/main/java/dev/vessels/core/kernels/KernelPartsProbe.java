package dev.vessels.core.kernels;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;

/**
 * The parts of one fused convolution (B packed from the image, A packed, the macro-kernel) timed
 * apart on one thread (CPU time), then the macro-kernel again on fresh copies of the same packed
 * panels. Why: on this VM the same code on the same data ran 50× slower in some JVM launches than in
 * others, and fresh copies of the data in the same launch ran at full speed — the memory the first
 * arrays landed on, not the code (docs/kernels-benchmarks.md, session 5). Lives in the kernels'
 * package for their package-private parts; bench module only.
 * {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar dev.vessels.core.kernels.KernelPartsProbe C H W K STRIDE PAD M}
 */
public final class KernelPartsProbe {
    public static void main(String[] args) {
        int c = Integer.parseInt(args[0]), h = Integer.parseInt(args[1]), w = Integer.parseInt(args[2]);
        int kk = Integer.parseInt(args[3]), st = Integer.parseInt(args[4]), pd = Integer.parseInt(args[5]);
        int m = Integer.parseInt(args[6]);
        ConvGeometry g = new ConvGeometry(c, h, w, kk, kk, st, st, pd, pd, (h + 2 * pd - kk) / st + 1, (w + 2 * pd - kk) / st + 1);
        int k = g.k(), n = g.n(), kb = Gemm.kBlocks(k), nc = Math.min(Gemm.NC, n), mc = Math.min(Gemm.MC, m);
        float[] a = new float[m * k], im = new float[c * h * w], out = new float[m * n]; // A [m][k], image [c][h][w], C [m][n]
        Random r = new Random(1);
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - .5f;
        for (int i = 0; i < im.length; i++) im[i] = r.nextFloat();
        Gemm.Scratch s = new Gemm.Scratch();
        float[][] bp = new float[kb][Gemm.KC * Gemm.NC]; // packed B per K block: [NC/NR][KC][NR]
        float[][] ap = new float[kb][Gemm.MC * Gemm.KC]; // packed A per K block: [MC/MR][KC][MR]
        ThreadMXBean tb = ManagementFactory.getThreadMXBean();
        int reps = 20;
        for (int round = 0; round < 12; round++) {
            long tB = 0, tM = 0, tA = 0, tK = 0, tAll = 0;
            for (int rep = 0; rep < reps; rep++) {
                long t0 = tb.getCurrentThreadCpuTime();
                for (int q = 0; q < kb; q++) {
                    int p0 = Gemm.kBlockStart(k, q), p1 = Gemm.kBlockStart(k, q + 1);
                    Gemm.packIm2col(p1 - p0, nc, p0, 0, im, 0, g, s.row, bp[q]);
                }
                long t1 = tb.getCurrentThreadCpuTime();
                if (Gemm.shiftedFits(g)) {
                    for (int q = 0; q < kb; q++) {
                        int p0 = Gemm.kBlockStart(k, q), p1 = Gemm.kBlockStart(k, q + 1);
                        Gemm.packShifted(p1 - p0, nc, p0, 0, im, 0, g, s.masks, bp[q], 0);
                    }
                }
                tM += tb.getCurrentThreadCpuTime() - t1;
                t1 = tb.getCurrentThreadCpuTime();
                for (int q = 0; q < kb; q++) {
                    int p0 = Gemm.kBlockStart(k, q), p1 = Gemm.kBlockStart(k, q + 1);
                    Gemm.packA(mc, p1 - p0, a, p0, k, ap[q]);
                }
                long t2 = tb.getCurrentThreadCpuTime();
                kernel(mc, nc, k, kb, ap, bp, out, n, s.tile);
                long t3 = tb.getCurrentThreadCpuTime();
                Gemm.conv(m, a, 0, k, g, im, 0, out, 0, n, false, null);
                long t4 = tb.getCurrentThreadCpuTime();
                tB += t1 - t0;
                tA += t2 - t1;
                tK += t3 - t2;
                tAll += t4 - t3;
            }
            if (round >= 9) {
                System.out.printf("packIm2col %.1f us (%.2f ns/float)  packShifted %.1f us  packA %.1f us (%.2f ns/float)  macroKernel %.1f us (%.0f GFLOP/s)"
                                + "  | whole conv M=%d: %.1f us (%.0f GFLOP/s)%n",
                        tB / 1e3 / reps, tB / (double) reps / ((double) k * nc), tM / 1e3 / reps, tA / 1e3 / reps, tA / (double) reps / ((double) mc * k),
                        tK / 1e3 / reps, 2.0 * mc * nc * k / (tK / (double) reps), m, tAll / 1e3 / reps,
                        2.0 * m * n * k / (tAll / (double) reps));
            }
        }
        // The same panels, copied into arrays allocated now.
        float[][] ap2 = new float[kb][], bp2 = new float[kb][];
        for (int q = 0; q < kb; q++) {
            ap2[q] = ap[q].clone();
            bp2[q] = bp[q].clone();
        }
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long t0 = tb.getCurrentThreadCpuTime();
            for (int rep = 0; rep < reps; rep++) kernel(mc, nc, k, kb, ap2, bp2, out, n, s.tile);
            best = Math.min(best, tb.getCurrentThreadCpuTime() - t0);
        }
        System.out.printf("macroKernel on fresh copies of the same panels: %.1f us (%.0f GFLOP/s)%n", best / 1e3 / reps,
                2.0 * mc * nc * k / (best / (double) reps));
    }

    private static void kernel(int mc, int nc, int k, int kb, float[][] ap, float[][] bp, float[] out, int ldc, float[] tile) {
        for (int q = 0; q < kb; q++) {
            int p0 = Gemm.kBlockStart(k, q), p1 = Gemm.kBlockStart(k, q + 1);
            Gemm.macroKernel(mc, nc, p1 - p0, ap[q], bp[q], out, 0, ldc, q == 0, tile, null, 0);
        }
    }
}
