package dev.vessels.bench;

import java.util.Arrays;
import java.util.Locale;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.Parallel;
import dev.vessels.core.exec.ResidentParams;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.zoo.ModelZoo;
import dev.vessels.memory.baseline.BaselinePlan;

/**
 * What the baseline executor's Darknet-style touches cost per prediction (every layer's delta
 * zeroed, batch-norm copies, max-pool indexes: {@link BaselinePlan#beforeLayer}), on the caller
 * alone and split over the prediction's threads, each measured right after a prediction (as in
 * one), alternating; synthetic weights (seed 1). Wall time, median and min.
 * {@code java -Dvessels.baseline.touchParallelMinFloats=N -cp benchmarks.jar dev.vessels.bench.FillCost MODEL THREADS [RUNS]}
 * (the split is off unless that property is set: N = 32768 splits every layer's touches of at
 * least 32,768 floats).
 */
public final class FillCost {
    public static void main(String[] args) {
        Network net = ModelZoo.resolve(args[0]);
        int threads = Integer.parseInt(args[1]);
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        BaselinePlan plan = new BaselinePlan(net);
        Parallel par = threads == 1 ? Parallel.SERIAL : new Parallel(threads);
        try (Executor ex = new Executor("baseline", net, plan, new ResidentParams(new SyntheticWeights(net, 1)), par,
                new int[0])) {
            float[] x = new float[(int) net.input().size()];
            Arrays.fill(x, 0.5f);
            for (int w = 0; w < 10; w++) ex.predict(x);
            int n = net.layers().size();
            long[] serial = new long[runs], split = new long[runs], predict = new long[runs];
            for (int r = 0; r < runs; r++) {
                predict[r] = ex.predict(x).nanos();
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) plan.beforeLayer(i);
                serial[r] = System.nanoTime() - t0;
                ex.predict(x);
                t0 = System.nanoTime();
                for (int i = 0; i < n; i++) plan.beforeLayer(i, par);
                split[r] = System.nanoTime() - t0;
            }
            Arrays.sort(serial);
            Arrays.sort(split);
            Arrays.sort(predict);
            System.out.printf(Locale.ROOT, "%s, %d threads, prediction median %.2f ms; all layers' touches (wall, ms): "
                            + "caller alone median %.3f min %.3f, split median %.3f min %.3f%n", args[0], threads,
                    predict[runs / 2] / 1e6, serial[runs / 2] / 1e6, serial[0] / 1e6, split[runs / 2] / 1e6, split[0] / 1e6);
        }
    }
}
