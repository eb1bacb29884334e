package dev.vessels.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.vessels.core.exec.Parallel;
import dev.vessels.core.kernels.Gemv;
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

/** Batch-1 fully connected layers: VGG16's fc6 (4096×25088, 411 MB), fc7 (4096×4096), fc8 (1000×4096). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class GemvBench extends ThreadedBench {
    @Param({"4096x25088", "4096x4096", "1000x4096"})
    public String shape;

    private int m, k;
    private float[] w, x, y;

    @Setup(Level.Trial)
    public void setup() {
        String[] p = shape.split("x");
        m = Integer.parseInt(p[0]);
        k = Integer.parseInt(p[1]);
        Random r = new Random(42);
        w = uniform(r, m * k);
        x = uniform(r, k);
        y = new float[m];
        par = new Parallel(threads);
    }

    @Benchmark
    public float[] gemv() {
        Gemv.gemv(m, k, w, 0, x, 0, y, 0, par);
        return y;
    }
}
