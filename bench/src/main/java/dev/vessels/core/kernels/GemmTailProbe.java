package dev.vessels.core.kernels;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

import dev.vessels.core.exec.Parallel;

/**
 * What a GEMM's last panel costs: one M×K GEMM timed at several column counts N in one JVM (median
 * of 100 calls after 100, three rounds, the last printed), with {@link Gemm#columnTail} on and off
 * (speed pass 15: N = 289, InceptionV3's 17×17 maps, is 9 panels and one column).
 * {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar dev.vessels.core.kernels.GemmTailProbe M K N1,N2,… THREADS}
 * (e.g. {@code 192 1344 288,289,304 1}).
 */
public final class GemmTailProbe {
    public static void main(String[] args) {
        int m = Integer.parseInt(args[0]), k = Integer.parseInt(args[1]), threads = Integer.parseInt(args[3]);
        int[] ns = Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray();
        int nMax = Arrays.stream(ns).max().orElseThrow();
        Random r = new Random(1);
        float[] a = new float[m * k], b = new float[k * nMax], c = new float[m * nMax];
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat();
        for (int i = 0; i < b.length; i++) b[i] = r.nextFloat();
        try (Parallel par = new Parallel(threads)) {
            Parallel p = threads == 1 ? null : par;
            for (boolean tail : new boolean[] {true, false}) {
                Gemm.columnTail = tail;
                for (int round = 0; round < 3; round++) {
                    for (int n : ns) {
                        long[] t = new long[200];
                        for (int i = 0; i < t.length; i++) {
                            long t0 = System.nanoTime();
                            Gemm.gemm(m, n, k, a, 0, k, b, 0, n, c, 0, n, false, p);
                            t[i] = System.nanoTime() - t0;
                        }
                        long[] q = Arrays.copyOfRange(t, 100, 200);
                        Arrays.sort(q);
                        double ms = q[50] / 1e6;
                        if (round == 2) {
                            System.out.printf(Locale.ROOT, "columnTail=%s m=%d n=%d k=%d, %d thread(s): %.3f ms, %.1f GFLOP/s%n", tail,
                                    m, n, k, threads, ms, 2.0 * m * n * k / ms / 1e6);
                        }
                    }
                }
            }
        }
    }
}
