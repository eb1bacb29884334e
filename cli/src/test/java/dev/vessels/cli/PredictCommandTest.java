package dev.vessels.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vessels.core.Network;

class PredictCommandTest {
    @TempDir
    static Path dir;
    static Path cfg, input, weights;

    @BeforeAll
    static void files() throws IOException {
        SmallModel m = SmallModel.write(dir);
        cfg = m.cfg();
        weights = m.weights();
        input = dir.resolve("in.f32");
        ByteBuffer b = ByteBuffer.allocate(3 * 64 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 192; i++) b.putFloat((i % 17) / 17f);
        Files.write(input, b.array());
    }

    @Test
    void jsonContract() throws IOException {
        CliRun r = CliRun.of("predict", cfg.toString(), "--input", input.toString(), "--json", "--top", "3", "--threads", "1");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("model").asText()).isEqualTo(cfg.toString());
        assertThat(j.get("weights").asText()).isEqualTo("synthetic:1");
        assertThat(j.get("executor").asText()).isEqualTo("vessels");
        assertThat(j.get("input")).hasSize(3);
        assertThat(j.get("input").get(0).asInt()).isEqualTo(3);
        assertThat(j.get("top")).hasSize(3);
        assertThat(j.get("top").get(0).has("index")).isTrue();
        assertThat(j.get("top").get(0).has("label")).isTrue();
        assertThat(j.get("top").get(0).get("score").asDouble()).isGreaterThanOrEqualTo(j.get("top").get(1).get("score").asDouble());
        assertThat(j.get("latency_ms").asDouble()).isPositive();
        assertThat(j.get("held_bytes").asLong()).as("the vessels executor holds its planned arena and one thread's GEMM packing buffers")
                .isEqualTo(dev.vessels.memory.plan.MemoryPlan.of(Network.parse(cfg)).arenaFloats() * 4
                        + dev.vessels.core.kernels.Gemm.scratchBytesPerThread());
    }

    @Test
    void rawOutputEqualsAcrossExecutorsAndWeightsSources() throws IOException {
        Path a = dir.resolve("a.f32"), b = dir.resolve("b.f32"), c = dir.resolve("c.f32");
        assertThat(CliRun.of("predict", cfg.toString(), "--input", input.toString(), "--synthetic-weights", "3",
                "--raw-output", a.toString(), "--quiet").exit()).isZero();
        assertThat(CliRun.of("predict", cfg.toString(), "--input", input.toString(), "--weights", weights.toString(),
                "--executor", "baseline", "--raw-output", b.toString(), "--quiet").exit()).isZero();
        assertThat(CliRun.of("predict", cfg.toString(), "--input", input.toString(), "--synthetic-weights", "4",
                "--raw-output", c.toString(), "--quiet").exit()).isZero();
        assertThat(Files.size(a)).isEqualTo(40);
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        assertThat(Files.readAllBytes(a)).isNotEqualTo(Files.readAllBytes(c));
        for (String mode : new String[] {"--prefetch", "--resident-params"}) {
            Path d = dir.resolve("d" + mode + ".f32");
            CliRun r = CliRun.of("predict", cfg.toString(), "--input", input.toString(), "--weights", weights.toString(),
                    mode, "--raw-output", d.toString(), "--quiet");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(Files.readAllBytes(d)).as(mode).isEqualTo(Files.readAllBytes(a));
        }
    }

    @Test
    void textOutputSaysTheWeightsAreSynthetic() {
        CliRun r = CliRun.of("predict", cfg.toString(), "--input", input.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("synthetic:1").contains("not trained");
        assertThat(r.err()).contains("layer").contains("conv"); // the layer table
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(CliRun.of("predict", cfg.toString()).exit()).isEqualTo(2); // no input
        assertThat(CliRun.of("predict", cfg.toString(), "--input", "x", "--image", "y").exit()).isEqualTo(2);
        assertThat(CliRun.of("predict", cfg.toString(), "--input", input.toString(), "--executor", "fast").exit()).isEqualTo(2);
        assertThat(CliRun.of("predict", cfg.toString(), "--input", input.toString(), "--weights", "w", "--synthetic-weights", "1").exit()).isEqualTo(2);
        assertThat(CliRun.of("nosuchcommand").exit()).isEqualTo(2);
        assertThat(CliRun.of("predict", cfg.toString(), "--input", input.toString(), "--threads", "-2").exit()).isEqualTo(2);
        CliRun pf = CliRun.of("predict", cfg.toString(), "--input", input.toString(), "--executor", "baseline", "--prefetch");
        assertThat(pf.exit()).isEqualTo(2);
        assertThat(pf.err()).contains("--prefetch applies to --executor vessels only");
        CliRun r = CliRun.of("predict", cfg.toString(), "--input", input.toString(), "--top", "0");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--top must be >= 1");
    }

    @Test
    void userMistakesExitOneWithOneLineAndNoStackTrace() throws IOException {
        Path shortInput = dir.resolve("short.f32");
        Files.write(shortInput, new byte[12]);
        CliRun r = CliRun.of("predict", cfg.toString(), "--input", shortInput.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("short.f32: --input has 12 bytes, expected 768 (3x8x8 little-endian float32)");
        assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");

        r = CliRun.of("predict", dir.resolve("none.cfg").toString(), "--input", input.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("unknown model").doesNotContain("\tat ");

        r = CliRun.of("predict", cfg.toString(), "--input", input.toString(), "--weights", dir.resolve("nope.weights").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("nope.weights: weights file not found");

        Path badCfg = dir.resolve("bad.cfg");
        Files.writeString(badCfg, "[net]\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nfilters=abc\n");
        r = CliRun.of("predict", badCfg.toString(), "--input", input.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("bad.cfg:6: 'filters' expects an integer, got 'abc'").doesNotContain("\tat ");
    }

    @Test
    void versionAndHelp() {
        CliRun v = CliRun.of("--version");
        assertThat(v.exit()).isZero();
        assertThat(v.out()).startsWith("vessels ");
        CliRun h = CliRun.of("--help");
        assertThat(h.exit()).isZero();
        assertThat(h.out()).contains("predict").contains("bench");
    }
}
