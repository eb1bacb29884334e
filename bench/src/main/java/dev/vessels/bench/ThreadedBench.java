package dev.vessels.bench;

import java.util.Random;

import dev.vessels.core.exec.Parallel;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the engine's kernel benchmarks share: the {@code threads} parameter, the {@link Parallel}
 * it gives (opened by the subclass's setup, closed here after the trial), and how their inputs
 * are drawn.
 */
@State(Scope.Benchmark) // JMH wants @Param in a @State class; the subclasses say the same
public abstract class ThreadedBench { // public: JMH's generated code reads the @Param field through it
    @Param({"1", "2"})
    public int threads;

    protected Parallel par;

    @TearDown(Level.Trial)
    public void tearDown() {
        par.close();
    }

    /** {@code n} floats uniform in [−0.5, 0.5), drawn in order from {@code r}. */
    static float[] uniform(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = r.nextFloat() - .5f;
        return x;
    }
}
