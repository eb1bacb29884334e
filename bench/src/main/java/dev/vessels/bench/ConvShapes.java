package dev.vessels.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Random;

import dev.vessels.core.exec.Parallel;
import dev.vessels.core.kernels.ConvGeometry;
import dev.vessels.core.kernels.Gemm;
import dev.vessels.core.kernels.MachinePeak;

/**
 * {@code Gemm.conv} on the conv shapes that dominate ResNet, Darknet53 and VGG, one line each: the
 * median and best of 7 timings (one thread: the caller's CPU time; two: wall time), after the
 * machine's FMA ceiling on as many threads. A/B a kernel switch with a system property, e.g.
 * {@code -Dvessels.gemm.sharedB=true}.
 * {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar dev.vessels.bench.ConvShapes THREADS [SHAPES]}
 */
public final class ConvShapes {
    /** c, h, w, kernel, stride, pad, filters. */
    static final int[][] SHAPES = {
            {256, 16, 16, 3, 1, 1, 256}, {1024, 16, 16, 1, 1, 0, 256}, {256, 16, 16, 1, 1, 0, 1024},
            {512, 16, 16, 3, 1, 1, 512}, {256, 32, 32, 3, 1, 1, 256}, {256, 56, 56, 3, 1, 1, 256},
            {64, 56, 56, 3, 1, 1, 64}, {128, 28, 28, 3, 1, 1, 128}, {256, 14, 14, 3, 1, 1, 256}, {512, 7, 7, 3, 1, 1, 512},
            {256, 56, 56, 1, 1, 0, 64}, {64, 56, 56, 1, 1, 0, 256}, {1024, 14, 14, 1, 1, 0, 256}, {128, 112, 112, 3, 1, 1, 128}};

    public static void main(String[] args) throws InterruptedException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int count = args.length > 1 ? Integer.parseInt(args[1]) : SHAPES.length;
        ThreadMXBean tb = ManagementFactory.getThreadMXBean();
        System.out.printf("FMA peak on %d thread(s): %.0f GFLOP/s%n", threads, MachinePeak.gflops(threads, 300));
        try (Parallel par = new Parallel(threads)) {
            for (int[] s : Arrays.copyOf(SHAPES, Math.min(count, SHAPES.length))) {
                int oh = (s[1] + 2 * s[5] - s[3]) / s[4] + 1, ow = (s[2] + 2 * s[5] - s[3]) / s[4] + 1;
                ConvGeometry g = new ConvGeometry(s[0], s[1], s[2], s[3], s[3], s[4], s[4], s[5], s[5], oh, ow);
                int m = s[6], k = g.k(), n = g.n();
                float[] a = new float[m * k], im = new float[s[0] * s[1] * s[2]], c = new float[m * n]; // A [m][k], image [c][h][w], C [m][n]
                Random r = new Random(1);
                for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - .5f;
                for (int i = 0; i < im.length; i++) im[i] = r.nextFloat();
                double flops = 2.0 * m * n * k;
                int reps = (int) Math.max(3, 3e9 / flops);
                double[] rates = new double[7];
                for (int t = 0; t < rates.length; t++) {
                    long c0 = tb.getCurrentThreadCpuTime(), t0 = System.nanoTime();
                    for (int q = 0; q < reps; q++) Gemm.conv(m, a, 0, k, g, im, 0, c, 0, n, false, par);
                    long c1 = tb.getCurrentThreadCpuTime(), t1 = System.nanoTime();
                    rates[t] = flops * reps / (threads == 1 ? c1 - c0 : t1 - t0);
                }
                Arrays.sort(rates);
                System.out.printf("conv %dx%d/%d %d->%d at %dx%d (M=%d K=%d N=%d): median %.1f, best %.1f GFLOP/s (%s)%n", s[3], s[3],
                        s[4], s[0], m, s[1], s[2], m, k, n, rates[3], rates[6], threads == 1 ? "CPU time" : "wall, " + threads + " threads");
            }
        }
    }
}
