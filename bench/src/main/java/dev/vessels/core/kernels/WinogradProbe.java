package dev.vessels.core.kernels;

import static dev.vessels.bench.SideBySide.median;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import dev.vessels.core.exec.Parallel;

/**
 * One 3×3 stride-1 convolution, Winograd F(2×2, 3×3) against the fused im2col+GEMM, alternated in
 * one JVM (each timing the mean of {@code REPS} calls, the pair medians printed): what decided
 * {@link Winograd#MAX_C} and {@link Winograd#MIN_TILES}. Effective GFLOP/s count the direct
 * convolution's multiply-adds (2 FLOPs each), as Darknet's BFLOPs do, for both.
 * {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar dev.vessels.core.kernels.WinogradProbe
 * FILTERS CHANNELS SIDE THREADS [ROUNDS]}: a SIDE × SIDE map; the workspace as a planned executor gives it.
 */
public final class WinogradProbe {
    private static final int REPS = 20;

    public static void main(String[] args) {
        int m = Integer.parseInt(args[0]), c = Integer.parseInt(args[1]), side = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]), rounds = args.length > 4 ? Integer.parseInt(args[4]) : 15;
        int copies = args.length > 5 ? Integer.parseInt(args[5]) : 1;
        ConvGeometry g = new ConvGeometry(c, side, side, 3, 3, 1, 1, 1, 1, side, side);
        float[][] as = new float[copies][];
        for (int i = 0; i < copies; i++) as[i] = data(m * 9 * c, Math.sqrt(2.0 / (9 * c)), 1 + i);
        float[] im = data(c * side * side, 1, 2);
        float[] y = new float[m * side * side];
        float[] ws = new float[(int) Winograd.workspaceFloats(m, g, threads)];
        double flops = 2.0 * m * c * 9 * side * side;
        List<Double> wino = new ArrayList<>(), gemm = new ArrayList<>();
        try (Parallel par = new Parallel(threads)) {
            Parallel p = threads == 1 ? null : par;
            for (int r = -5; r < rounds; r++) { // five warm-up rounds
                long t0 = System.nanoTime();
                for (int i = 0; i < REPS; i++) Winograd.conv(m, as[i % copies], 0, g, im, 0, y, 0, ws, 0, ws.length, p, null, 0);
                long t1 = System.nanoTime();
                for (int i = 0; i < REPS; i++) Gemm.conv(m, as[i % copies], 0, 9 * c, g, im, 0, y, 0, side * side, false, p);
                long t2 = System.nanoTime();
                if (r < 0) continue;
                wino.add((t1 - t0) / 1e6 / REPS);
                gemm.add((t2 - t1) / 1e6 / REPS);
            }
        }
        double w = median(wino), d = median(gemm);
        System.out.printf(Locale.ROOT, "%d filters, %d channels, %dx%d, %d thread(s)%s: winograd %.3f ms (%.0f GFLOP/s effective),"
                        + " im2col+gemm %.3f ms (%.0f GFLOP/s), speed-up %.2fx%n", m, c, side, side, threads,
                Winograd.serves(m, g) ? "" : " (not served by layers)", w, flops / w / 1e6, d, flops / d / 1e6, d / w);
    }

    private static float[] data(int n, double scale, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return f;
    }
}
