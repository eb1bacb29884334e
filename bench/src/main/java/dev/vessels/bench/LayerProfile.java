package dev.vessels.bench;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.JitWatch;
import dev.vessels.core.exec.Parallel;
import dev.vessels.core.exec.ResidentParams;
import dev.vessels.core.exec.SeparateBuffers;
import dev.vessels.core.layers.ConvolutionalLayer;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.zoo.ModelZoo;

/**
 * Where a whole prediction's time goes, per layer kind: resident parameters (synthetic, seed 1),
 * Darknet-style buffers, the median per layer over the timed runs.
 * {@code java -cp benchmarks.jar dev.vessels.bench.LayerProfile MODEL THREADS [WARMUP RUNS [TOP [EXECUTOR]]]}, EXECUTOR
 * {@code separate} (the default: Darknet-style buffers), {@code vessels-resident} (the planned arena,
 * parameters resident) or {@code vessels:FILE} (the planned arena, parameters on demand from a
 * {@code .weights} file, as {@code bin/vessels bench --weights FILE}).
 */
public final class LayerProfile {
    public static void main(String[] args) {
        String model = args[0];
        int threads = Integer.parseInt(args[1]);
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int runs = args.length > 3 ? Integer.parseInt(args[3]) : 7;
        int top = args.length > 4 ? Integer.parseInt(args[4]) : 15;
        String executor = args.length > 5 ? args[5] : "separate";
        Network net = ModelZoo.resolve(model);
        int nl = net.layers().size();
        long[][] t = new long[runs][nl];
        long[] total = new long[runs];
        dev.vessels.core.weights.WeightsFile file = executor.startsWith("vessels:")
                ? dev.vessels.core.weights.WeightsFile.open(java.nio.file.Path.of(executor.substring(8)), net) : null;
        try (Executor ex = switch (executor) {
            case "separate" -> new Executor("profile", net, new SeparateBuffers(net),
                    new ResidentParams(new SyntheticWeights(net, 1)), threads == 1 ? Parallel.SERIAL : new Parallel(threads),
                    new int[0]);
            case "vessels-resident" -> dev.vessels.memory.Executors.vesselsResident(net, new SyntheticWeights(net, 1), threads,
                    dev.vessels.memory.plan.MemoryPlan.forThreads(net, threads));
            default -> {
                if (file == null) throw new IllegalArgumentException("EXECUTOR: separate, vessels-resident or vessels:FILE");
                yield dev.vessels.memory.Executors.vessels(net, file, threads, dev.vessels.memory.plan.MemoryPlan.forThreads(net, threads));
            }
        }) {
            float[] x = new float[(int) net.input().size()];
            Arrays.fill(x, 0.5f);
            // WARMUP predictions, then more until the JIT is quiet (at most 100): ResNet152's
            // once-a-prediction kernels (the 7×7 layer's packing, the max pool) still reached C2
            // after 15 predictions, and their C1 code boxes every vector (young collections during
            // the timed runs; the whole prediction's median above the sum of the layers' medians).
            int warmed = JitWatch.warmUp(warmup, 100, () -> ex.predict(x));
            System.out.printf("warm-up: %d predictions (%d, then until the JIT was quiet)%n", warmed, warmup);
            // One thread: the caller's CPU time, which other processes' load disturbs far less than wall time.
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            boolean cpu = threads == 1;
            java.util.function.LongSupplier clock = cpu ? mx::getCurrentThreadCpuTime : System::nanoTime;
            long[] start = new long[1];
            int[] run = new int[1];
            ex.setObserver(new Executor.LayerObserver() {
                @Override public void beforeLayer(Layer l) { start[0] = clock.getAsLong(); }
                @Override public void afterLayer(Layer l) { t[run[0]][l.index()] = clock.getAsLong() - start[0]; }
            });
            for (int r = 0; r < runs; r++) {
                run[0] = r;
                long c0 = clock.getAsLong();
                ex.predict(x);
                total[r] = clock.getAsLong() - c0;
            }
        }
        double[] med = new double[nl];
        for (int i = 0; i < nl; i++) {
            long[] col = new long[runs];
            for (int r = 0; r < runs; r++) col[r] = t[r][i];
            Arrays.sort(col);
            med[i] = col[runs / 2] / 1e6;
        }
        long[] ts = total.clone();
        Arrays.sort(ts);
        if (file != null) file.close();
        System.out.printf("%s (%s) threads=%d (%s) median %.1f ms, %.1f GFLOP/s (%.2f BFLOPs)%n", model, executor, threads, threads == 1 ? "cpu time" : "wall time", ts[runs / 2] / 1e6,
                net.bflops() / (ts[runs / 2] / 1e9), net.bflops());
        Map<String, double[]> kinds = new TreeMap<>();
        for (Layer l : net.layers()) {
            String k = l.kind();
            if (l instanceof ConvolutionalLayer c) {
                k = "conv " + c.kernelW() + "x" + c.kernelH() + "/" + c.strideW() + (c.groups() > 1 ? " g" + c.groups() : "")
                        + " " + l.outShape().w() + "x" + l.outShape().h();
            }
            double[] a = kinds.computeIfAbsent(k, z -> new double[3]);
            a[0] += med[l.index()];
            a[1] += l.bflops();
            a[2]++;
        }
        // Per run, the prediction's time outside its layers (hand-offs, parameter serving, the input's
        // copy): the whole median minus the sum of the layers' medians also counts the layers' spread.
        long[] outside = new long[runs];
        for (int r = 0; r < runs; r++) outside[r] = total[r] - Arrays.stream(t[r]).sum();
        Arrays.sort(outside);
        System.out.printf("sum of the layers' medians %.1f ms; outside the layers %.2f ms (median of %d runs, %.2f–%.2f)%n",
                Arrays.stream(med).sum(), outside[runs / 2] / 1e6, runs, outside[0] / 1e6, outside[runs - 1] / 1e6);
        System.out.printf("%-28s %6s %9s %9s%n", "kind", "count", "ms", "GFLOP/s");
        kinds.entrySet().stream().sorted((p, q) -> Double.compare(q.getValue()[0], p.getValue()[0])).forEach(en ->
                System.out.printf("%-28s %6d %9.2f %9.1f%n", en.getKey(), (int) en.getValue()[2], en.getValue()[0],
                        en.getValue()[1] / (en.getValue()[0] / 1e3)));
        Integer[] idx = new Integer[nl];
        for (int i = 0; i < nl; i++) idx[i] = i;
        Arrays.sort(idx, (p, q) -> Double.compare(med[q], med[p]));
        System.out.println("slowest layers:");
        for (int i = 0; i < Math.min(top, nl); i++) {
            Layer l = net.layers().get(idx[i]);
            System.out.printf("%4d %-5s %8.2f ms %7.1f GFLOP/s  %s%n", l.index(), l.kind(), med[l.index()],
                    l.bflops() / (med[l.index()] / 1e3), l.describe());
        }
    }
}
