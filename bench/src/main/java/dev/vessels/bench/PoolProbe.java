package dev.vessels.bench;

import java.util.Arrays;
import java.util.Locale;

import dev.vessels.core.exec.Parallel;
import dev.vessels.core.kernels.Pooling;

/**
 * Where a max pooling layer's time goes inside a network: the kernel alone on a hot input, and
 * right after a two-thread producer wrote its input, split by spatial halves (as a column-split
 * GEMM writes a convolution's output) or by channel halves (as the pooling splits its work), and
 * after 64 MB were streamed first (input and output out of L2, as in a network). Wall time per
 * pooling call, min and median, the scenarios interleaved; the public {@link Pooling#max}, so its
 * split rules apply ({@code -Dvessels.pool.split}, {@code -Dvessels.pool.parallelMinOutputs=0} to
 * split small maps).
 * {@code java -cp benchmarks.jar dev.vessels.bench.PoolProbe SECONDS C:H:W:SIZE:STRIDE:PADDING...},
 * e.g. {@code 96:55:55:3:2:0} for AlexNet's first pool.
 */
public final class PoolProbe {
    static float sink;

    /** 64 MB read and written: evicts every cache level but the 480 MB L3's share (as the connected layers' weights do). */
    private static final float[] BIG = new float[1 << 24];

    private static void flush() {
        for (int i = 0; i < BIG.length; i += 16) BIG[i] += 1f;
        sink += BIG[BIG.length - 16];
    }

    public static void main(String[] args) {
        double secs = Double.parseDouble(args[0]);
        try (Parallel par = new Parallel(2)) {
            for (int a = 1; a < args.length; a++) {
                String[] f = args[a].split(":");
                int c = Integer.parseInt(f[0]), h = Integer.parseInt(f[1]), w = Integer.parseInt(f[2]);
                int size = Integer.parseInt(f[3]), stride = Integer.parseInt(f[4]), pad = Integer.parseInt(f[5]);
                int oh = (h + pad - size) / stride + 1, ow = (w + pad - size) / stride + 1;
                float[] x = new float[c * h * w], y = new float[c * oh * ow];
                String[] names = {"hot, 1 thread", "hot, 2 threads", "after spatial-split writer, 2 threads",
                        "after channel-split writer, 2 threads", "after spatial-split writer, 1 thread",
                        "flushed, spatial-split writer, 2 threads", "flushed, spatial-split writer, 1 thread"};
                long[][] t = new long[names.length][200000];
                int n = 0;
                long end = System.nanoTime() + (long) (secs * 1e9);
                int plane = h * w;
                float[] val = {0.25f};
                while (n < t[0].length && (System.nanoTime() < end || n < 50)) {
                    for (int s = 0; s < names.length; s++) {
                        val[0] += 1e-3f;
                        if (s >= 5) flush();
                        if (s >= 2) {
                            boolean spatial = s != 3;
                            par.forRange(2, (lo, hi) -> {
                                for (int p = lo; p < hi; p++) {
                                    float v = val[0];
                                    if (spatial) {
                                        int i0 = Parallel.partStart(plane, p, 2), i1 = Parallel.partStart(plane, p + 1, 2);
                                        for (int k = 0; k < c; k++) Arrays.fill(x, k * plane + i0, k * plane + i1, v);
                                    } else {
                                        Arrays.fill(x, Parallel.partStart(c, p, 2) * plane, Parallel.partStart(c, p + 1, 2) * plane, v);
                                    }
                                }
                            });
                        }
                        Parallel use = s == 0 || s == 4 || s == 6 ? Parallel.SERIAL : par;
                        long t0 = System.nanoTime();
                        Pooling.max(x, 0, c, h, w, size, stride, pad, oh, ow, y, 0, use);
                        t[s][n] = System.nanoTime() - t0;
                        sink += y[y.length - 1];
                    }
                    n++;
                }
                System.out.printf(Locale.ROOT, "max %dx%d/%d pad %d on %dx%dx%d -> %dx%dx%d, %d runs each (wall, µs):%n",
                        size, size, stride, pad, w, h, c, ow, oh, c, n);
                for (int s = 0; s < names.length; s++) {
                    long[] r = Arrays.copyOf(t[s], n);
                    Arrays.sort(r);
                    System.out.printf(Locale.ROOT, "  %-40s min %7.1f  median %7.1f%n", names[s], r[0] / 1e3, r[n / 2] / 1e3);
                }
            }
        }
        if (sink == 42) System.out.println();
    }
}
