package dev.vessels.bench;

import java.util.Arrays;

import dev.vessels.core.exec.Parallel;
import dev.vessels.core.kernels.Gemv;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Read bandwidth against the size each thread reads, on one and two threads: where the caches end
 * and memory begins (this VM: 32 MiB a thread still reads at the last-level cache's ~30 GB/s, 128 MiB
 * and more at memory's ~13.5), and the batch-1 GEMV on AlexNet's fc6 shape against it. Each thread
 * sums its own array, best of 8 passes after 3.
 * {@code java --add-modules jdk.incubator.vector -XX:+UseTransparentHugePages -Xmx4g -cp benchmarks.jar dev.vessels.bench.StreamSizes}
 */
public final class StreamSizes {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    public static void main(String[] args) throws InterruptedException {
        for (int mib : new int[]{16, 32, 64, 128, 256, 512}) {
            for (int threads : new int[]{1, 2}) {
                float[][] data = new float[threads][mib << 18]; // [thread][floats]
                for (float[] d : data) Arrays.fill(d, 1f); // every page the thread's own, not the zero page
                for (int w = 0; w < 3; w++) best(data);
                System.out.printf("stream %d MiB a thread, %d thread(s): %.1f GB/s%n", mib, threads, best(data));
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

    /** The sum over threads of each thread's best pass over its own array, GB/s. */
    private static double best(float[][] data) throws InterruptedException {
        double[] rate = new double[data.length];
        Thread[] ts = new Thread[data.length];
        for (int t = 0; t < data.length; t++) {
            int id = t;
            ts[t] = new Thread(() -> {
                float sink = 0;
                for (int r = 0; r < 8; r++) {
                    long t0 = System.nanoTime();
                    sink += sum(data[id]);
                    rate[id] = Math.max(rate[id], data[id].length * 4.0 / (System.nanoTime() - t0));
                }
                if (sink == 42f) rate[id] += 1e-9; // keeps the sums
            });
            ts[t].start();
        }
        for (Thread t : ts) t.join();
        return Arrays.stream(rate).sum();
    }

    private static float sum(float[] x) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        int l = S.length();
        for (int i = 0; i + 4 * l <= x.length; i += 4 * l) {
            a0 = a0.add(FloatVector.fromArray(S, x, i));
            a1 = a1.add(FloatVector.fromArray(S, x, i + l));
            a2 = a2.add(FloatVector.fromArray(S, x, i + 2 * l));
            a3 = a3.add(FloatVector.fromArray(S, x, i + 3 * l));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }
}
