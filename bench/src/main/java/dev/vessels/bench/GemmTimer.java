package dev.vessels.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

import dev.vessels.core.exec.Parallel;
import dev.vessels.core.kernels.Gemm;

/**
 * A quick GEMM timer for a loaded machine: per shape, many calls, and the minimum and median wall
 * time (the minimum is what the kernel does when it gets the cores).
 * {@code java -cp benchmarks.jar dev.vessels.bench.GemmTimer THREADS SECONDS_PER_SHAPE SHAPE...}
 */
public final class GemmTimer {
    public static void main(String[] args) {
        int threads = Integer.parseInt(args[0]);
        double secs = Double.parseDouble(args[1]);
        // One thread: the caller's CPU time (robust to other processes' load); more: wall time.
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.function.LongSupplier clock = threads == 1 ? mx::getCurrentThreadCpuTime : System::nanoTime;
        try (Parallel par = threads == 1 ? Parallel.SERIAL : new Parallel(threads)) {
            for (int i = 2; i < args.length; i++) {
                int[] s = Shapes.GEMM.get(args[i]);
                int m = s[0], n = s[1], k = s[2];
                Random r = new Random(42);
                float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
                for (int j = 0; j < a.length; j++) a[j] = r.nextFloat() - .5f;
                for (int j = 0; j < b.length; j++) b[j] = r.nextFloat() - .5f;
                long end = System.nanoTime() + (long) (secs * 1e9);
                for (int w = 0; w < 30; w++) Gemm.gemm(m, n, k, a, 0, k, b, 0, n, c, 0, n, false, par);
                long[] t = new long[100000];
                int cnt = 0;
                while (cnt < t.length && (System.nanoTime() < end || cnt < 5)) {
                    long t0 = clock.getAsLong();
                    Gemm.gemm(m, n, k, a, 0, k, b, 0, n, c, 0, n, false, par);
                    t[cnt++] = clock.getAsLong() - t0;
                }
                long[] u = Arrays.copyOf(t, cnt);
                Arrays.sort(u);
                double g = Shapes.gflop(s);
                System.out.printf(Locale.ROOT, "%-22s %dT  min %7.3f ms (%6.1f GFLOP/s)  median %7.3f ms (%6.1f)  n=%d%n",
                        args[i], threads, u[0] / 1e6, g / (u[0] / 1e9), u[cnt / 2] / 1e6, g / (u[cnt / 2] / 1e9), cnt);
            }
        }
    }
}
