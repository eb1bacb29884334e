package dev.vessels.bench;

import java.util.Arrays;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.JitWatch;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.zoo.ModelZoo;
import dev.vessels.memory.Executors;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * Every prediction of a fresh JVM, from the first, with the milliseconds the JIT compiled during
 * it: how long "warm-up" really takes (what {@link JitWatch} waits for). Planned executor, resident
 * synthetic weights (seed 1).
 * {@code java --add-modules jdk.incubator.vector -XX:+UseSerialGC -XX:+UseTransparentHugePages -cp benchmarks.jar
 * dev.vessels.bench.WarmupTrace MODEL THREADS PREDICTIONS}
 */
public final class WarmupTrace {
    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: WarmupTrace MODEL THREADS PREDICTIONS");
            System.exit(2);
        }
        Network net = ModelZoo.resolve(args[0]);
        int threads = Integer.parseInt(args[1]), n = Integer.parseInt(args[2]);
        JitWatch jit = new JitWatch();
        try (Executor ex = Executors.vesselsResident(net, new SyntheticWeights(net, 1), threads, MemoryPlan.forThreads(net, threads))) {
            System.out.printf("%s, %d thread(s), synthetic weights (seed 1); JIT compiled %d ms before the first prediction%n",
                    net.name(), threads, jit.compiledMillis());
            float[] x = new float[(int) net.input().size()];
            Arrays.fill(x, 0.5f);
            for (int i = 0; i < n; i++) {
                double ms = ex.predict(x).nanos() / 1e6;
                System.out.printf("prediction %3d  %8.1f ms   JIT compiled %5d ms during it%n", i + 1, ms, jit.compiledMillis());
            }
        }
    }
}
