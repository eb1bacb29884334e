package dev.vessels.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.JitWatch;
import dev.vessels.core.kernels.MachinePeak;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time predictions: median/min/max latency after warm-up, and achieved GFLOP/s.")
public final class BenchCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "MODEL", description = "Built-in model names or Darknet .cfg paths.")
    List<String> models;

    @Mixin
    ModelOptions weights = new ModelOptions();

    @Mixin
    ExecutorOptions exec = new ExecutorOptions();

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "3", description = "Untimed predictions first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--jit-warmup", paramLabel = "N", defaultValue = "50",
            description = {"After the --warmup predictions, more untimed ones until two in a row pass with the JIT"
                    + " compiler quiet (under 5 ms compiling each), at most N (default ${DEFAULT-VALUE}; 0: off). At two threads the"
                    + " compiler competes with the prediction for the cores and finishes late: ResNet152 needs ~10"
                    + " predictions in a fresh JVM."})
    int jitWarmup;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "10", description = "Timed predictions (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--drop-cache",
            description = "Before every prediction, evict the --weights file from the OS page cache (posix_fadvise DONTNEED): cold-cache latency.")
    boolean dropCache;

    @Option(names = "--json", description = "Print one JSON object with a 'models' array.")
    boolean json;

    /** How long each FMA-ceiling measurement runs: long enough for a stable rate, short beside a bench. */
    private static final int PEAK_MILLIS = 300;

    @Override
    public Integer call() throws Exception {
        if (warmup < 0) throw new ParameterException(spec.commandLine(), "--warmup must be >= 0");
        if (runs < 1) throw new ParameterException(spec.commandLine(), "--runs must be >= 1");
        if (jitWarmup < 0) throw new ParameterException(spec.commandLine(), "--jit-warmup must be >= 0");
        java.nio.file.Path evict = weights.source == null ? null : weights.source.weights;
        if (dropCache && evict == null) throw new ParameterException(spec.commandLine(), "--drop-cache needs --weights FILE");
        for (String m : models) {
            try (ModelOptions.Opened ignored = weights.open(m)) {
                // fail on a bad MODEL (or a sealed one with the wrong key) before timing anything
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        List<Map<String, Object>> results = new ArrayList<>();
        // The machine's FMA ceiling on the prediction's threads, before and after: on a shared VM it moves.
        double peakBefore = MachinePeak.gflops(exec.threads(), PEAK_MILLIS);
        double streamBefore = MachinePeak.streamGBps(exec.threads(), PEAK_MILLIS);
        double cacheBefore = MachinePeak.cacheStreamGBps(exec.threads(), PEAK_MILLIS);
        if (!json) {
            out.printf("FMA peak on %d thread(s), measured now: %.0f GFLOP/s; memory read: %.1f GB/s (%.1f from 32 MiB a thread)%n",
                    exec.threads(), peakBefore, streamBefore, cacheBefore);
            out.printf("%-20s %-9s %7s %10s %10s %10s %8s %9s  %s%n", "model", "executor", "threads", "median ms", "min ms",
                    "max ms", "GFLOPs", "GFLOP/s", "weights");
            out.flush();
        }
        for (int i = 0; i < models.size(); i++) {
            double[] ms = new double[runs];
            String desc, pageCache;
            int warmedUp;
            boolean synthetic;
            Network net;
            try (ModelOptions.Opened opened = weights.open(models.get(i)); Executor ex = exec.create(opened.network(), opened.params())) {
                net = opened.network();
                desc = opened.weights();
                synthetic = opened.synthetic();
                // the weights file's page cache, arranged at open (huge pages, HugePageCache); null: no file mapped
                pageCache = opened.params() instanceof dev.vessels.core.weights.WeightsFile wf && wf.mapped() ? wf.pageCache() : null;
                float[] x = input(net);
                warmedUp = JitWatch.warmUp(warmup, jitWarmup, () -> {
                    if (dropCache) PageCache.evict(evict);
                    ex.predict(x);
                });
                for (int r = 0; r < runs; r++) {
                    if (dropCache) PageCache.evict(evict);
                    ms[r] = ex.predict(x).nanos() / 1e6;
                }
            }
            double[] sorted = ms.clone();
            Arrays.sort(sorted);
            double median = runs % 2 == 1 ? sorted[runs / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
            double gflops = net.bflops();
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", models.get(i));
            r.put("executor", exec.executor.name());
            r.put("params", exec.params());
            r.put("page_cache", dropCache ? "dropped before each prediction" : "as found");
            r.put("threads", exec.threads());
            r.put("latency_ms", Map.of("median", median, "min", sorted[0], "max", sorted[runs - 1]));
            r.put("gflops", gflops);
            r.put("gflops_per_s", gflops / (median / 1e3));
            r.put("peak_fraction", gflops / (median / 1e3) / peakBefore);
            r.put("runs", runs);
            r.put("warmup", warmup);
            r.put("warmup_done", warmedUp); // warmup, then until the JIT was quiet (--jit-warmup)
            r.put("weights", desc);
            r.put("synthetic_weights", synthetic);
            r.put("weights_page_cache", pageCache);
            results.add(r);
            if (!json) {
                String kind = exec.executor + (exec.params().equals("prefetch") || exec.residentParams ? "+" + exec.params() : "");
                out.printf("%-20s %-9s %7d %10.2f %10.2f %10.2f %8.2f %9.1f  %s%n", models.get(i), kind,
                        exec.threads(), median, sorted[0], sorted[runs - 1], gflops, gflops / (median / 1e3),
                        desc + (synthetic ? " (synthetic)" : ""));
                out.flush();
            }
        }
        double peakAfter = MachinePeak.gflops(exec.threads(), PEAK_MILLIS);
        double streamAfter = MachinePeak.streamGBps(exec.threads(), PEAK_MILLIS);
        double cacheAfter = MachinePeak.cacheStreamGBps(exec.threads(), PEAK_MILLIS);
        if (json) {
            Map<String, Object> machine = new LinkedHashMap<>();
            machine.put("threads", exec.threads());
            machine.put("cpu", MachinePeak.cpuName());
            machine.put("fma_peak_gflops_per_s", Map.of("before", peakBefore, "after", peakAfter));
            machine.put("memory_read_gb_per_s", Map.of("before", streamBefore, "after", streamAfter));
            machine.put("cache_read_gb_per_s", Map.of("before", cacheBefore, "after", cacheAfter));
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("models", results);
            all.put("machine", machine);
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(all));
            out.flush();
        } else {
            out.printf("FMA peak on %d thread(s) after the runs: %.0f GFLOP/s; memory read: %.1f GB/s (%.1f from 32 MiB a thread); cpu: %s%n",
                    exec.threads(), peakAfter, streamAfter, cacheAfter, MachinePeak.cpuName());
            out.flush();
        }
        return 0;
    }

    /** A fixed pseudo-random input in [0, 1), the same in every run. */
    static float[] input(Network net) {
        SplittableRandom r = new SplittableRandom(42);
        float[] x = new float[(int) net.input().size()];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        return x;
    }
}
