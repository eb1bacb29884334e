package dev.vessels.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import dev.vessels.core.Network;
import dev.vessels.core.kernels.Gemm;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.zoo.ModelZoo;
import dev.vessels.memory.profile.Profile;
import dev.vessels.memory.profile.Profiler;

class ProfileCommandTest {
    @TempDir
    static Path dir;
    static Path weights;

    @BeforeAll
    static void files() {
        weights = dir.resolve("tiny.weights");
        new SyntheticWeights(ModelZoo.resolve("tiny-classifier"), 3).write(weights);
    }

    @Test
    void jsonHasEveryFieldOfTheIssueAndTheProfilersNumbers() throws IOException {
        CliRun r = CliRun.of("profile", "tiny-classifier", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        Profile p = Profiler.of(ModelZoo.resolve("tiny-classifier")).profile();

        assertThat(j.get("model").asText()).isEqualTo("tiny-classifier");
        assertThat(j.get("input")).hasSize(3);
        for (int i = 0; i < 3; i++) assertThat(j.get("input").get(i).asInt()).isEqualTo(p.input()[i]);
        assertThat(j.get("weights").asText()).isEqualTo("synthetic:1");
        assertThat(j.get("synthetic_weights").asBoolean()).isTrue();

        JsonNode b = j.get("baseline");
        assertThat(b.get("peak_bytes").asLong()).isEqualTo(p.baseline().peakBytes());
        JsonNode c = b.get("categories");
        assertThat(c.get("parameters").asLong()).isEqualTo(p.baseline().categories().parameters());
        assertThat(c.get("activations").asLong()).isEqualTo(p.baseline().categories().activations());
        assertThat(c.get("training_only").asLong()).isEqualTo(p.baseline().categories().trainingOnly());
        assertThat(c.get("workspace").asLong()).isEqualTo(p.baseline().categories().workspace());
        assertThat(c.get("parameters").asLong() + c.get("activations").asLong() + c.get("training_only").asLong()
                + c.get("workspace").asLong()).isEqualTo(b.get("peak_bytes").asLong());

        JsonNode v = j.get("vessels");
        assertThat(v.get("peak_bytes").asLong()).isEqualTo(p.vessels().peakBytes());
        assertThat(v.get("pool_bytes").asLong()).isEqualTo(p.vessels().poolBytes());
        assertThat(v.get("parameter_slot_bytes").asLong()).isEqualTo(p.vessels().parameterSlotBytes());
        assertThat(v.get("workspace_bytes").asLong()).isEqualTo(p.vessels().workspaceBytes());
        assertThat(v.get("lower_bound_bytes").asLong()).isEqualTo(p.vessels().lowerBoundBytes());
        // tiny-classifier's whole Darknet footprint (0.9 MiB) is below one thread's GEMM packing
        // buffers (1.1 MiB), so only the arena is smaller here (ProfilerTest checks the real models)
        assertThat(v.get("pool_bytes").asLong()).isLessThan(b.get("peak_bytes").asLong());
        // no im2col workspace any more: only Winograd layers' transform buffers, inside the arena; the
        // kernels' packing buffers (one thread by default) are in the peak
        assertThat(v.get("workspace_bytes").asLong()).isLessThan(v.get("pool_bytes").asLong());
        assertThat(v.get("kernel_scratch_bytes").asLong()).isEqualTo(Gemm.scratchBytesPerThread());
        assertThat(v.get("threads").asInt()).isEqualTo(1);
        assertThat(v.get("peak_bytes").asLong()).isEqualTo(v.get("pool_bytes").asLong() + Gemm.scratchBytesPerThread());

        JsonNode layers = j.get("layers");
        assertThat(layers).hasSize(p.layers().size());
        for (int i = 0; i < layers.size(); i++) {
            JsonNode l = layers.get(i);
            Profile.LayerRow row = p.layers().get(i);
            assertThat(l.get("index").asInt()).isEqualTo(row.index());
            assertThat(l.get("type").asText()).isEqualTo(row.type());
            assertThat(l.get("output_bytes").asLong()).isEqualTo(row.outputBytes());
            assertThat(l.get("parameter_bytes").asLong()).isEqualTo(row.parameterBytes());
            assertThat(l.get("workspace_bytes").asLong()).isEqualTo(row.workspaceBytes());
            assertThat(l.get("live_bytes_baseline").asLong()).isEqualTo(row.liveBytesBaseline());
            assertThat(l.get("live_bytes_vessels").asLong()).isEqualTo(row.liveBytesVessels());
        }
        assertThat(layers.get(0).get("type").asText()).isEqualTo("conv");
    }

    @Test
    void tablePrintsEveryLayerTheVerdictAndTheLowerBound() {
        CliRun r = CliRun.of("profile", "tiny-classifier", "--weights", weights.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Network net = ModelZoo.resolve("tiny-classifier");
        Profile p = Profiler.of(net).profile();
        String[] lines = r.out().split("\n");
        assertThat(lines[0]).isEqualTo("model tiny-classifier, input 3x32x32, weights: " + weights);
        assertThat(lines[1]).contains("layer").contains("type").contains("output MiB").contains("params MiB")
                .contains("workspace MiB").contains("live baseline").contains("live Vessels");
        for (int i = 0; i < net.layers().size(); i++) {
            assertThat(lines[2 + i].trim()).startsWith(i + "  " + net.layers().get(i).kind());
        }
        assertThat(r.out()).contains(p.verdict() + "\n");
        assertThat(p.verdict()).contains("baseline peak ").contains(" -> Vessels peak ");
        assertThat(r.out()).contains(String.format(java.util.Locale.ROOT,
                "lower bound (largest live activation set) %.2f MiB, achieved %.2f MiB", p.vessels().lowerBoundBytes() / 1048576.0,
                p.vessels().peakBytes() / 1048576.0));
    }

    @Test
    void threadsAddOneSetOfPackingBuffersEach() throws IOException {
        CliRun r = CliRun.of("profile", "tiny-classifier", "--json", "--threads", "3");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode v = new ObjectMapper().readTree(r.out()).get("vessels");
        var net = ModelZoo.resolve("tiny-classifier");
        assertThat(v.get("kernel_scratch_bytes").asLong()).isEqualTo(3 * Gemm.scratchBytesPerThread());
        // the arena planned for three threads (Winograd workspaces hold one part per thread), then the packing buffers
        assertThat(v.get("pool_bytes").asLong()).isEqualTo(4 * dev.vessels.memory.plan.MemoryPlan.forThreads(net, 3).arenaFloats());
        assertThat(v.get("peak_bytes").asLong()).isEqualTo(v.get("pool_bytes").asLong() + 3 * Gemm.scratchBytesPerThread());
        assertThat(CliRun.of("profile", "tiny-classifier", "--threads", "3").out()).contains(
                String.format(java.util.Locale.ROOT, "; 3 threads, kernel scratch %.1f MiB;", 3 * Gemm.scratchBytesPerThread() / 1048576.0));
        CliRun bad = CliRun.of("profile", "tiny-classifier", "--threads", "0");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--threads must be >= 1, got 0");
    }

    @Test
    void syntheticWeightsAreLabelled() {
        CliRun r = CliRun.of("profile", "tiny-classifier", "--synthetic-weights", "9");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("model tiny-classifier, input 3x32x32, weights: synthetic:9 (synthetic;");
    }

    @Test
    void plotPngIsARealImage() throws IOException {
        Path png = dir.resolve("live.png");
        CliRun r = CliRun.of("profile", "tiny-classifier", "--plot", png.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("plot written to " + png);
        byte[] b = Files.readAllBytes(png);
        assertThat(Arrays.copyOf(b, 8)).isEqualTo(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        BufferedImage im = ImageIO.read(png.toFile());
        assertThat(im).isNotNull();
        assertThat(im.getWidth()).isEqualTo(1100);
        assertThat(im.getHeight()).isEqualTo(560);
        // Not blank: both series are drawn in their own colours.
        assertThat(countPixels(im, 0xC83C28)).as("baseline line pixels").isGreaterThan(100);
        assertThat(countPixels(im, 0x1E5AC8)).as("vessels line pixels").isGreaterThan(100);
    }

    private static int countPixels(BufferedImage im, int rgb) {
        int n = 0;
        for (int y = 0; y < im.getHeight(); y++) {
            for (int x = 0; x < im.getWidth(); x++) if ((im.getRGB(x, y) & 0xFFFFFF) == rgb) n++;
        }
        return n;
    }

    @Test
    void plotSvgIsWellFormedSvgWithJsonOutputToo() throws Exception {
        Path svg = dir.resolve("live.SVG");
        CliRun r = CliRun.of("profile", "tiny-classifier", "--plot", svg.toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        new ObjectMapper().readTree(r.out()); // stdout stays pure JSON
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false); // no network
        Document d = f.newDocumentBuilder().parse(svg.toFile());
        assertThat(d.getDocumentElement().getLocalName()).isEqualTo("svg");
        assertThat(d.getDocumentElement().getAttribute("width")).isEqualTo("1100px");
        // Text is drawn as outlines; the two series are there in their colours.
        assertThat(Files.readString(svg)).contains("rgb(200,60,40)").contains("rgb(30,90,200)");
    }

    @Test
    void badPlotPathsAndModelsAreClearErrors() {
        CliRun ext = CliRun.of("profile", "tiny-classifier", "--plot", dir.resolve("x.pdf").toString());
        assertThat(ext.exit()).isEqualTo(2);
        assertThat(ext.err()).contains("--plot " + dir.resolve("x.pdf") + ": the file name must end in .png or .svg");
        assertThat(Files.exists(dir.resolve("x.pdf"))).isFalse();

        Path nowhere = dir.resolve("no-such-dir").resolve("p.png");
        CliRun io = CliRun.of("profile", "tiny-classifier", "--plot", nowhere.toString());
        assertThat(io.exit()).isEqualTo(1);
        assertThat(io.err().strip()).isEqualTo("vessels: " + nowhere + ": cannot write plot: no such directory");

        CliRun model = CliRun.of("profile", "no-such-model");
        assertThat(model.exit()).isEqualTo(1);
        assertThat(model.err()).contains("unknown model 'no-such-model'").doesNotContain("\tat ");

        CliRun w = CliRun.of("profile", "tiny-classifier", "--weights", dir.resolve("none.weights").toString());
        assertThat(w.exit()).isEqualTo(1);
        assertThat(w.err()).contains("none.weights: weights file not found");

        assertThat(CliRun.of("profile").exit()).isEqualTo(2);
        assertThat(CliRun.of("profile", "tiny-classifier", "--executor", "vessels").exit()).as("profile shows both executors")
                .isEqualTo(2);
    }

    @Test
    void profileOfAPaperModelMatchesTheDocumentedReduction() throws IOException {
        CliRun r = CliRun.of("profile", "resnet152", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("layers")).hasSize(ModelZoo.resolve("resnet152").layers().size());
        double reduction = 1 - j.get("vessels").get("peak_bytes").asDouble() / j.get("baseline").get("peak_bytes").asDouble();
        assertThat(reduction).isGreaterThan(0.95); // issue 4's target for classifiers
        assertThat(j.get("reduction_percent").asDouble()).isCloseTo(100 * reduction, org.assertj.core.data.Offset.offset(1e-9));
    }
}
