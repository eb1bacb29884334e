package dev.vessels.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.Parallel;
import dev.vessels.core.exec.ResidentParams;
import dev.vessels.core.exec.SeparateBuffers;
import dev.vessels.core.kernels.ConvGeometry;
import dev.vessels.core.kernels.Epilogue;
import dev.vessels.core.kernels.Gemm;
import dev.vessels.core.layers.Activation;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.zoo.ModelZoo;

/**
 * One convolution (as the engine runs it: fused im2col + GEMM, or a plain GEMM for 1×1; batch norm
 * and leaky in the tile store) timed in a JVM that first ran a whole network's predictions, against the same in a fresh
 * JVM ({@code WARM} = 0): whether the kernels' compiled code, shaped by everything the network ran
 * through them, is as fast as when they compile for this call alone. Weights rotate over
 * {@code COPIES} copies (cold, as in a network).
 * {@code java --add-modules jdk.incubator.vector -XX:+UseSerialGC -Xmn6m -cp benchmarks.jar
 * dev.vessels.bench.AfterNetworkProbe WARM MODEL FILTERS CHANNELS SIDE KSIZE THREADS COPIES}
 * (e.g. {@code 15 darknet53 1024 512 8 3 2 4}: Darknet53's 3×3 convolutions at 8×8). The network
 * runs on two threads of its own.
 */
public final class AfterNetworkProbe {
    public static void main(String[] args) throws Exception {
        int warm = Integer.parseInt(args[0]);
        String model = args[1];
        int m = Integer.parseInt(args[2]), ch = Integer.parseInt(args[3]), side = Integer.parseInt(args[4]);
        int ks = Integer.parseInt(args[5]), threads = Integer.parseInt(args[6]), copies = Integer.parseInt(args[7]);
        if (warm > 0) { // the executor closes its own threads
            Network net = ModelZoo.resolve(model);
            try (Executor ex = new Executor("probe", net, new SeparateBuffers(net),
                    new ResidentParams(new SyntheticWeights(net, 1)), new Parallel(2), new int[0])) {
                float[] x = new float[(int) net.input().size()];
                Arrays.fill(x, 0.5f);
                for (int w = 0; w < warm; w++) ex.predict(x);
            }
        }
        try (Parallel par = new Parallel(threads)) {
            ConvGeometry g = new ConvGeometry(ch, side, side, ks, ks, 1, 1, ks / 2, ks / 2, side, side);
            int k = ch * ks * ks, n = side * side;
            Random r = new Random(1);
            float[][] w = new float[copies][m * k];
            for (float[] x : w) for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() - .5f;
            float[] im = new float[ch * n], y = new float[m * n], p = new float[4 * m];
            for (int i = 0; i < im.length; i++) im[i] = r.nextFloat() - .5f;
            for (int i = 0; i < m; i++) { // scale 1, mean 0, variance 1, bias 0.1
                p[i] = 1f;
                p[2 * m + i] = 1f;
                p[3 * m + i] = .1f;
            }
            for (int round = 0; round < 3; round++) {
                long[] t = new long[200];
                for (int i = 0; i < t.length; i++) {
                    Epilogue e = Epilogue.forThisThread().setBatchNorm(p, 0, m, 2 * m, 3 * m, m, Activation.LEAKY);
                    long t0 = System.nanoTime();
                    if (ks == 1) { // a pointwise convolution runs as a plain GEMM over the input
                        Gemm.gemm(m, n, k, w[i % copies], 0, k, im, 0, n, y, 0, n, false, par, e, 0);
                    } else {
                        Gemm.conv(m, w[i % copies], 0, k, g, im, 0, y, 0, n, false, par, e, 0);
                    }
                    t[i] = System.nanoTime() - t0;
                }
                Arrays.sort(t);
                double ms = t[t.length / 2] / 1e6;
                System.out.printf(Locale.ROOT, "%s%d filters, %d channels, %dx%d, %dx%d kernel, %d thread(s): median %.3f ms (%.0f GFLOP/s)%n",
                        warm > 0 ? "after " + warm + " predictions of " + model + ": " : "fresh JVM: ", m, ch, side, side, ks, ks,
                        threads, ms, 2.0 * m * n * k / ms / 1e6);
            }
        }
    }
}
