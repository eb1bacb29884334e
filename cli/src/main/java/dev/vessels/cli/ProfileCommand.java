package dev.vessels.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.memory.plan.MemoryPlan;
import dev.vessels.memory.profile.Profile;
import dev.vessels.memory.profile.Profiler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vessels profile MODEL}: the memory each executor holds, per layer, computed from the
 * model's spec and plan (nothing is predicted): a table, the verdict (baseline peak → Vessels
 * peak), the JSON object, and a plot of live memory per layer. Both executors are shown, so
 * there is no {@code --executor}. The weights are opened anyway, so a bad weights file or a sealed
 * model with the wrong key fails here as it would in predict, and the output names their source.
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
        description = "Memory profile: per-layer live memory of the Darknet baseline and of Vessels, peaks and lower bound.")
public final class ProfileCommand implements Callable<Integer> {
    private static final double MIB = 1024.0 * 1024.0;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A built-in model name, a path to a Darknet .cfg, or a sealed FILE.vsl.")
    String model;

    @Mixin
    ModelOptions weights = new ModelOptions();

    @Option(names = "--json", description = "Print one JSON object (model, input, baseline, vessels, layers) instead of the table.")
    boolean json;

    @Option(names = "--plot", paramLabel = "FILE.png|.svg", description = "Write a chart of live memory per layer, baseline against Vessels.")
    Path plot;

    // Default 1, not predict's all-cores default: the profile is a property of the model (the same
    // figures on every machine); predict --threads N holds N sets of packing buffers, shown with N here.
    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Threads the Vessels executor predicts on: each holds its own GEMM packing buffers,"
                    + " counted in the Vessels peak (default: ${DEFAULT-VALUE}).")
    int threads;

    @Override
    public Integer call() throws IOException {
        if (threads < 1) throw new ParameterException(spec.commandLine(), "--threads must be >= 1, got " + threads);
        ProfilePlot.Format format = plot == null ? null : ProfilePlot.Format.of(plot)
                .orElseThrow(() -> new ParameterException(spec.commandLine(),
                        "--plot " + plot + ": the file name must end in .png or .svg"));
        Profile p;
        String weightsDesc;
        boolean synthetic;
        try (ModelOptions.Opened opened = weights.open(model)) {
            Network net = opened.network();
            p = Profiler.of(net, MemoryPlan.forThreads(net, threads), threads).profile();
            weightsDesc = opened.weights();
            synthetic = opened.synthetic();
        }
        if (plot != null) ProfilePlot.write(p, plot, format);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(json(p, weightsDesc, synthetic));
        } else {
            table(p, weightsDesc, synthetic, out);
            if (plot != null) out.printf("plot written to %s%n", plot);
        }
        out.flush();
        return 0;
    }

    /** The object (exact snake_case keys from {@link Profile}), plus weights, synthetic_weights, reduction_percent. */
    static String json(Profile p, String weightsDesc, boolean synthetic) throws IOException {
        ObjectMapper m = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode tree = m.valueToTree(p);
        ObjectNode o = m.createObjectNode();
        o.set("model", tree.get("model"));
        o.set("input", tree.get("input"));
        o.put("weights", weightsDesc);
        o.put("synthetic_weights", synthetic);
        o.set("baseline", tree.get("baseline"));
        o.set("vessels", tree.get("vessels"));
        o.put("reduction_percent", p.reductionPercent());
        o.set("layers", tree.get("layers"));
        return m.writeValueAsString(o);
    }

    static void table(Profile p, String weightsDesc, boolean synthetic, PrintWriter out) {
        out.printf("model %s, input %dx%dx%d, weights: %s%s%n", p.model(), p.input()[0], p.input()[1], p.input()[2],
                weightsDesc, synthetic ? " (synthetic; memory figures do not depend on the values)" : "");
        out.printf("%5s  %-12s %12s %12s %12s %14s %13s%n", "layer", "type", "output MiB", "params MiB", "workspace MiB",
                "live baseline", "live Vessels");
        for (Profile.LayerRow r : p.layers()) {
            out.printf(Locale.ROOT, "%5d  %-12s %12.3f %12.3f %12.3f %14.1f %13.3f%n", r.index(), r.type(), r.outputBytes() / MIB,
                    r.parameterBytes() / MIB, r.workspaceBytes() / MIB, r.liveBytesBaseline() / MIB, r.liveBytesVessels() / MIB);
        }
        Profile.Categories c = p.baseline().categories();
        out.printf(Locale.ROOT, "baseline (Darknet's allocations): parameters %.1f, activations %.1f, training-only %.1f,"
                        + " workspace %.1f MiB%n", c.parameters() / MIB, c.activations() / MIB, c.trainingOnly() / MIB,
                c.workspace() / MIB);
        Profile.Vessels v = p.vessels();
        out.printf(Locale.ROOT, "vessels (one arena): pool %.2f MiB, of which parameter slot %.2f and workspace %.2f MiB;"
                        + " plus GEMM packing buffers %.2f MiB (%d thread%s)%n",
                v.poolBytes() / MIB, v.parameterSlotBytes() / MIB, v.workspaceBytes() / MIB,
                v.kernelScratchBytes() / MIB, v.threads(), v.threads() == 1 ? "" : "s");
        out.println(p.verdict());
        out.printf(Locale.ROOT, "lower bound (largest live activation set) %.2f MiB, achieved %.2f MiB (%+.1f%%)%n",
                v.lowerBoundBytes() / MIB, v.peakBytes() / MIB,
                v.lowerBoundBytes() == 0 ? 0.0 : 100.0 * ((double) v.peakBytes() / v.lowerBoundBytes() - 1));
    }

    /** Writes bytes to {@code file}, turning any failure into a one-line error naming it. */
    static void writeFile(Path file, IoWriter w) {
        try (OutputStream os = Files.newOutputStream(file)) {
            w.write(os);
        } catch (IOException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such directory"
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : e.getMessage();
            throw new VesselsException(file + ": cannot write plot: " + why);
        }
    }

    @FunctionalInterface
    interface IoWriter {
        void write(OutputStream os) throws IOException;
    }
}
