package dev.vessels.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.vessels.core.VesselsException;
import dev.vessels.core.layers.Shape;
import dev.vessels.core.zoo.ModelZoo;
import dev.vessels.serve.InferenceServer;
import dev.vessels.serve.LoadDriver;
import dev.vessels.serve.ServedModel;
import dev.vessels.serve.Serving;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The paper's concurrent evaluation: for each configuration a real server on loopback, driven by
 * closed-loop HTTP clients sending a mixed stream of the models for the same duration. Paging runs
 * in the emulator's real-work mode, so a thrashing enclave really spends CPU (every EPC figure is
 * emulated and says so). Meant as the subcommand {@code reproduce concurrent}.
 */
@Command(name = "concurrent", mixinStandardHelpOptions = true,
        description = {"Concurrent evaluation: baseline (Darknet-style enclaves, naive), vessels-m (planned enclaves, naive) and",
                "vessels-s (planned enclaves, EPC-aware) each serve closed-loop clients for the same duration (emulated SGX)."})
public final class ReproduceConcurrentCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--duration", defaultValue = "5m", paramLabel = "D",
            description = "Per configuration, e.g. 30s, 5m, 100m, 1h (default ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--clients", defaultValue = "16", paramLabel = "N", description = "Closed-loop clients (default ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--models", arity = "1..*", paramLabel = "NAME", description = "Models in the mix (default: the paper's nine).")
    List<String> models;

    @Option(names = "--epc-mb", defaultValue = "93.5", paramLabel = "MB", description = "Usable emulated EPC in MiB (default ${DEFAULT-VALUE}).")
    double epcMb;

    @Option(names = "--enclave-reuse", defaultValue = "any", paramLabel = "model|any",
            description = {"For vessels-m and vessels-s: an idle enclave serves any model whose EPC need it covers (any, default)",
                    "or only its own model (model). The baseline's enclaves hold their model's parameters: always model."})
    String enclaveReuse;

    @Option(names = "--solo", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "vessels-s: models needing more than half the EPC run alone on every core (default); --no-solo: one thread each like the rest.")
    boolean solo;

    @Option(names = "--configurations", arity = "1..*", paramLabel = "NAME",
            description = "Run only these of baseline, vessels-m, vessels-s, in that order (default: all three; without the baseline there is no improvement over it).")
    List<String> only;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Option(names = "--out", paramLabel = "DIR", description = "Also write concurrent.md, concurrent.json and throughput.svg there.")
    Path out;

    /** The three configurations of the paper, in order. */
    static final List<String[]> CONFIGURATIONS = List.of(
            new String[]{"baseline", "baseline", "naive"},
            new String[]{"vessels-m", "vessels", "naive"},
            new String[]{"vessels-s", "vessels", "epc"});

    static Duration parseDuration(String s) {
        var m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?").matcher(s.strip());
        if (!m.matches()) throw new VesselsException("--duration '" + s + "': expected a number with unit ms, s, m or h (e.g. 5m)");
        double v = Double.parseDouble(m.group(1));
        String u = m.group(2) == null ? "s" : m.group(2);
        double ms = v * switch (u) {
            case "ms" -> 1;
            case "s" -> 1000;
            case "m" -> 60_000;
            default -> 3_600_000;
        };
        if (ms < 100) throw new VesselsException("--duration '" + s + "' is too short (at least 100ms)");
        return Duration.ofMillis((long) ms);
    }

    @Override
    public Integer call() throws Exception {
        if (clients < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--clients must be >= 1, got " + clients);
        try {
            Serving.sharedEnclaves(enclaveReuse, "vessels"); // it applies to the vessels configurations only
        } catch (dev.vessels.core.VesselsException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Duration d = parseDuration(duration);
        List<String> mix = models == null || models.isEmpty() ? ModelZoo.PAPER_MODELS : models;
        List<Map<String, Object>> configs = new ArrayList<>();
        Map<String, long[]> series = new LinkedHashMap<>();
        PrintWriter err = spec.commandLine().getErr();
        List<String[]> run = new ArrayList<>();
        for (String[] c : CONFIGURATIONS) if (only == null || only.contains(c[0])) run.add(c);
        if (only != null) {
            for (String n : only) {
                if (CONFIGURATIONS.stream().noneMatch(c -> c[0].equals(n))) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--configurations: unknown '" + n + "' (baseline, vessels-m, vessels-s)");
                }
            }
        }
        for (String[] c : run) {
            err.printf("vessels: %s (%s executor, %s scheduler): starting a server with %s...%n", c[0], c[1], c[2], String.join(" ", mix));
            err.flush();
            InferenceServer s = Serving.start(new Serving.Options(mix, "127.0.0.1", 0, c[1], c[2], epcMb, null, clients * 4, 1, null,
                    clients, 600_000, true, c[1].equals("vessels") ? enclaveReuse : "model", solo));
            LoadDriver.Result r;
            long swaps0, swaps1;
            long peak, launched0, launched1, switched0, switched1, idle0, idle1;
            long window0, window1;
            try {
                List<LoadDriver.Body> bodies = new ArrayList<>();
                List<String> names = new ArrayList<>();
                for (ServedModel m : s.scheduler().factory().models()) {
                    Shape in = m.network().input();
                    names.add(m.name());
                    bodies.add(LoadDriver.binaryRequest(in.c(), in.h(), in.w(), 1));
                }
                if (LoadDriver.warmUp("http://127.0.0.1:" + s.port(), names, bodies) != names.size()) {
                    throw new VesselsException(c[0] + ": the warm-up requests failed");
                }
                swaps0 = s.scheduler().factory().platform().costs().pageSwaps();
                var before = s.scheduler().snapshot();
                launched0 = before.launched();
                switched0 = before.switched();
                idle0 = before.idleSlotNanos();
                window0 = System.nanoTime();
                err.printf("vessels: %s: %d clients for %s...%n", c[0], clients, duration);
                err.flush();
                r = LoadDriver.run("http://127.0.0.1:" + s.port(), names, bodies, clients, d);
                swaps1 = s.scheduler().factory().platform().costs().pageSwaps();
                var after = s.scheduler().snapshot();
                window1 = System.nanoTime();
                launched1 = after.launched();
                switched1 = after.switched();
                idle1 = after.idleSlotNanos();
                peak = after.peakPlatformCommittedBytes();
            } finally {
                s.stop(600_000);
                // A full collection between configurations: the baseline leaves gigabytes of
                // executors in the old generation, and the next configuration should not pay for
                // collecting them (nor every young collection scan that much old generation).
                System.gc();
            }
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("name", c[0]);
            o.put("executor", c[1]);
            o.put("scheduler", c[2]);
            o.put("processed", r.processed());
            o.put("throughput_rps", round(r.throughputRps()));
            o.put("p50_ms", round(r.percentileMs(50)));
            o.put("p95_ms", round(r.percentileMs(95)));
            o.put("p99_ms", round(r.percentileMs(99)));
            o.put("page_swaps", swaps1 - swaps0);
            o.put("peak_epc_committed_bytes", peak);
            o.put("enclave_reuse", s.scheduler().factory().sharedEnclaves() ? "any" : "model");
            List<String> soloModels = new ArrayList<>();
            for (ServedModel m : s.scheduler().factory().models()) if (s.scheduler().slotsFor(m.name()) > 1) soloModels.add(m.name());
            o.put("solo_models", soloModels); // epc: run alone on every core (need > half the bound)
            o.put("enclaves_launched", launched1 - launched0); // builds in the window: what reuse of idle enclaves saves
            o.put("enclaves_switched", switched1 - switched0); // requests served by an idle enclave of another model
            int running = s.scheduler().maxRunning();
            o.put("max_running", running == Integer.MAX_VALUE ? null : running); // epc: predictions at once (cores / threads)
            // epc: share of the running slots (max_running x window) left free while requests waited (FIFO head-of-line blocking)
            o.put("idle_slot_fraction", running == Integer.MAX_VALUE ? null : round((double) (idle1 - idle0) / ((double) running * (window1 - window0))));
            o.put("rejected", r.rejected());
            o.put("failed", r.failed());
            configs.add(o);
            series.put(c[0], r.perSecond());
        }
        long base = configs.get(0).get("name").equals("baseline") ? ((Number) configs.get(0).get("processed")).longValue() : 0;
        for (Map<String, Object> o : configs) {
            long p = ((Number) o.get("processed")).longValue();
            o.put("improvement_over_baseline_pct", base > 0 ? round(100.0 * (p - base) / base) : null);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("platform", "emulated-sgx");
        doc.put("emulated", true);
        doc.put("epc_mb", epcMb);
        doc.put("duration_s", d.toMillis() / 1000.0);
        doc.put("clients", clients);
        doc.put("models", mix);
        doc.put("synthetic_weights", true);
        doc.put("configurations", configs);
        Map<String, Long> byName = new LinkedHashMap<>();
        for (Map<String, Object> o : configs) byName.put((String) o.get("name"), ((Number) o.get("processed")).longValue());
        Long m = byName.get("vessels-m"), sProc = byName.get("vessels-s");
        doc.put("vessels_s_over_vessels_m", m != null && sProc != null && m > 0 ? round((double) sProc / m) : null);
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        String text = table(doc, configs);
        PrintWriter pw = spec.commandLine().getOut();
        pw.println(json ? mapper.writeValueAsString(doc) : text);
        pw.flush();
        if (out != null) write(out, mapper.writeValueAsString(doc), text, series, d);
        return 0;
    }

    private static Double round(double v) {
        return Double.isNaN(v) ? null : Math.round(v * 1000) / 1000.0;
    }

    private static String table(Map<String, Object> doc, List<Map<String, Object>> configs) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Concurrent evaluation (emulated SGX, %.1f MiB EPC, synthetic weights): %s clients, %s s per configuration, models %s%n%n",
                (Double) doc.get("epc_mb"), doc.get("clients"), doc.get("duration_s"), String.join(" ", (List<String>) doc.get("models"))));
        sb.append("| configuration | processed | throughput (req/s) | p50 ms | p95 ms | p99 ms | page swaps (emulated) | peak EPC committed MiB"
                + " | enclaves built | served by another model's enclave | failed | vs baseline |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map<String, Object> o : configs) {
            Object imp = o.get("improvement_over_baseline_pct");
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %s | %s | %s | %d | %.1f | %d | %d | %d | %s |%n", o.get("name"), o.get("processed"),
                    o.get("throughput_rps"), o.get("p50_ms"), o.get("p95_ms"), o.get("p99_ms"), o.get("page_swaps"),
                    ((Number) o.get("peak_epc_committed_bytes")).longValue() / 1048576.0, o.get("enclaves_launched"), o.get("enclaves_switched"),
                    o.get("failed"), imp == null ? "n/a" : String.format(Locale.ROOT, "%+.1f %%", imp)));
        }
        for (Map<String, Object> o : configs) {
            if (o.get("idle_slot_fraction") != null) {
                sb.append(String.format(Locale.ROOT, "%n%s: %.1f %% of its %s running slots' time left free while requests waited for EPC (FIFO: the head may not be overtaken).%n",
                        o.get("name"), 100 * (Double) o.get("idle_slot_fraction"), o.get("max_running")));
            }
        }
        Object ratio = doc.get("vessels_s_over_vessels_m");
        if (ratio != null) sb.append(String.format(Locale.ROOT, "%nvessels-s processed %.2f× what vessels-m did.%n", (Double) ratio));
        return sb.toString();
    }

    private static void write(Path dir, String json, String md, Map<String, long[]> series, Duration d) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("concurrent.json"), json + "\n");
        Files.writeString(dir.resolve("concurrent.md"), md);
        Files.writeString(dir.resolve("throughput.svg"), svg(series));
    }

    /** Requests completed per second over time, one line per configuration. */
    static String svg(Map<String, long[]> series) {
        int w = 640, h = 320, pad = 40;
        long max = 1;
        int n = 1;
        for (long[] s : series.values()) {
            n = Math.max(n, s.length);
            for (long v : s) max = Math.max(max, v);
        }
        String[] colours = {"#d62728", "#1f77b4", "#2ca02c"};
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n", w, h));
        sb.append(String.format("<text x=\"%d\" y=\"14\">requests completed per second (emulated SGX)</text>%n", pad));
        sb.append(String.format("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", pad, h - pad, w - pad, h - pad));
        sb.append(String.format("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", pad, pad, pad, h - pad));
        sb.append(String.format("<text x=\"%d\" y=\"%d\">%d</text><text x=\"4\" y=\"%d\">0</text>%n", 4, pad + 4, max, h - pad));
        sb.append(String.format("<text x=\"%d\" y=\"%d\">%d s</text>%n", w - pad - 10, h - pad + 16, n));
        int k = 0;
        for (var e : series.entrySet()) {
            StringBuilder pts = new StringBuilder();
            long[] s = e.getValue();
            for (int i = 0; i < s.length; i++) {
                double x = pad + (w - 2.0 * pad) * (i + 0.5) / n;
                double y = (h - pad) - (h - 2.0 * pad) * s[i] / max;
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            String col = colours[k % colours.length];
            sb.append(String.format("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>%n", col, pts.toString().strip()));
            sb.append(String.format("<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>%n", w - pad - 80, pad + 14 * (k + 1), col, e.getKey()));
            k++;
        }
        return sb.append("</svg>\n").toString();
    }
}
