package dev.vessels.bench;

import dev.vessels.core.exec.Parallel;
import dev.vessels.core.kernels.Epilogue;
import dev.vessels.core.kernels.Gemm;
import dev.vessels.core.kernels.Shortcut;
import dev.vessels.core.layers.Activation;
import java.util.Random;

/**
 * The shortcut fused into a 1×1 convolution (ResNet's expansion) against the convolution then
 * {@link Shortcut#addActivate}, one thread: {@code java -cp benchmarks.jar dev.vessels.bench.FusedShortcutProbe
 * M HW K} (M filters, HW×HW map, K input channels). Eight rotating {@code from} and output tensors,
 * so {@code from} is not always in cache, as in a network. Prints the means of 40 runs, six rounds.
 */
public final class FusedShortcutProbe {
    public static void main(String[] args) {
        int m = Integer.parseInt(args[0]), hw = Integer.parseInt(args[1]), k = Integer.parseInt(args[2]);
        int n = hw * hw;
        Random r = new Random(1);
        float[] a = new float[m * k], im = new float[k * n], p = new float[4 * m];
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - .5f;
        for (int i = 0; i < im.length; i++) im[i] = r.nextFloat() - .5f;
        for (int i = 0; i < p.length; i++) p[i] = r.nextFloat() + .1f;
        int R = 8; // rotating tensors: 'from' not always in cache, as in a network
        float[][] from = new float[R][m * n], y = new float[R][m * n];
        for (float[] f : from) for (int i = 0; i < f.length; i++) f[i] = r.nextFloat();
        for (int round = 0; round < 6; round++) {
            long t0, plain = 0, sep = 0, fused = 0;
            int it = 40;
            for (int i = 0; i < it; i++) {
                int b = i % R;
                Epilogue e = Epilogue.forThisThread().setBatchNorm(p, m, 2 * m, 3 * m, 0, m, Activation.LINEAR);
                t0 = System.nanoTime();
                Gemm.gemm(m, n, k, a, 0, k, im, 0, n, y[b], 0, n, false, Parallel.SERIAL, e, 0);
                plain += System.nanoTime() - t0;
                t0 = System.nanoTime();
                Shortcut.addActivate(y[b], 0, from[b], 0, 1, 1, Activation.LEAKY, y[b], 0, m * n, Parallel.SERIAL);
                sep += System.nanoTime() - t0;
                e.setResidual(from[b], 0, 1, 1, Activation.LEAKY);
                t0 = System.nanoTime();
                Gemm.gemm(m, n, k, a, 0, k, im, 0, n, y[b], 0, n, false, Parallel.SERIAL, e, 0);
                fused += System.nanoTime() - t0;
                e.clearResidual();
            }
            System.out.printf("m=%d n=%d k=%d: conv %.1f us, shortcut pass %.1f us, fused %.1f us (extra %.1f us)%n", m, n, k,
                    plain / 1e3 / it, sep / 1e3 / it, fused / 1e3 / it, (fused - plain) / 1e3 / it);
        }
    }
}
