package dev.vessels.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

import dev.vessels.core.kernels.ConvGeometry;
import dev.vessels.core.kernels.Epilogue;
import dev.vessels.core.kernels.Gemm;
import dev.vessels.core.kernels.GroupConv;
import dev.vessels.core.layers.Activation;

/**
 * One grouped convolution layer's groups on one thread, the direct kernel ({@link GroupConv})
 * against one fused GEMM per group ({@link Gemm#conv}), batch norm and leaky after, alternating, thread CPU time (robust to
 * other processes' load): min and median per layer.
 * {@code java [-Dcold=true] -cp benchmarks.jar dev.vessels.bench.GroupConvTimer SECONDS GROUPS:FILTERS_PER_GROUP:CHANNELS_PER_GROUP:SIDE:STRIDE...}
 * (3×3, pad 1), e.g. {@code 32:8:8:16:1} for ResNeXt152's 3×3 convolutions at 16×16.
 */
public final class GroupConvTimer {
    static float sink;

    private static void flush(float[] cold) {
        if (cold == null) return;
        for (int i = 0; i < cold.length; i += 16) cold[i] += 1f;
        sink += cold[cold.length - 16];
    }

    public static void main(String[] args) {
        double secs = Double.parseDouble(args[0]);
        // -Dcold=true: 8 MB written between runs, so each starts with its input and weights out of
        // L2 (as in a network, where the layer before evicted them).
        float[] cold = Boolean.getBoolean("cold") ? new float[1 << 21] : null;
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 1; i < args.length; i++) {
            String[] f = args[i].split(":");
            int groups = Integer.parseInt(f[0]), mg = Integer.parseInt(f[1]), cg = Integer.parseInt(f[2]);
            int side = Integer.parseInt(f[3]), stride = Integer.parseInt(f[4]), o = (side - 1) / stride + 1;
            ConvGeometry g = new ConvGeometry(cg, side, side, 3, 3, stride, stride, 1, 1, o, o);
            int k = g.k(), n = g.n(), plane = cg * side * side;
            Random r = new Random(42);
            float[] a = new float[groups * mg * k], x = new float[groups * plane], y = new float[groups * mg * n];
            int nf = groups * mg;
            float[] head = new float[4 * nf]; // biases, scales, rolling means, rolling variances
            for (int j = 0; j < a.length; j++) a[j] = r.nextFloat() - .5f;
            for (int j = 0; j < x.length; j++) x[j] = r.nextFloat() - .5f;
            for (int j = 0; j < head.length; j++) head[j] = r.nextFloat() + .1f;
            // Batch norm and leaky, as ResNeXt152's grouped convolutions.
            Epilogue e = Epilogue.forThisThread().setBatchNorm(head, nf, 2 * nf, 3 * nf, 0, nf, Activation.LEAKY);
            Runnable direct = () -> {
                for (int gi = 0; gi < groups; gi++) {
                    GroupConv.conv(mg, a, gi * mg * k, k, g, x, gi * plane, y, gi * mg * n, n, e, gi * mg);
                }
            };
            Runnable gemm = () -> {
                for (int gi = 0; gi < groups; gi++) {
                    Gemm.conv(mg, a, gi * mg * k, k, g, x, gi * plane, y, gi * mg * n, n, false, null, e, gi * mg);
                }
            };
            for (int w = 0; w < 200; w++) {
                direct.run();
                gemm.run();
            }
            long[] td = new long[100000], tg = new long[100000];
            int cnt = 0;
            long end = System.nanoTime() + (long) (secs * 1e9);
            while (cnt < td.length && (System.nanoTime() < end || cnt < 5)) {
                flush(cold);
                long t0 = mx.getCurrentThreadCpuTime();
                direct.run();
                long t1 = mx.getCurrentThreadCpuTime();
                flush(cold);
                long t2 = mx.getCurrentThreadCpuTime();
                gemm.run();
                tg[cnt] = mx.getCurrentThreadCpuTime() - t2;
                td[cnt++] = t1 - t0;
            }
            td = Arrays.copyOf(td, cnt);
            tg = Arrays.copyOf(tg, cnt);
            Arrays.sort(td);
            Arrays.sort(tg);
            double gf = 2.0 * groups * mg * k * n / 1e9;
            System.out.printf(Locale.ROOT, "%-14s direct min %6.3f ms (%5.1f GFLOP/s) median %6.3f | gemm min %6.3f ms (%5.1f) median %6.3f | n=%d%n",
                    args[i], td[0] / 1e6, gf / (td[0] / 1e9), td[cnt / 2] / 1e6, tg[0] / 1e6, gf / (tg[0] / 1e9),
                    tg[cnt / 2] / 1e6, cnt);
        }
    }
}
