package dev.vessels.bench;

import dev.vessels.core.kernels.ConvGeometry;
import dev.vessels.core.kernels.Gemm;
import dev.vessels.core.exec.Parallel;

/**
 * Warm against cold weights for the hot 16×16 convolution shapes, one thread, CPU time: the same
 * weights every call (in cache) against 256 MB of rotating copies (from memory, as in a network,
 * whose weights do not stay cached between predictions); the image warm in both. What hiding the
 * weights' fetch could gain at most. {@code java -cp benchmarks.jar dev.vessels.bench.ColdWeightsProbe ROUNDS}
 */
public final class ColdWeightsProbe {
    static java.lang.management.ThreadMXBean MX = java.lang.management.ManagementFactory.getThreadMXBean();
    static double run(int m, ConvGeometry g, float[][] ws, float[] im, float[] c, int calls) {
        long t0 = MX.getCurrentThreadCpuTime();
        for (int i = 0; i < calls; i++) Gemm.conv(m, ws[i % ws.length], 0, g.k(), g, im, 0, c, 0, g.n(), false, Parallel.SERIAL);
        double s = (MX.getCurrentThreadCpuTime() - t0) / 1e9;
        return 2.0 * m * g.k() * g.n() * calls / s / 1e9;
    }
    public static void main(String[] a) throws Exception {
        int rounds = Integer.parseInt(a[0]);
        int[][] shapes = {{256, 1024, 1}, {1024, 256, 1}, {256, 256, 3}, {512, 1024, 1}};
        java.util.Random rnd = new java.util.Random(1);
        for (int[] sh : shapes) {
            int m = sh[0], cin = sh[1], kk = sh[2];
            ConvGeometry g = new ConvGeometry(cin, 16, 16, kk, kk, 1, 1, kk / 2, kk / 2, 16, 16);
            long wBytes = 4L * m * g.k();
            int copies = (int) Math.max(2, (256L << 20) / wBytes);
            float[][] ws = new float[copies][m * g.k()];
            for (float[] w : ws) for (int i = 0; i < w.length; i++) w[i] = rnd.nextFloat() - .5f;
            float[] im = new float[cin * 256];
            for (int i = 0; i < im.length; i++) im[i] = rnd.nextFloat();
            float[] c = new float[m * 256];
            float[][] w1 = {ws[0]};
            for (int r = 0; r < 3; r++) { run(m, g, w1, im, c, 50); run(m, g, ws, im, c, copies); }
            double[] warm = new double[rounds], cold = new double[rounds];
            for (int r = 0; r < rounds; r++) { warm[r] = run(m, g, w1, im, c, copies); cold[r] = run(m, g, ws, im, c, copies); }
            java.util.Arrays.sort(warm); java.util.Arrays.sort(cold);
            System.out.printf("M=%d K=%d: warm %.1f cold %.1f GFLOP/s (medians of %d, 1T cpu)%n", m, g.k(), warm[rounds/2], cold[rounds/2], rounds);
        }
    }
}
