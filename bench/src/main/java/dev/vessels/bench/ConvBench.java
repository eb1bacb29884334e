package dev.vessels.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.vessels.core.exec.Parallel;
import dev.vessels.core.kernels.ConvGeometry;
import dev.vessels.core.kernels.Gemm;
import dev.vessels.core.kernels.Im2col;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The 3×3 (stride 1, pad 1) convolutions of {@link Shapes} as the engine runs them: the fused
 * im2col+GEMM ({@code fused}) and, for comparison, im2col into a workspace then GEMM
 * ({@code im2colGemm}). GFLOP/s count the GEMM's multiply-adds only.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class ConvBench extends ThreadedBench {
    @Param({"m256_k2304_n3136", "resnet152_c2_3x3", "m512_k4608_n196", "resnet152_c5_3x3", "vgg16_conv1_2",
            "vgg16_conv4_2", "yolov3_76_3x3", "yolov3_19_3x3"})
    public String shape;

    private int m, n, k;
    private float[] a, im, col, c;
    private ConvGeometry g;

    @Setup(Level.Trial)
    public void setup() {
        int[] s = Shapes.GEMM.get(shape);
        m = s[0];
        n = s[1];
        k = s[2];
        int ch = k / 9, hw = (int) Math.round(Math.sqrt(n));
        g = new ConvGeometry(ch, hw, hw, 3, 3, 1, 1, 1, 1, hw, hw);
        if (g.n() != n || g.k() != k) throw new IllegalStateException(shape + " is not a square 3x3 convolution");
        Random r = new Random(42);
        a = uniform(r, m * k);
        im = uniform(r, ch * hw * hw);
        col = new float[k * n];
        c = new float[m * n];
        par = new Parallel(threads);
    }

    @Benchmark
    public float[] fused() {
        Gemm.conv(m, a, 0, k, g, im, 0, c, 0, n, false, par);
        return c;
    }

    @Benchmark
    public float[] im2colGemm() {
        Im2col.im2col(im, 0, g.c(), g.h(), g.w(), 3, 3, 1, 1, 1, 1, g.oh(), g.ow(), col, 0);
        Gemm.gemm(m, n, k, a, 0, k, col, 0, n, c, 0, n, false, par);
        return c;
    }
}
