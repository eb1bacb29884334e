package dev.vessels.bench;

import java.util.Arrays;

import dev.vessels.core.exec.Parallel;
import dev.vessels.core.kernels.Gemv;
import dev.vessels.core.kernels.MachinePeak;

/**
 * Read bandwidth against the size each thread reads, on one and two threads: where the caches end
 * and memory begins (this VM: 32 MiB a thread still reads at the last-level cache's ~30 GB/s, 128 MiB
 * and more at memory's ~13.5), measured as {@code bench} measures its ceilings
 * ({@link MachinePeak#streamGBps(int, int, long)}: each thread sums its own array, the median pass),
 * and the batch-1 GEMV on AlexNet's fc6 shape against it (best of 15 after 20).
 * {@code java --add-modules jdk.incubator.vector -XX:+UseTransparentHugePages -Xmx4g -cp benchmarks.jar dev.vessels.bench.StreamSizes}
 */
public final class StreamSizes {
    public static void main(String[] args) throws InterruptedException {
        for (int mib : new int[]{16, 32, 64, 128, 256, 512}) {
            for (int threads : new int[]{1, 2}) {
                System.out.printf("stream %d MiB a thread, %d thread(s): %.1f GB/s%n", mib, threads,
                        MachinePeak.streamGBps(threads, 300, (long) mib << 20));
            }
        }
        int m = 4096, k = 9216; // AlexNet's fc6: W [m][k], x [k], y [m]
        float[] w = new float[m * k], x = new float[k], y = new float[m];
        Arrays.fill(w, 0.5f);
        for (int threads : new int[]{1, 2}) {
            try (Parallel par = new Parallel(threads)) {
                for (int r = 0; r < 20; r++) Gemv.gemv(m, k, w, 0, x, 0, y, 0, par);
                double best = 0;
                for (int r = 0; r < 15; r++) {
                    long t0 = System.nanoTime();
                    Gemv.gemv(m, k, w, 0, x, 0, y, 0, par);
                    best = Math.max(best, (double) m * k * Float.BYTES / (System.nanoTime() - t0));
                }
                System.out.printf("gemv %dx%d (AlexNet fc6), %d thread(s): %.1f GB/s, best of 15%n", m, k, threads, best);
            }
        }
    }
}
