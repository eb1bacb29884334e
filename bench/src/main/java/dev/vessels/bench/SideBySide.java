package dev.vessels.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.vessels.bench.onnx.OnnxExport;
import dev.vessels.bench.onnx.OrtModel;
import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.darknet.LibDarknet;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.JitWatch;
import dev.vessels.core.exec.Parallel;
import dev.vessels.core.exec.ResidentParams;
import dev.vessels.core.exec.SeparateBuffers;
import dev.vessels.core.image.Preprocess;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.weights.WeightsFile;
import dev.vessels.core.zoo.ModelZoo;
import dev.vessels.memory.Executors;

/**
 * Whole networks side by side in one process and one run: real Darknet (Debian's libdarknet.so
 * through FFM, single-threaded as Debian builds it), the Vessels executors at 1 and 2 threads, and
 * ONNX Runtime at 2 threads, on the same cfg, the same synthetic weights (seed 1, written to a
 * Darknet .weights file that every engine reads) and the same input (dog.jpg letterboxed as Darknet
 * does). Runs are interleaved round by round (Darknet, each Vessels configuration, ORT, then again)
 * so that all see the same machine load; medians are reported. Outputs are checked against each
 * other (max |difference| over max |reference|, tolerance 1e-3, and the same top-1), and the
 * baseline and vessels executors must agree bit for bit at each thread count.
 *
 * <p>Run it with {@code bench/run-side-by-side.sh [options]}; {@code --help} lists the options.
 * Prints Markdown tables on stdout; progress lines start with "#". Exit status 1 when an output
 * disagrees beyond the tolerance or a model fails (the other models still run and are reported).
 */
public final class SideBySide {
    /** The paper's nine models: Debian cfg names (Darknet runs them) and the zoo's InceptionV3 (Vessels and ORT only). */
    static final List<String> ALL = List.of("alexnet", "vgg-16", "resnet101", "resnet152", "resnext152-32x4d", "densenet201",
            "darknet53", "yolov3", "inceptionv3");
    static final List<String> QUICK = List.of("alexnet", "resnet152", "darknet53");
    static final double TOLERANCE = 1e-3;

    private List<String> models = ALL;
    private int runs = 5, darknetRuns = 3, warmup = 3, darknetWarmup = 1, ortThreads = 2;
    /** Most extra warm-up rounds spent waiting for the JIT to fall quiet. */
    private static final int MAX_JIT_ROUNDS = 30;
    private boolean darknet = true, ort = true, ortSpin = true;
    private List<String> executors = List.of("baseline", "vessels");
    private Path image = LibDarknet.DATA_DIR.resolve("dog.jpg");
    private Path tmp = Path.of(System.getProperty("java.io.tmpdir"), "vessels-side-by-side");
    private boolean keepFiles, quick, modelsSet, runsSet, darknetRunsSet;
    private final PrintStream out = System.out;
    private boolean disagreement;
    private final Map<String, String> failures = new LinkedHashMap<>();

    record DarknetRow(String model, String executor, double gflops, double darknetMs, double v1Ms, double v2Ms, double diff,
                      boolean top1, int darknetSamples, int vesselsSamples) {}

    record OrtRow(String model, double gflops, double ortMs, Map<String, Double> vessels2Ms, double diff, int samples) {}

    private final List<DarknetRow> darknetRows = new ArrayList<>();
    private final List<OrtRow> ortRows = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        SideBySide s = new SideBySide();
        try {
            s.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("side-by-side: " + e.getMessage() + " (--help lists the options)");
            System.exit(2);
        }
        try {
            s.run();
        } catch (VesselsException e) {
            System.err.println("side-by-side: " + e.getMessage());
            System.exit(1);
        }
        System.exit(s.disagreement || !s.failures.isEmpty() ? 1 : 0);
    }

    static final String USAGE = """
            usage: run-side-by-side.sh [--models a,b,...] [--quick] [--runs N] [--darknet-runs N] [--warmup N]
                                       [--executors baseline,vessels] [--no-darknet] [--no-ort] [--ort-threads N] [--ort-no-spin]
                                       [--image FILE] [--tmp DIR] [--keep-files]
              --models       any of %s (default: all; vgg16 and resnext152 are accepted too)
              --quick        %s, --runs 3 --darknet-runs 2 (unless given)
              --runs         timed Vessels and ORT predictions per configuration (default 5)
              --darknet-runs timed Darknet predictions (default 3; Darknet takes seconds per prediction)
              --warmup       untimed Vessels and ORT predictions first (default 3; Darknet gets 1), then
                             rounds of every Vessels configuration until two in a row pass with the JIT quiet
              --executors    Vessels executors to time (default baseline,vessels)
              --no-darknet / --no-ort   leave one comparison out
              --ort-threads  ORT intra-op threads (default 2); compared with Vessels at 1 thread if 1, else 2
              --ort-no-spin  ORT worker threads block instead of spinning between tasks (fairer on a loaded machine)
              --tmp          where the .weights and .onnx files go (default $TMPDIR/vessels-side-by-side; deleted after each model)
            """.formatted(String.join(",", ALL), String.join(",", QUICK));

    void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    System.out.println(USAGE);
                    System.exit(0);
                }
                case "--quick" -> quick = true;
                case "--models" -> {
                    models = Arrays.stream(value(args, ++i, a).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                            .map(SideBySide::canonical).toList();
                    modelsSet = true;
                }
                case "--runs" -> {
                    runs = positive(args, ++i, a);
                    runsSet = true;
                }
                case "--darknet-runs" -> {
                    darknetRuns = positive(args, ++i, a);
                    darknetRunsSet = true;
                }
                case "--warmup" -> warmup = Integer.parseInt(value(args, ++i, a));
                case "--executors" -> executors = Arrays.stream(value(args, ++i, a).split(",")).map(String::trim).toList();
                case "--no-darknet" -> darknet = false;
                case "--no-ort" -> ort = false;
                case "--ort-threads" -> ortThreads = positive(args, ++i, a);
                case "--ort-no-spin" -> ortSpin = false;
                case "--image" -> image = Path.of(value(args, ++i, a));
                case "--tmp" -> tmp = Path.of(value(args, ++i, a));
                case "--keep-files" -> keepFiles = true;
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (quick) {
            // --quick only changes what was not given explicitly, wherever it stands on the line.
            if (!modelsSet) models = QUICK;
            if (!runsSet) runs = 3;
            if (!darknetRunsSet) darknetRuns = 2;
        }
        for (String e : executors) {
            if (!Executors.KINDS.contains(e)) throw new IllegalArgumentException("unknown executor " + e + " (expected " + Executors.KINDS + ")");
        }
        if (models.isEmpty()) throw new IllegalArgumentException("--models is empty");
        if (warmup < 0) throw new IllegalArgumentException("--warmup must be >= 0");
    }

    int runs() { return runs; }

    /** Vessels runs at 1 and 2 threads: the ORT table compares ORT with the closer of the two. */
    int vesselsThreadsForOrt() {
        return ortThreads == 1 ? 1 : 2;
    }
    List<String> models() { return models; }

    private static String value(String[] args, int i, String opt) {
        if (i >= args.length) throw new IllegalArgumentException(opt + " needs a value");
        return args[i];
    }

    private static int positive(String[] args, int i, String opt) {
        int v;
        try {
            v = Integer.parseInt(value(args, i, opt));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + " needs a number, got " + args[i]);
        }
        if (v < 1) throw new IllegalArgumentException(opt + " must be >= 1, got " + v);
        return v;
    }

    static String canonical(String m) {
        String c = switch (m) {
            case "vgg16" -> "vgg-16";
            case "resnext152" -> "resnext152-32x4d";
            default -> m;
        };
        if (!ALL.contains(c)) throw new IllegalArgumentException("unknown model " + m + " (expected some of " + String.join(",", ALL) + ")");
        return c;
    }

    /** Debian's cfg for the Darknet models; the zoo's cfg for InceptionV3, which Darknet cannot run. */
    static boolean darknetCanRun(String model) {
        return !model.equals("inceptionv3");
    }

    /** The processor, for the header and the footer (read once). */
    private final String cpu = dev.vessels.core.kernels.MachinePeak.cpuName();

    /** The FMA ceiling measured before each model (GFLOP/s, 2 threads). */
    private final List<Double> peaks = new ArrayList<>();

    /** Memory read bandwidth measured before each model (GB/s, 2 threads, 256 MiB a thread). */
    private final List<Double> streams = new ArrayList<>();

    /** The same from 32 MiB a thread, which this VM's last-level cache holds (GB/s, 2 threads). */
    private final List<Double> cacheStreams = new ArrayList<>();

    /** Measures the ceilings on 2 threads (300 ms each) and keeps them: {FMA GFLOP/s, memory GB/s, 32 MiB GB/s}. */
    private double[] ceilings() {
        try {
            double[] c = {dev.vessels.core.kernels.MachinePeak.gflops(2, 300), dev.vessels.core.kernels.MachinePeak.streamGBps(2, 300),
                    dev.vessels.core.kernels.MachinePeak.cacheStreamGBps(2, 300)};
            peaks.add(c[0]);
            streams.add(c[1]);
            cacheStreams.add(c[2]);
            return c;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** "min–max" of {@code xs}, in {@code format}. */
    private static String range(List<Double> xs, String format) {
        double lo = xs.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double hi = xs.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        return String.format(Locale.ROOT, format + "–" + format, lo, hi);
    }

    void run() throws IOException {
        if (darknet && !LibDarknet.available()) throw new VesselsException(LibDarknet.unavailableReason() + " (or pass --no-darknet)");
        Files.createDirectories(tmp);
        Instant start = Instant.now();
        progress("start %s, %d cpus (%s), load average %s, JVM %s%s", start.truncatedTo(ChronoUnit.SECONDS),
                Runtime.getRuntime().availableProcessors(), cpu, loadAverage(), Runtime.version(),
                ort ? ", ONNX Runtime " + OrtModel.version() : "");
        for (String m : models) {
            try {
                // The machine's FMA ceiling (2 threads) before each model: on this shared VM it moves.
                double[] c = ceilings();
                progress("%s: FMA peak on 2 threads now %.0f GFLOP/s, memory read %.1f GB/s (%.1f from 32 MiB a thread)", m, c[0], c[1], c[2]);
                model(m);
            } catch (RuntimeException | IOException | OutOfMemoryError e) {
                // One model's failure (an export the exporter refuses, a file system full) must not lose the others' figures.
                failures.put(m, e.toString());
                progress("%s: FAILED: %s", m, e);
            }
        }
        Instant end = Instant.now();
        progress("end %s (%d s), load average %s", end.truncatedTo(ChronoUnit.SECONDS), end.getEpochSecond() - start.getEpochSecond(),
                loadAverage());
        report(start, end);
    }

    private void model(String m) throws IOException {
        boolean withDarknet = darknet && darknetCanRun(m);
        Path cfg = darknetCanRun(m) ? LibDarknet.CFG_DIR.resolve(m + ".cfg") : null;
        Network net = cfg != null ? Network.parse(cfg) : ModelZoo.open(m);
        if (!withDarknet && !ort) {
            progress("%s: skipped (Darknet cannot run it and --no-ort)", m);
            return;
        }
        Path weights = tmp.resolve(m + ".weights");
        Path onnx = tmp.resolve(m + ".onnx");
        new SyntheticWeights(net, 1).write(weights);
        float[] input = Preprocess.forNetwork(image, net.input());
        double gflops = net.bflops();
        int outputs = Math.toIntExact(net.outputShape().size());
        progress("%s: %.2f GFLOPs, input %s, weights %s (synthetic, seed 1)", m, gflops, net.input(), weights);

        LibDarknet.Net dn = null;
        OrtModel ortModel = null;
        OnnxExport.Exported exported = null;
        Map<String, Executor> vs = new LinkedHashMap<>();
        try (WeightsFile src = WeightsFile.open(weights, net)) {
            // The vessels executor reads its weights in place from this file's page cache: whether that is
            // in 2 MiB pages is worth ~10 ms a prediction on ResNet152 (docs/memory.md), so say it per model.
            progress("%s: weights file %s", m, src.pageCache());
            float[][] ortReference = null;
            if (ort) {
                long t0 = System.nanoTime();
                exported = OnnxExport.export(net, src, onnx);
                ortModel = new OrtModel(exported, ortThreads, ortSpin);
                progress("%s: exported to ONNX and loaded into ORT in %.1f s", m, (System.nanoTime() - t0) / 1e9);
                ortReference = vesselsOutputs(net, src, input, exported.outputLayers());
            }
            if (withDarknet) {
                long t0 = System.nanoTime();
                dn = LibDarknet.get().loadNetwork(cfg, weights);
                progress("%s: Darknet loaded in %.1f s", m, (System.nanoTime() - t0) / 1e9);
            }
            for (String e : executors) {
                for (int t : new int[]{1, 2}) vs.put(e + "@" + t, Executors.create(e, net, src, t));
            }

            // Warm-up: Darknet once (first-touch page faults), Vessels and ORT a few times (the JIT).
            float[] darknetOut = null;
            Map<String, float[]> firstOut = new LinkedHashMap<>();
            if (dn != null) for (int i = 0; i < darknetWarmup; i++) darknetOut = dn.predict(input, outputs);
            for (Map.Entry<String, Executor> e : vs.entrySet()) {
                for (int i = 0; i < Math.max(1, warmup); i++) firstOut.put(e.getKey(), e.getValue().predict(input).output());
            }
            if (warmup > 0) {
                // Then rounds of every configuration until two in a row pass with the JIT compiler quiet: at two
                // threads it competes with the prediction for the two cores and finishes late (JitWatch).
                int extra = new JitWatch().untilQuiet(MAX_JIT_ROUNDS, () -> {
                    for (Executor ex : vs.values()) ex.predict(input);
                });
                progress("%s: %d more warm-up round(s) until the JIT was quiet (at most %d)", m, extra, MAX_JIT_ROUNDS);
            }
            float[][] ortOut = null;
            if (ortModel != null) for (int i = 0; i < Math.max(1, warmup); i++) ortOut = ortModel.run(input, net.input());

            // Timed, interleaved rounds.
            int rounds = Math.max(runs, dn != null ? darknetRuns : 0);
            List<Double> dnMs = new ArrayList<>();
            Map<String, List<Double>> vMs = new LinkedHashMap<>();
            List<Double> ortMs = new ArrayList<>();
            for (String k : vs.keySet()) vMs.put(k, new ArrayList<>());
            for (int r = 0; r < rounds; r++) {
                if (dn != null && r < darknetRuns) {
                    long t0 = System.nanoTime();
                    float[] o = dn.predict(input, outputs);
                    dnMs.add((System.nanoTime() - t0) / 1e6);
                    if (darknetOut == null) darknetOut = o;
                }
                if (r < runs) {
                    for (Map.Entry<String, Executor> e : vs.entrySet()) vMs.get(e.getKey()).add(e.getValue().predict(input).nanos() / 1e6);
                    if (ortModel != null) {
                        ortModel.run(input, net.input());
                        ortMs.add(ortModel.lastNanos() / 1e6);
                    }
                }
                StringBuilder line = new StringBuilder();
                if (r < dnMs.size()) line.append(String.format(Locale.ROOT, " darknet %.0f ms", dnMs.get(r)));
                if (r < runs) for (Map.Entry<String, List<Double>> e : vMs.entrySet()) line.append(String.format(Locale.ROOT, " %s %.1f ms", e.getKey(), e.getValue().get(r)));
                if (r < ortMs.size()) line.append(String.format(Locale.ROOT, " ort@%d %.1f ms", ortThreads, ortMs.get(r)));
                progress("%s: round %d/%d%s", m, r + 1, rounds, line);
            }

            // Issue 3: the baseline and vessels executors must compute identical outputs (same thread count).
            for (int t : new int[]{1, 2}) {
                float[] first = null;
                for (String e : executors) {
                    float[] o = firstOut.get(e + "@" + t);
                    if (first == null) {
                        first = o;
                    } else if (!Arrays.equals(first, o)) {
                        disagreement = true;
                        progress("%s: executors %s and %s differ at %d thread(s)", m, executors.getFirst(), e, t);
                    }
                }
            }
            if (dn != null) {
                for (String e : executors) {
                    double d1 = maxRelDiff(firstOut.get(e + "@1"), darknetOut), d2 = maxRelDiff(firstOut.get(e + "@2"), darknetOut);
                    boolean top = argmax(firstOut.get(e + "@1")) == argmax(darknetOut) && argmax(firstOut.get(e + "@2")) == argmax(darknetOut);
                    double d = Math.max(d1, d2);
                    if (d > TOLERANCE || !top) {
                        disagreement = true;
                        progress("%s: DISAGREES with Darknet: executor %s max rel diff %.3g, same top-1 %s", m, e, d, top);
                    }
                    darknetRows.add(new DarknetRow(m, e, gflops, median(dnMs), median(vMs.get(e + "@1")), median(vMs.get(e + "@2")), d,
                            top, dnMs.size(), runs));
                }
            }
            if (ortModel != null) {
                double d = 0;
                for (int k = 0; k < ortOut.length; k++) d = Math.max(d, maxRelDiff(ortOut[k], ortReference[k]));
                if (d > TOLERANCE) {
                    disagreement = true;
                    progress("%s: ORT DISAGREES with Vessels: max rel diff %.3g", m, d);
                }
                Map<String, Double> v2 = new LinkedHashMap<>();
                for (String e : executors) v2.put(e, median(vMs.get(e + "@" + vesselsThreadsForOrt())));
                ortRows.add(new OrtRow(m, gflops, median(ortMs), v2, d, runs));
            }
        } finally {
            for (Executor e : vs.values()) e.close();
            if (dn != null) dn.close();
            if (ortModel != null) ortModel.close();
            if (!keepFiles) {
                Files.deleteIfExists(weights);
                Files.deleteIfExists(onnx);
            }
        }
    }

    /** The Vessels outputs of the given layers (the ONNX graph's outputs), from a plain executor that keeps every layer's output. */
    private static float[][] vesselsOutputs(Network net, WeightsFile src, float[] input, List<Integer> layers) {
        int[] keep = layers.stream().mapToInt(Integer::intValue).toArray();
        try (Executor ex = new Executor("check", net, new SeparateBuffers(net), new ResidentParams(src), new Parallel(2), keep)) {
            var p = ex.predict(input);
            float[][] out = new float[keep.length][];
            for (int k = 0; k < keep.length; k++) out[k] = keep[k] == net.outputIndex() ? p.output() : p.kept().get(keep[k]);
            return out;
        }
    }

    static double maxRelDiff(float[] ours, float[] ref) {
        if (ours.length != ref.length) return Double.POSITIVE_INFINITY;
        double maxRef = 0, maxDiff = 0;
        for (int i = 0; i < ours.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            double d = Math.abs((double) ours[i] - ref[i]);
            if (Double.isNaN(d)) return Double.POSITIVE_INFINITY; // a NaN on either side is a disagreement
            maxDiff = Math.max(maxDiff, d);
        }
        return maxRef == 0 ? maxDiff : maxDiff / maxRef;
    }

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    /** The median of {@code xs} (the mean of the middle two for an even count), NaN when empty. */
    public static double median(List<Double> xs) {
        if (xs.isEmpty()) return Double.NaN;
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private void progress(String fmt, Object... args) {
        out.println("# " + String.format(Locale.ROOT, fmt, args));
        out.flush();
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private void report(Instant start, Instant end) {
        out.println();
        if (!darknetRows.isEmpty()) {
            out.printf(Locale.ROOT, "### Whole network: Vessels vs Darknet (same run, %s)%n%n", start.truncatedTo(ChronoUnit.MINUTES));
            out.println("Darknet: Debian libdarknet.so, single-threaded. Medians of " + darknetRows.getFirst().darknetSamples()
                    + " Darknet and " + runs + " Vessels predictions, interleaved. Synthetic weights (seed 1).");
            out.println();
            out.println("| model | executor | GFLOPs | Darknet ms | Vessels 1T ms | Vessels 2T ms | speed-up 1T | speed-up 2T | Darknet GFLOP/s | Vessels GFLOP/s 1T | 2T | max rel diff | top-1 |");
            out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            for (DarknetRow r : darknetRows) {
                out.printf(Locale.ROOT, "| %s | %s | %.2f | %.0f | %.1f | %.1f | %.1f× | %.1f× | %.1f | %.1f | %.1f | %.1e | %s |%n", r.model(),
                        r.executor(), r.gflops(), r.darknetMs(), r.v1Ms(), r.v2Ms(), r.darknetMs() / r.v1Ms(), r.darknetMs() / r.v2Ms(),
                        r.gflops() / (r.darknetMs() / 1e3), r.gflops() / (r.v1Ms() / 1e3), r.gflops() / (r.v2Ms() / 1e3), r.diff(),
                        r.top1() ? "same" : "DIFFERENT");
            }
            out.println();
        }
        if (!ortRows.isEmpty()) {
            out.printf(Locale.ROOT, "### Whole network: Vessels vs ONNX Runtime %s (same run, %s)%n%n", OrtModel.version(),
                    start.truncatedTo(ChronoUnit.MINUTES));
            out.println("ORT: CPU provider, intra_op_num_threads=" + ortThreads + ", ORT_ENABLE_ALL, our ONNX export of the same cfg and weights"
                    + (ortSpin ? "" : ", spinning off") + ". Vessels at " + vesselsThreadsForOrt() + " thread(s). Medians of " + runs
                    + " interleaved predictions.");
            out.println();
            StringBuilder h = new StringBuilder("| model | GFLOPs | ORT ms | ORT GFLOP/s |");
            StringBuilder sep = new StringBuilder("|---|---|---|---|");
            for (String e : executors) {
                h.append(" Vessels ").append(e).append(" ms | GFLOP/s | latency ÷ ORT |");
                sep.append("---|---|---|");
            }
            h.append(" max rel diff |");
            sep.append("---|");
            out.println(h);
            out.println(sep);
            for (OrtRow r : ortRows) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %.2f | %.1f | %.1f |", r.model(), r.gflops(), r.ortMs(),
                        r.gflops() / (r.ortMs() / 1e3)));
                for (String e : executors) {
                    double v = r.vessels2Ms().get(e);
                    row.append(String.format(Locale.ROOT, " %.1f | %.1f | %.2f |", v, r.gflops() / (v / 1e3), v / r.ortMs()));
                }
                row.append(String.format(Locale.ROOT, " %.1e |", r.diff()));
                out.println(row);
            }
            out.println();
        }
        for (Map.Entry<String, String> f : failures.entrySet()) out.println("FAILED " + f.getKey() + ": " + f.getValue());
        if (!peaks.isEmpty()) {
            out.println("CPU: " + cpu);
            out.println("FMA peak on 2 threads, measured before each model: " + range(peaks, "%.0f") + " GFLOP/s");
            out.println("Memory read on 2 threads (256 MiB a thread), measured before each model: " + range(streams, "%.1f")
                    + " GB/s; from 32 MiB a thread (held by this VM's last-level cache): " + range(cacheStreams, "%.1f") + " GB/s");
        }
        out.printf(Locale.ROOT, "(%d s, load average at the end %s)%n", end.getEpochSecond() - start.getEpochSecond(), loadAverage());
        out.flush();
    }
}
