package dev.vessels.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The reference point: Debian's OpenBLAS {@code cblas_sgemm} (package libopenblas0-pthread) on
 * the same shapes, called through FFM on off-heap copies. Debian's 0.3.21 does not recognise Zen 5,
 * so run with {@code OPENBLAS_CORETYPE=SkylakeX} in the environment to get its AVX-512 kernels
 * (the forked JVM inherits it). Only this benchmark module touches OpenBLAS; the engine never does.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class OpenBlasBench {
    static final Path LIB = Path.of(System.getProperty("openblas.lib", "/usr/lib/x86_64-linux-gnu/libopenblas.so.0"));
    private static final int ROW_MAJOR = 101, NO_TRANS = 111;

    @Param({"m256_k2304_n3136", "resnet152_c2_3x3", "m512_k4608_n196", "resnet152_c5_3x3", "resnet152_c4_1x1",
            "vgg16_conv1_2", "vgg16_conv4_2", "yolov3_76_3x3", "yolov3_19_3x3", "yolov3_head_1x1", "resnet152_256_c4_3x3",
            "resnet152_256_c5_3x3"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private int m, n, k;
    private Arena arena;
    private MemorySegment a, b, c;
    private MethodHandle sgemm;

    @Setup(Level.Trial)
    public void setup() throws Throwable {
        if (!Files.exists(LIB)) {
            throw new IllegalStateException(LIB + " not found: apt-get install libopenblas0-pthread");
        }
        int[] s = Shapes.GEMM.get(shape);
        m = s[0];
        n = s[1];
        k = s[2];
        arena = Arena.ofShared();
        SymbolLookup blas = SymbolLookup.libraryLookup(LIB, arena);
        Linker linker = Linker.nativeLinker();
        ValueLayout.OfInt I = ValueLayout.JAVA_INT;
        sgemm = linker.downcallHandle(blas.find("cblas_sgemm").orElseThrow(), FunctionDescriptor.ofVoid(
                I, I, I, I, I, I, ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, I, ValueLayout.ADDRESS, I,
                ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, I));
        MethodHandle setThreads = linker.downcallHandle(blas.find("openblas_set_num_threads").orElseThrow(),
                FunctionDescriptor.ofVoid(I));
        setThreads.invokeExact(threads);
        a = fill(arena, (long) m * k, 1);
        b = fill(arena, (long) k * n, 2);
        c = arena.allocate((long) m * n * 4, 64);
    }

    private static MemorySegment fill(Arena arena, long count, long seed) {
        MemorySegment seg = arena.allocate(count * 4, 64);
        Random r = new Random(seed);
        for (long i = 0; i < count; i++) seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, r.nextFloat() - .5f);
        return seg;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public MemorySegment sgemm() throws Throwable {
        sgemm.invokeExact(ROW_MAJOR, NO_TRANS, NO_TRANS, m, n, k, 1f, a, k, b, n, 0f, c, n);
        return c;
    }
}
