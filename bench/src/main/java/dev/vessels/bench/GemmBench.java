package dev.vessels.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.vessels.core.exec.Parallel;
import dev.vessels.core.kernels.Gemm;
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

/** Vessels' GEMM on model conv shapes; {@link Report} turns the times into GFLOP/s. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class GemmBench extends ThreadedBench {
    @Param({"m256_k2304_n3136", "resnet152_c2_3x3", "m512_k4608_n196", "resnet152_c5_3x3", "resnet152_c4_1x1",
            "vgg16_conv1_2", "vgg16_conv4_2", "yolov3_76_3x3", "yolov3_19_3x3", "yolov3_head_1x1", "resnet152_256_c4_3x3",
            "resnet152_256_c5_3x3"})
    public String shape;

    private int m, n, k;
    private float[] a, b, c;

    @Setup(Level.Trial)
    public void setup() {
        int[] s = Shapes.GEMM.get(shape);
        m = s[0];
        n = s[1];
        k = s[2];
        Random r = new Random(42);
        a = uniform(r, m * k);
        b = uniform(r, k * n);
        c = new float[m * n];
        par = new Parallel(threads);
    }

    @Benchmark
    public float[] gemm() {
        Gemm.gemm(m, n, k, a, 0, k, b, 0, n, c, 0, n, false, par);
        return c;
    }
}
