package dev.vessels.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.vessels.serve.InferenceServer;
import picocli.CommandLine;

@Timeout(60)
class ServeCommandTest {
    @Test
    void startsServesAndStops() throws Exception {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        CommandLine.ParseResult pr = cl.parseArgs("serve", "--models", "tiny-classifier", "tiny-yolo", "--port", "0", "--queue", "3",
                "--epc-mb", "64", "--epc-bound-mb", "32");
        ServeCommand cmd = pr.subcommand().commandSpec().commandLine().getCommand();
        InferenceServer s = cmd.start();
        try {
            var r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v2/models/tiny-yolo")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(s.scheduler().boundBytes()).isEqualTo(32L << 20);
            assertThat(s.scheduler().factory().platform().epcCapacityBytes()).isEqualTo(64L << 20);
            assertThat(out.toString()).contains("emulated").contains("synthetic weights").contains("tiny-yolo").contains("scheduler epc");
            assertThat(s.scheduler().factory().sharedEnclaves()).as("vessels enclaves are shared by default").isTrue();
            assertThat(out.toString()).contains("(--enclave-reuse any)");
        } finally {
            s.stop(5_000);
        }
    }

    @Test
    void servesASealedModelWithItsKey(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var net = dev.vessels.core.zoo.ModelZoo.open("tiny-classifier");
        var weights = dir.resolve("tiny.weights");
        new dev.vessels.core.weights.SyntheticWeights(net, 5).write(weights);
        var key = dir.resolve("model.key");
        var sealed = dir.resolve("tiny.vsl");
        assertThat(CliRun.of("keygen", "--out", key.toString()).exit()).isZero();
        CliRun seal = CliRun.of("seal", "tiny-classifier", "--weights", weights.toString(), "--key-file", key.toString(), "--out", sealed.toString());
        assertThat(seal.exit()).as(seal.err()).isZero();
        CliRun noKey = CliRun.of("serve", "--models", "t=" + sealed, "--port", "0");
        assertThat(noKey.exit()).isEqualTo(1);
        assertThat(noKey.err()).contains("needs --key-file");

        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        ServeCommand cmd = cl.parseArgs("serve", "--models", "t=" + sealed, "--port", "0", "--key-file", key.toString())
                .subcommand().commandSpec().commandLine().getCommand();
        InferenceServer s = cmd.start();
        try {
            float[] x = new float[(int) net.input().size()];
            for (int i = 0; i < x.length; i++) x[i] = (i % 13) / 13f;
            StringBuilder body = new StringBuilder("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,32,32],\"datatype\":\"FP32\",\"data\":[");
            for (int i = 0; i < x.length; i++) body.append(i == 0 ? "" : ",").append(x[i]);
            body.append("]}]}");
            var r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v2/models/t/infer"))
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).header("Content-Type", "application/json").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            var out = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).get("outputs").get(0).get("data");
            float[] want;
            try (var src = new dev.vessels.core.weights.SyntheticWeights(net, 5);
                 var ex = dev.vessels.memory.Executors.create("vessels", net, src, 1)) {
                want = ex.predict(x).output();
            }
            float[] got = new float[out.size()];
            for (int i = 0; i < got.length; i++) got[i] = out.get(i).floatValue();
            assertThat(got).containsExactly(want);
        } finally {
            s.stop(5_000);
        }
    }

    @Test
    void badArguments() {
        assertThat(CliRun.of("serve").exit()).isEqualTo(2);
        assertThat(CliRun.of("serve", "--models", "tiny-classifier", "--scheduler", "fifo").exit()).isEqualTo(2);
        assertThat(CliRun.of("serve", "--models", "tiny-classifier", "--threads", "0").exit()).isEqualTo(2);
        assertThat(CliRun.of("serve", "--models", "tiny-classifier", "--solo=maybe").exit()).isEqualTo(2);
        CliRun reuse = CliRun.of("serve", "--models", "tiny-classifier", "--enclave-reuse", "often");
        assertThat(reuse.exit()).isEqualTo(2);
        assertThat(reuse.err()).contains("--enclave-reuse must be model or any, got 'often'");
        reuse = CliRun.of("serve", "--models", "tiny-classifier", "--executor", "baseline", "--enclave-reuse", "any");
        assertThat(reuse.exit()).isEqualTo(2);
        assertThat(reuse.err()).contains("--enclave-reuse any needs --executor vessels");
        CliRun r = CliRun.of("serve", "--models", "nosuch", "--port", "0");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("'nosuch' is not a built-in model");
        r = CliRun.of("serve", "--models", "tiny-classifier", "--port", "0", "--epc-bound-mb", "1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("tiny-classifier needs").contains("more than the bound of 1.0 MiB");
        r = CliRun.of("serve", "--models", "x=/nonexistent.cfg,/nonexistent.weights", "--port", "0");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("cfg file /nonexistent.cfg not found");
    }
}
