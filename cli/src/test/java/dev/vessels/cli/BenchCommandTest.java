package dev.vessels.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
    @TempDir
    Path dir;

    @Test
    void jsonContract() throws IOException {
        Path cfg = dir.resolve("b.cfg");
        Files.writeString(cfg, "[net]\nwidth=16\nheight=16\nchannels=3\n[convolutional]\nfilters=8\nsize=3\npad=1\nactivation=relu\n[avgpool]\n");
        CliRun r = CliRun.of("bench", cfg.toString(), cfg.toString(), "--runs", "3", "--warmup", "1", "--threads", "2", "--json",
                "--executor", "baseline");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("models")).hasSize(2);
        JsonNode m = j.get("models").get(0);
        assertThat(m.get("model").asText()).isEqualTo(cfg.toString());
        assertThat(m.get("executor").asText()).isEqualTo("baseline");
        assertThat(m.get("threads").asInt()).isEqualTo(2);
        JsonNode lat = m.get("latency_ms");
        assertThat(lat.get("min").asDouble()).isPositive().isLessThanOrEqualTo(lat.get("median").asDouble());
        assertThat(lat.get("median").asDouble()).isLessThanOrEqualTo(lat.get("max").asDouble());
        double gflops = 2.0 * 8 * 27 * 256 / 1e9;
        assertThat(m.get("gflops").asDouble()).isCloseTo(gflops, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(m.get("gflops_per_s").asDouble()).isCloseTo(gflops / (lat.get("median").asDouble() / 1e3),
                org.assertj.core.data.Offset.offset(1e-6));
        // The FMA ceiling the run saw, before and after, and each model's share of it.
        JsonNode machine = j.get("machine");
        assertThat(machine.get("threads").asInt()).isEqualTo(2);
        assertThat(machine.get("cpu").asText()).isNotBlank();
        double before = machine.get("fma_peak_gflops_per_s").get("before").asDouble();
        assertThat(before).isGreaterThan(1.0);
        assertThat(machine.get("fma_peak_gflops_per_s").get("after").asDouble()).isGreaterThan(1.0);
        assertThat(machine.get("memory_read_gb_per_s").get("before").asDouble()).isGreaterThan(0.1);
        assertThat(machine.get("memory_read_gb_per_s").get("after").asDouble()).isGreaterThan(0.1);
        assertThat(machine.get("cache_read_gb_per_s").get("before").asDouble()).isGreaterThan(0.1);
        assertThat(machine.get("cache_read_gb_per_s").get("after").asDouble()).isGreaterThan(0.1);
        assertThat(m.get("peak_fraction").asDouble()).isCloseTo(m.get("gflops_per_s").asDouble() / before,
                org.assertj.core.data.Offset.offset(1e-9));
        // The warm-up asked for, then at least two more watched for the JIT (--jit-warmup, default 50).
        assertThat(m.get("warmup").asInt()).isEqualTo(1);
        assertThat(m.get("warmup_done").asInt()).isBetween(3, 51);
    }

    @Test
    void jitWarmupOffRunsExactlyTheWarmupAskedFor() throws IOException {
        Path cfg = dir.resolve("c.cfg");
        Files.writeString(cfg, "[net]\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nfilters=4\nsize=1\nactivation=relu\n");
        CliRun r = CliRun.of("bench", cfg.toString(), "--runs", "1", "--warmup", "2", "--jit-warmup", "0", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode m = new ObjectMapper().readTree(r.out()).get("models").get(0);
        assertThat(m.get("warmup_done").asInt()).isEqualTo(2);
        assertThat(CliRun.of("bench", cfg.toString(), "--jit-warmup", "-1").exit()).isEqualTo(2);
    }

    @Test
    void badArguments() {
        assertThat(CliRun.of("bench").exit()).isEqualTo(2);
        assertThat(CliRun.of("bench", "x.cfg", "--runs", "0").exit()).isEqualTo(2);
        CliRun r = CliRun.of("bench", dir.resolve("missing.cfg").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("unknown model");
        CliRun dc = CliRun.of("bench", "tiny-classifier", "--drop-cache");
        assertThat(dc.exit()).isEqualTo(2);
        assertThat(dc.err()).contains("--drop-cache needs --weights FILE");
    }

    @Test
    void dropCacheAndPrefetchRunWithAWeightsFile() throws IOException {
        Path w = dir.resolve("t.weights");
        new dev.vessels.core.weights.SyntheticWeights(dev.vessels.core.zoo.ModelZoo.open("tiny-classifier"), 1).write(w);
        CliRun r = CliRun.of("bench", "tiny-classifier", "--weights", w.toString(), "--drop-cache", "--prefetch", "--runs", "2",
                "--warmup", "1", "--threads", "1", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode m = new ObjectMapper().readTree(r.out()).get("models").get(0);
        assertThat(m.get("params").asText()).isEqualTo("prefetch");
        assertThat(m.get("page_cache").asText()).isEqualTo("dropped before each prediction");
    }
}
