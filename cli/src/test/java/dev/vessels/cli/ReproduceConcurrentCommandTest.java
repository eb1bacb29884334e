package dev.vessels.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine;

@Timeout(120)
class ReproduceConcurrentCommandTest {
    @TempDir
    Path dir;

    static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new ReproduceConcurrentCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void jsonContractAndEpcAwareSchedulingStaysUnderTheBound() throws Exception {
        StringWriter out = new StringWriter(), err = new StringWriter();
        // 12 MiB of EPC, ~4.7 MiB per tiny enclave: the naive configurations overcommit with 4 clients.
        int code = run(out, err, "--models", "tiny-classifier", "tiny-yolo", "--duration", "1500ms", "--clients", "4", "--epc-mb", "12",
                "--json", "--out", dir.toString());
        assertThat(code).as(err.toString()).isZero();
        JsonNode j = new ObjectMapper().readTree(out.toString());
        assertThat(j.get("emulated").asBoolean()).isTrue();
        JsonNode cs = j.get("configurations");
        assertThat(cs).hasSize(3);
        String[] names = {"baseline", "vessels-m", "vessels-s"};
        for (int i = 0; i < 3; i++) {
            JsonNode c = cs.get(i);
            assertThat(c.get("name").asText()).isEqualTo(names[i]);
            assertThat(c.get("processed").asLong()).isPositive();
            assertThat(c.get("throughput_rps").asDouble()).isPositive();
            assertThat(c.get("p50_ms").asDouble()).isPositive().isLessThanOrEqualTo(c.get("p95_ms").asDouble());
            assertThat(c.get("p95_ms").asDouble()).isLessThanOrEqualTo(c.get("p99_ms").asDouble());
            assertThat(c.has("page_swaps")).isTrue();
            assertThat(c.get("failed").asLong()).isZero();
            assertThat(c.get("enclaves_launched").asLong()).isNotNegative();
        }
        assertThat(cs.get(0).get("enclave_reuse").asText()).as("Darknet-style enclaves hold their model").isEqualTo("model");
        assertThat(cs.get(0).get("enclaves_switched").asLong()).isZero();
        assertThat(cs.get(1).get("enclave_reuse").asText()).isEqualTo("any");
        assertThat(cs.get(2).get("enclave_reuse").asText()).isEqualTo("any");
        assertThat(j.get("vessels_s_over_vessels_m").asDouble()).isEqualTo(
                Math.round(1000.0 * cs.get(2).get("processed").asLong() / cs.get(1).get("processed").asLong()) / 1000.0);
        assertThat(cs.get(2).get("idle_slot_fraction").asDouble()).isBetween(0.0, 1.0);
        for (JsonNode c : cs) assertThat(c.get("solo_models").isArray()).isTrue();
        assertThat(cs.get(1).get("idle_slot_fraction").isNull()).as("naive: no slots").isTrue();
        assertThat(cs.get(0).get("max_running").isNull()).as("naive: no running limit").isTrue();
        assertThat(cs.get(1).get("max_running").isNull()).isTrue();
        assertThat(cs.get(2).get("max_running").asInt()).as("epc: cores / threads")
                .isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors()));
        JsonNode s = cs.get(2);
        assertThat(s.get("page_swaps").asLong()).as("vessels-s never pages (emulated)").isZero();
        assertThat(s.get("peak_epc_committed_bytes").asLong()).isLessThanOrEqualTo(12L << 20);
        assertThat(cs.get(1).get("peak_epc_committed_bytes").asLong()).as("naive overcommits").isGreaterThan(12L << 20);
        assertThat(Files.readString(dir.resolve("concurrent.md"))).contains("| vessels-s |");
        assertThat(Files.readString(dir.resolve("throughput.svg"))).contains("<polyline").contains("vessels-m");
        assertThat(new ObjectMapper().readTree(dir.resolve("concurrent.json").toFile()).get("configurations")).hasSize(3);
    }

    @Test
    void onlyTheNamedConfigurationsRunAndReuseCanBeTiedToTheModel() throws Exception {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = run(out, err, "--models", "tiny-classifier", "tiny-yolo", "--duration", "800ms", "--clients", "2",
                "--configurations", "vessels-s", "--enclave-reuse", "model", "--json");
        assertThat(code).as(err.toString()).isZero();
        JsonNode j = new ObjectMapper().readTree(out.toString());
        JsonNode cs = j.get("configurations");
        assertThat(cs).hasSize(1);
        assertThat(cs.get(0).get("name").asText()).isEqualTo("vessels-s");
        assertThat(cs.get(0).get("enclave_reuse").asText()).isEqualTo("model");
        assertThat(cs.get(0).get("enclaves_switched").asLong()).isZero();
        assertThat(cs.get(0).get("improvement_over_baseline_pct").isNull()).as("no baseline run").isTrue();
        assertThat(j.get("vessels_s_over_vessels_m").isNull()).isTrue();
        assertThat(run(new StringWriter(), err, "--configurations", "vessels-x")).isEqualTo(2);
        assertThat(err.toString()).contains("--configurations: unknown 'vessels-x'");
        assertThat(run(new StringWriter(), err, "--enclave-reuse", "sometimes")).isEqualTo(2);
        assertThat(err.toString()).contains("--enclave-reuse must be model or any");
    }

    @Test
    void badDurations() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertThat(run(out, err, "--duration", "soon", "--models", "tiny-classifier")).isEqualTo(1);
        assertThat(ReproduceConcurrentCommand.parseDuration("5m").toSeconds()).isEqualTo(300);
        assertThat(ReproduceConcurrentCommand.parseDuration("100m").toMinutes()).isEqualTo(100);
        assertThat(ReproduceConcurrentCommand.parseDuration("30").toSeconds()).isEqualTo(30);
    }
}
