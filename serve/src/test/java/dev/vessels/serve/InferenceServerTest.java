package dev.vessels.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.zoo.ModelZoo;
import dev.vessels.memory.Executors;

/** The OIP v2 endpoints of a real server on loopback (tiny models, emulated SGX). */
@Timeout(60)
class InferenceServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static InferenceServer server;
    static HttpClient client;
    static String base;
    static Network tiny;

    @BeforeAll
    static void start() throws Exception {
        var f = TestServers.factory(TestServers.platform(93.5), "tiny-classifier", "tiny-yolo");
        server = TestServers.start(f, SchedulerCore.Mode.EPC, 64L << 20, 8, 4, 256 << 10);
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        base = "http://127.0.0.1:" + server.port();
        tiny = ModelZoo.open("tiny-classifier");
    }

    @AfterAll
    static void stop() {
        server.stop(5_000);
    }

    static HttpResponse<byte[]> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static HttpResponse<byte[]> post(String path, String type, byte[] body, String... headers) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonNode json(HttpResponse<byte[]> r) throws Exception {
        return JSON.readTree(r.body());
    }

    static float[] input(long seed) {
        float[] x = new float[(int) tiny.input().size()];
        Random r = new Random(seed);
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
        return x;
    }

    static float[] direct(float[] x) {
        try (var src = new SyntheticWeights(tiny, 1); Executor ex = Executors.create("vessels", tiny, src, 1)) {
            return ex.predict(x).output();
        }
    }

    static String jsonRequest(float[] x, String shape) {
        StringBuilder sb = new StringBuilder("{\"id\":\"r1\",\"inputs\":[{\"name\":\"input\",\"shape\":" + shape + ",\"datatype\":\"FP32\",\"data\":[");
        for (int i = 0; i < x.length; i++) sb.append(i == 0 ? "" : ",").append(x[i]);
        return sb.append("]}]}").toString();
    }

    @Test
    void healthServerAndModelMetadata() throws Exception {
        assertThat(get("/v2/health/live").statusCode()).isEqualTo(200);
        assertThat(get("/v2/health/ready").statusCode()).isEqualTo(200);
        JsonNode v2 = json(get("/v2"));
        assertThat(v2.get("name").asText()).isEqualTo("vessels");
        assertThat(v2.get("extensions").toString()).contains("binary_tensor_data");
        JsonNode m = json(get("/v2/models/tiny-classifier"));
        assertThat(m.get("inputs").get(0).get("shape").toString()).isEqualTo("[1,3,32,32]");
        assertThat(m.get("inputs").get(0).get("datatype").asText()).isEqualTo("FP32");
        assertThat(m.get("parameters").get("synthetic_weights").asBoolean()).isTrue();
        assertThat(m.get("parameters").get("emulated").asBoolean()).isTrue();
        assertThat(m.get("parameters").get("epc_need_bytes").asLong()).isEqualTo(server.scheduler().epcNeed("tiny-classifier"));
        assertThat(get("/v2/models/tiny-classifier/ready").statusCode()).isEqualTo(200);
        assertThat(get("/v2/models/tiny-yolo/versions/1/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void jsonTensorInferenceGivesTheExecutorsOutputExactly() throws Exception {
        float[] x = input(7);
        var r = post("/v2/models/tiny-classifier/infer", "application/json", jsonRequest(x, "[1,3,32,32]").getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        JsonNode o = json(r);
        assertThat(o.get("model_name").asText()).isEqualTo("tiny-classifier");
        assertThat(o.get("id").asText()).isEqualTo("r1");
        assertThat(o.get("parameters").get("synthetic_weights").asBoolean()).isTrue();
        JsonNode out = o.get("outputs").get(0);
        float[] want = direct(x);
        assertThat(out.get("shape").toString()).isEqualTo("[1," + want.length + "]");
        float[] got = new float[out.get("data").size()];
        for (int i = 0; i < got.length; i++) got[i] = out.get("data").get(i).floatValue();
        assertThat(got).containsExactly(want);
    }

    @Test
    void binaryTensorExtensionBothWays() throws Exception {
        float[] x = input(8);
        byte[] head = ("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,32,32],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":"
                + x.length * 4 + "}}],\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]}").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(head.length + x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put(head);
        b.asFloatBuffer().put(x);
        var r = post("/v2/models/tiny-classifier/infer", "application/octet-stream", b.array(),
                InferenceServer.BINARY_HEADER, Integer.toString(head.length));
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        int hl = Integer.parseInt(r.headers().firstValue(InferenceServer.BINARY_HEADER).orElseThrow());
        JsonNode h = JSON.readTree(new String(r.body(), 0, hl, StandardCharsets.UTF_8));
        float[] want = direct(x);
        assertThat(h.get("outputs").get(0).get("parameters").get("binary_data_size").asInt()).isEqualTo(want.length * 4);
        float[] got = new float[want.length];
        ByteBuffer.wrap(r.body(), hl, want.length * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(got);
        assertThat(got).containsExactly(want);
    }

    @Test
    void imageBodiesGetTopClassesOrDetections() throws Exception {
        BufferedImage im = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 40; y++) for (int x = 0; x < 48; x++) im.setRGB(x, y, (x * 5) << 16 | (y * 6) << 8 | 90);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(im, "png", png);
        var r = post("/v2/models/tiny-classifier/infer", "image/png", png.toByteArray());
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        JsonNode o = json(r);
        assertThat(o.get("top")).hasSize(5);
        assertThat(o.get("synthetic_weights").asBoolean()).isTrue();
        ByteArrayOutputStream jpg = new ByteArrayOutputStream();
        ImageIO.write(im, "jpeg", jpg);
        var d = post("/v2/models/tiny-yolo/infer", "image/jpeg", jpg.toByteArray());
        assertThat(d.statusCode()).as(new String(d.body())).isEqualTo(200);
        assertThat(json(d).get("detections").isArray()).isTrue();
        var bad = post("/v2/models/tiny-classifier/infer", "image/png", "not an image".getBytes(StandardCharsets.UTF_8));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).get("error").asText()).contains("not a JPEG or PNG").doesNotContain("vessels-serve-");
    }

    @Test
    void badRequestsGetClearErrorsWithTheRightStatus() throws Exception {
        String p = "/v2/models/tiny-classifier/infer";
        float[] x = input(9);
        assertError(post(p, "application/json", "{not json".getBytes()), 400, "malformed JSON");
        assertError(post(p, "application/json", "[]".getBytes()), 400, "JSON object");
        assertError(post(p, "application/json", "{\"inputs\":[]}".getBytes()), 400, "exactly one tensor");
        assertError(post(p, "application/json", jsonRequest(x, "[1,3,32,31]").getBytes()), 400, "does not match");
        assertError(post(p, "application/json", jsonRequest(x, "[1,3,32,32]").replace("FP32", "INT8").getBytes()), 400, "takes FP32");
        assertError(post(p, "application/json", jsonRequest(new float[10], "[1,3,32,32]").getBytes()), 400, "has 10 values");
        assertError(post(p, "application/json", jsonRequest(x, "[1,3,32,32]").replace("[0.", "[\"a\",0.").getBytes()), 400, "non-number");
        assertError(post(p, "application/json", new byte[0]), 400, "empty body");
        assertError(post(p, "application/json", "{}".getBytes(), InferenceServer.BINARY_HEADER, "99"), 400, "outside the body");
        assertError(post("/v2/models/nosuch/infer", "application/json", "{}".getBytes()), 404, "unknown model 'nosuch'");
        assertError(get("/v2/models/nosuch"), 404, "unknown model");
        assertError(get("/v2/nothing"), 404, "no such endpoint");
        assertError(get(p), 405, "use POST");
        assertError(post(p, "application/json", new byte[300 << 10]), 413, "over the limit");
        // the server still serves after all that
        assertThat(post(p, "application/json", jsonRequest(x, "[3,32,32]").getBytes()).statusCode()).isEqualTo(200);
        String metrics = new String(get("/metrics").body(), StandardCharsets.UTF_8);
        assertThat(metrics).contains("vessels_requests_total{model=\"tiny-classifier\",outcome=\"bad_request\"}")
                .contains("vessels_requests_total{model=\"-\",outcome=\"not_found\"}")
                .contains("vessels_requests_total{model=\"tiny-classifier\",outcome=\"too_large\"} 1.0")
                .contains("vessels_request_duration_seconds_bucket{model=\"tiny-classifier\",le=\"0.001\"}")
                .contains("vessels_epc_committed_bytes{platform=\"emulated-sgx\"}")
                .contains("vessels_epc_bound_bytes{platform=\"emulated-sgx\",scheduler=\"epc\"} 6.7108864E7")
                .contains("vessels_epc_page_swaps_total").contains("vessels_enclave_switches_total").contains("vessels_scheduler_idle_slot_seconds_total")
                .contains("vessels_enclaves{state=\"idle\"}")
                .contains("vessels_queue_depth 0.0");
    }

    static void assertError(HttpResponse<byte[]> r, int status, String text) throws Exception {
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(json(r).get("error").asText()).contains(text);
    }
}
