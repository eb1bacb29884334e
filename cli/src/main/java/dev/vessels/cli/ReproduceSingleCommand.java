package dev.vessels.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.zoo.ModelZoo;
import dev.vessels.enclave.EmulatedSgxPlatform;
import dev.vessels.enclave.sgx.EpcConfig;
import dev.vessels.enclave.sgx.EpcEmulator;
import dev.vessels.enclave.sgx.SgxCosts;
import dev.vessels.enclave.run.SinglePrediction;
import dev.vessels.enclave.run.UntrustedModelCopy;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code reproduce single}: the paper's single-prediction table. Each model runs with the baseline
 * (Darknet's memory) and the vessels executor, each in a fresh emulated SGX platform so the two do
 * not share an EPC, measured side by side (predictions alternate, so machine noise hits both alike),
 * with the model's synthetic weights held in untrusted memory (see
 * {@link UntrustedModelCopy}); the method is {@link SinglePrediction}'s.
 */
@Command(name = "single", mixinStandardHelpOptions = true,
        description = {"Single prediction of each model with the baseline (Darknet's memory) and the vessels executor in "
                + "emulated SGX enclaves: peak EPC, secure page swaps, latency and enclave build time, against the paper's "
                + "figures. No SGX hardware is used: EPC, paging, transition and build figures are emulated; latency is "
                + "measured compute time plus emulated paging and transitions. Weights are synthetic (seed 1)."})
public final class ReproduceSingleCommand implements Callable<Integer> {
    static final long SEED = 1;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--models", split = ",", paramLabel = "MODEL",
            description = "Built-in model names or .cfg paths (default: the paper's nine: ${DEFAULT-VALUE}).",
            defaultValue = "alexnet,vgg16,resnet101,resnet152,resnext152,densenet201,darknet53,inceptionv3,yolov3")
    List<String> models;

    @Option(names = "--epc-mb", paramLabel = "MiB", defaultValue = "93.5",
            description = "Usable EPC in MiB (default ${DEFAULT-VALUE}, SGX1; a large value stands in for Ice Lake-class parts).")
    double epcMb;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "3",
            description = "Predictions per executor in the enclave (default ${DEFAULT-VALUE}); page swaps are the first's "
                    + "(the paper's single prediction after loading), latency the median.")
    int runs;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "3",
            description = "Untraced predictions before the enclave's, so the JIT has compiled the kernels (default ${DEFAULT-VALUE}); "
                    + "they leave the enclave's EPC state as loading left it.")
    int warmup;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Threads for one prediction (default: all available cores).")
    int threads;

    @Option(names = "--json", description = "Print one JSON object with a 'models' array instead of the table.")
    boolean json;

    @Option(names = "--out", paramLabel = "DIR", description = "Also write table.md, results.json and PNG plots to DIR.")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (!(epcMb > 0) || epcMb > 8 * 1024 * 1024) throw new ParameterException(spec.commandLine(), "--epc-mb must be > 0 and <= 8388608, got " + epcMb);
        if (runs < 1) throw new ParameterException(spec.commandLine(), "--runs must be >= 1, got " + runs);
        if (warmup < 0) throw new ParameterException(spec.commandLine(), "--warmup must be >= 0, got " + warmup);
        if (threads < 0) throw new ParameterException(spec.commandLine(), "--threads must be >= 1, got " + threads);
        int nThreads = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        List<Network> nets = new ArrayList<>();
        for (String m : models) nets.add(ModelZoo.resolve(m)); // a bad MODEL fails before anything runs
        if (out != null) {
            try {
                Files.createDirectories(out);
            } catch (IOException e) {
                throw new VesselsException(out + ": cannot create the output directory (" + e.getMessage() + ")");
            }
        }
        EpcConfig epc = EpcConfig.ofMiB(epcMb);
        long t0 = System.nanoTime();
        List<ModelResult> results = new ArrayList<>();
        try (ProgressBar bar = progressBar(nets.size())) {
            for (int i = 0; i < nets.size(); i++) {
                Network net = nets.get(i);
                if (bar != null) bar.setExtraMessage(models.get(i));
                results.add(measure(models.get(i), net, epc, nThreads));
                System.gc(); // free this model's buffers before the next one is built and timed
                if (bar != null) bar.step();
            }
        }
        double elapsedS = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> doc = document(results, epc, nThreads, elapsedS);
        PrintWriter pw = spec.commandLine().getOut();
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        String table = markdown(results, epc, nThreads, elapsedS);
        if (json) pw.println(mapper.writeValueAsString(doc));
        else pw.print(table);
        pw.flush();
        if (out != null) {
            try {
                Files.writeString(out.resolve("table.md"), table);
                Files.writeString(out.resolve("results.json"), mapper.writeValueAsString(doc) + "\n");
                ReproducePlots.write(out, results);
            } catch (IOException e) {
                throw new VesselsException(out + ": cannot write results (" + e.getMessage() + ")");
            }
        }
        return 0;
    }

    /** Baseline and vessels side by side, each on a fresh platform (nothing else competes for its EPC). */
    private ModelResult measure(String model, Network net, EpcConfig epc, int nThreads) {
        // the model file in untrusted memory, shared by both executors (read-only)
        UntrustedModelCopy src = new UntrustedModelCopy(new SyntheticWeights(net, SEED));
        try (EmulatedSgxPlatform forBaseline = platform(epc); EmulatedSgxPlatform forVessels = platform(epc)) {
            List<SinglePrediction.Result> rs = SinglePrediction.sideBySide(List.of(
                    new SinglePrediction.Setup(forBaseline, "baseline"), new SinglePrediction.Setup(forVessels, "vessels")),
                    net, src, nThreads, warmup, runs, SinglePrediction.input(net));
            return new ModelResult(model, src.describe(), rs.get(0), rs.get(1));
        }
    }

    private static EmulatedSgxPlatform platform(EpcConfig epc) {
        return new EmulatedSgxPlatform(new EpcEmulator(epc), EmulatedSgxPlatform.DEFAULT_RUNTIME_OVERHEAD_BYTES);
    }

    /** A bar on stderr when it is a terminal; none otherwise (logs and CI stay clean). */
    private static ProgressBar progressBar(int steps) {
        java.io.Console c = System.console();
        if (c == null || !c.isTerminal()) return null;
        return new ProgressBarBuilder().setTaskName("reproduce single").setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err, 100))
                .setUpdateIntervalMillis(500).build();
    }

    /** One model's two measurements. */
    record ModelResult(String model, String weights, SinglePrediction.Result baseline, SinglePrediction.Result vessels) {
        /** 100·(1 − vessels/baseline); NaN when the baseline is 0 (nothing to reduce). */
        static double reduction(double baseline, double vessels) {
            return baseline == 0 ? Double.NaN : 100 * (1 - vessels / baseline);
        }

        double epcReduction() {
            return reduction(baseline.peakEpcBytes(), vessels.peakEpcBytes());
        }

        double pagingReduction() {
            return reduction(baseline.firstPageSwaps(), vessels.firstPageSwaps());
        }

        double latencyImprovement() {
            return reduction(baseline.medianLatencyNanos(), vessels.medianLatencyNanos());
        }

        PaperFigures paper() {
            return PaperFigures.SINGLE.get(model);
        }
    }

    private Map<String, Object> document(List<ModelResult> results, EpcConfig epc, int nThreads, double elapsedS) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("platform", EmulatedSgxPlatform.NAME);
        d.put("emulated", true);
        d.put("note", "no SGX hardware: EPC, page swaps, transitions and build times are emulated; latency = measured "
                + "compute + emulated paging and transitions; weights are synthetic");
        d.put("epc_mb", epcMb);
        d.put("epc_bytes", epc.capacityBytes());
        d.put("runtime_overhead_bytes", EmulatedSgxPlatform.DEFAULT_RUNTIME_OVERHEAD_BYTES);
        SgxCosts c = epc.costs();
        d.put("costs", Map.of("page_swap_cycles", c.pageSwapCycles(), "transition_cycles", c.transitionCycles(),
                "build_ms_per_mib", c.buildNanosPerMiB() / 1e6, "cpu_hz", c.cpuHz()));
        d.put("runs", runs);
        d.put("warmup", warmup);
        d.put("threads", nThreads);
        List<Map<String, Object>> ms = new ArrayList<>();
        for (ModelResult r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", r.model());
            m.put("weights", r.weights());
            m.put("synthetic_weights", true);
            m.put("baseline", executor(r.baseline()));
            m.put("vessels", executor(r.vessels()));
            Map<String, Object> red = new LinkedHashMap<>();
            red.put("peak_epc_pct", finite(r.epcReduction()));
            red.put("page_swaps_pct", finite(r.pagingReduction()));
            red.put("latency_pct", finite(r.latencyImprovement()));
            m.put("reduction", red);
            PaperFigures p = r.paper();
            if (p != null) {
                m.put("paper", Map.of("peak_epc_pct", p.peakEpcReductionPct(), "page_swaps_pct", p.pagingReductionPct(),
                        "latency_pct", p.latencyImprovementPct()));
            }
            ms.add(m);
        }
        d.put("models", ms);
        d.put("elapsed_s", elapsedS);
        return d;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static Map<String, Object> executor(SinglePrediction.Result r) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("peak_epc_bytes", r.peakEpcBytes());
        e.put("page_swaps", r.firstPageSwaps()); // the single prediction after loading, as the paper counts it
        e.put("page_swaps_median", r.medianPageSwaps());
        e.put("latency_ms", r.medianLatencyNanos() / 1e6);
        e.put("build_ms", r.buildNanos() / 1e6);
        e.put("compute_ms", r.medianComputeNanos() / 1e6);
        e.put("overhead_ms", r.medianOverheadNanos() / 1e6);
        e.put("data_bytes", r.dataBytes());
        e.put("warmup_ms", r.warmupNanos() / 1e6);
        e.put("load", Map.of("page_swaps", r.loadCosts().pageSwaps(), "evictions", r.loadCosts().pageEvictions(),
                "transitions", r.loadCosts().transitions(), "overhead_ms", r.loadCosts().overheadNanos() / 1e6));
        List<Map<String, Object>> runs = new ArrayList<>();
        for (SinglePrediction.Run run : r.runs()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("latency_ms", run.latencyNanos() / 1e6);
            x.put("compute_ms", run.computeNanos() / 1e6);
            x.put("page_swaps", run.costs().pageSwaps());
            x.put("evictions", run.costs().pageEvictions());
            x.put("transitions", run.costs().transitions());
            x.put("paging_ms", run.costs().pagingNanos() / 1e6);
            x.put("transition_ms", run.costs().transitionNanos() / 1e6);
            runs.add(x);
        }
        e.put("runs", runs);
        e.put("label", r.emulated() ? "emulated" : "measured");
        return e;
    }

    private String markdown(List<ModelResult> results, EpcConfig epc, int nThreads, double elapsedS) {
        StringBuilder s = new StringBuilder();
        s.append(String.format("Single prediction in emulated SGX enclaves (%s, %.1f MiB EPC; no SGX hardware: EPC, page swaps "
                + "and build times are emulated, latency = measured compute + emulated paging/transitions); synthetic "
                + "weights (seed %d); %d thread(s), %d run(s) after %d warm-up(s): page swaps of the first prediction after loading, latency the median.%n%n", EmulatedSgxPlatform.NAME,
                epc.capacityBytes() / 1048576.0, SEED, nThreads, runs, warmup));
        s.append("| model | peak EPC MiB baseline | Vessels | reduction (paper) | page swaps baseline | Vessels | reduction (paper) "
                + "| latency ms baseline | Vessels | improvement (paper) | build ms baseline | Vessels |\n");
        s.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (ModelResult r : results) {
            PaperFigures p = r.paper();
            s.append(String.format("| %s | %.1f | %.1f | %s (%s) | %d | %d | %s (%s) | %.1f | %.1f | %s (%s) | %.0f | %.0f |%n",
                    r.model(), r.baseline().peakEpcBytes() / 1048576.0, r.vessels().peakEpcBytes() / 1048576.0,
                    pct(r.epcReduction()), p == null ? "–" : pct(p.peakEpcReductionPct()),
                    r.baseline().firstPageSwaps(), r.vessels().firstPageSwaps(),
                    pct(r.pagingReduction()), p == null ? "–" : pct(p.pagingReductionPct()),
                    r.baseline().medianLatencyNanos() / 1e6, r.vessels().medianLatencyNanos() / 1e6,
                    pct(r.latencyImprovement()), p == null ? "–" : pct(p.latencyImprovementPct()),
                    r.baseline().buildNanos() / 1e6, r.vessels().buildNanos() / 1e6));
        }
        s.append(String.format("%nAll figures emulated except compute time (measured). Took %.1f s.%n", elapsedS));
        return s.toString();
    }

    static String pct(double v) {
        return Double.isFinite(v) ? String.format("%.1f %%", v) : "–";
    }
}
