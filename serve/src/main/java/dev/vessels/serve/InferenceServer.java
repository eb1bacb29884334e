package dev.vessels.serve;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.vessels.core.VesselsException;
import dev.vessels.core.detect.DetectionListing;
import dev.vessels.core.exec.Prediction;
import dev.vessels.core.image.Image;
import dev.vessels.core.image.ImageLoader;
import dev.vessels.core.image.Letterbox;
import dev.vessels.core.layers.Shape;

/**
 * The Open Inference Protocol v2 (KServe/Triton) over HTTP, on the JDK's {@code com.sun.net.httpserver}
 * with a virtual thread per exchange (a waiting request costs a few KiB, not a platform thread;
 * predictions themselves run on the scheduler's threads). Every request is answered: a result, or
 * {@code {"error": "..."}} with 400 (malformed, wrong shape or type), 404 (unknown model or path),
 * 405, 413 (body over the limit), 503 with {@code Retry-After} (queue full or shutting down) or
 * 500 (an enclave failed, or a timeout); never a hung connection.
 */
public final class InferenceServer implements AutoCloseable {
    /** Inference-Header-Content-Length: the binary tensor extension's JSON header size. */
    public static final String BINARY_HEADER = "Inference-Header-Content-Length";

    /**
     * @param host           address to bind (e.g. 127.0.0.1 or 0.0.0.0)
     * @param port           0 picks a free port
     * @param maxBodyBytes   larger bodies are refused with 413
     * @param timeoutMillis  longest a request may wait and run before it is answered with 500
     */
    public record Config(String host, int port, long maxBodyBytes, long timeoutMillis) {
        /** A body limit that fits any served model's input as JSON text (≈ 20 bytes a float) or an image, at least 8 MiB. */
        public static long defaultBodyLimit(List<ServedModel> models) {
            long floats = 0;
            for (ServedModel m : models) floats = Math.max(floats, m.inputFloats());
            return Math.max(8L << 20, floats * 24 + (1 << 20));
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final EpcScheduler scheduler;
    private final ServeMetrics metrics;
    private final Config config;
    private final Map<String, ServedModel> models = new LinkedHashMap<>();
    private final HttpServer http;
    private final ExecutorService handlers;
    private volatile boolean accepting = true;
    private volatile boolean stopped;

    public InferenceServer(EpcScheduler scheduler, Config config) throws IOException {
        this.scheduler = scheduler;
        this.config = config;
        this.metrics = new ServeMetrics(scheduler);
        for (ServedModel m : scheduler.factory().models()) models.put(m.name(), m);
        this.http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 1024);
        this.handlers = java.util.concurrent.Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("vessels-http-", 0).factory());
        http.setExecutor(handlers);
        http.createContext("/", this::handle);
    }

    public InferenceServer start() {
        http.start();
        return this;
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    public EpcScheduler scheduler() {
        return scheduler;
    }

    public ServeMetrics metrics() {
        return metrics;
    }

    /**
     * Graceful stop: new requests get 503 (and readiness turns 503, so a balancer stops sending),
     * everything already accepted is finished and answered (up to {@code drainMillis}), then the
     * listening socket closes and every enclave is destroyed.
     */
    public synchronized void stop(long drainMillis) {
        if (stopped) return;
        stopped = true;
        accepting = false;
        scheduler.shutdown(drainMillis);
        // The answers of the drained requests are being written by now; give them a second.
        http.stop(1);
        handlers.shutdown();
        scheduler.close();
        scheduler.factory().close();
    }

    @Override
    public void close() {
        stop(10_000);
    }

    /** A 500 is a fault of ours, not the client's: the operator sees one line per answer on stderr. */
    private static void logFault(String model, String message) {
        System.err.println("vessels serve: " + java.time.Instant.now() + " 500"
                + (model == null ? "" : " for model " + model) + ": " + message);
    }

    // ---- routing ----

    private void handle(HttpExchange ex) {
        try (ex) {
            try {
                route(ex);
            } catch (HttpError e) {
                if (e.model != null) metrics.outcome(e.model, e.outcome());
                if (e.status >= 500 && e.status != 503) logFault(e.model, e.getMessage());
                sendError(ex, e.status, e.getMessage());
            } catch (Throwable t) {
                logFault(null, t.toString());
                sendError(ex, 500, "internal error: " + t);
            }
        } catch (IOException ignored) {
            // the client went away; nothing left to answer
        }
    }

    /** A request answered with an error status. {@code model} is what metrics count it under (null: not counted). */
    static final class HttpError extends RuntimeException {
        final int status;
        final String model;

        HttpError(int status, String model, String message) {
            super(message, null, false, false);
            this.status = status;
            this.model = model;
        }

        String outcome() {
            return switch (status) {
                case 400 -> "bad_request";
                case 404 -> "not_found";
                case 413 -> "too_large";
                case 503 -> "rejected";
                default -> "error";
            };
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        if (path.equals("/metrics")) {
            requireGet(ex);
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            metrics.write(b);
            send(ex, 200, metrics.contentType(), b.toByteArray());
            return;
        }
        if (path.equals("/v2/health/live")) {
            requireGet(ex);
            sendJson(ex, 200, Map.of("live", true));
            return;
        }
        if (path.equals("/v2/health/ready")) {
            requireGet(ex);
            if (!accepting) throw new HttpError(503, null, "shutting down");
            sendJson(ex, 200, Map.of("ready", true));
            return;
        }
        if (path.equals("/v2") || path.equals("/v2/")) {
            requireGet(ex);
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("name", "vessels");
            String v = InferenceServer.class.getPackage().getImplementationVersion();
            o.put("version", v == null ? "dev" : v);
            o.put("extensions", List.of("binary_tensor_data"));
            sendJson(ex, 200, o);
            return;
        }
        if (path.startsWith("/v2/models/")) {
            String[] parts = path.substring("/v2/models/".length()).split("/", -1);
            String name = parts[0];
            // Optional /versions/1: this server has one version per model.
            int i = 1;
            if (parts.length >= 3 && parts[1].equals("versions")) {
                if (!parts[2].equals("1")) throw new HttpError(404, null, "model " + name + " has no version " + parts[2] + " (only 1)");
                i = 3;
            }
            String rest = parts.length > i ? String.join("/", java.util.Arrays.copyOfRange(parts, i, parts.length)) : "";
            ServedModel m = models.get(name);
            if (m == null) {
                throw new HttpError(404, "-", "unknown model '" + name + "' (serving: " + String.join(", ", models.keySet()) + ")");
            }
            switch (rest) {
                case "" -> {
                    requireGet(ex);
                    sendJson(ex, 200, metadata(m));
                }
                case "ready" -> {
                    requireGet(ex);
                    if (!accepting) throw new HttpError(503, null, "shutting down");
                    sendJson(ex, 200, Map.of("name", m.name(), "ready", true));
                }
                case "infer" -> {
                    if (!method.equals("POST")) throw new HttpError(405, null, "use POST for " + path);
                    infer(ex, m);
                }
                default -> throw new HttpError(404, null, "no such endpoint: " + path);
            }
            return;
        }
        throw new HttpError(404, null, "no such endpoint: " + path);
    }

    private static void requireGet(HttpExchange ex) {
        if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
            throw new HttpError(405, null, "use GET for " + ex.getRequestURI().getPath());
        }
    }

    private Map<String, Object> metadata(ServedModel m) {
        Shape in = m.network().input();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("name", m.name());
        o.put("versions", List.of("1"));
        o.put("platform", "vessels_darknet");
        o.put("inputs", List.of(Map.of("name", "input", "datatype", "FP32", "shape", List.of(1, in.c(), in.h(), in.w()))));
        o.put("outputs", List.of(Map.of("name", "output", "datatype", "FP32", "shape", List.of(1, m.outputFloats()))));
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("weights", m.weights());
        p.put("synthetic_weights", m.synthetic());
        p.put("executor", scheduler.factory().executorKind());
        p.put("epc_need_bytes", scheduler.epcNeed(m.name()));
        p.put("platform", scheduler.factory().platform().name());
        p.put("emulated", scheduler.factory().platform().emulated());
        p.put("kind", m.detector() ? "detector" : "classifier");
        o.put("parameters", p);
        return o;
    }

    // ---- inference ----

    private void infer(HttpExchange ex, ServedModel m) throws IOException {
        long t0 = System.nanoTime();
        if (!accepting) throw new HttpError(503, m.name(), "shutting down");
        byte[] body = readBody(ex, m.name());
        String ctype = ex.getRequestHeaders().getFirst("Content-Type");
        String ct = ctype == null ? "" : ctype.toLowerCase(Locale.ROOT).split(";")[0].strip();
        if (ct.equals("image/jpeg") || ct.equals("image/png")) {
            inferImage(ex, m, body, t0);
            return;
        }
        String binLen = ex.getRequestHeaders().getFirst(BINARY_HEADER);
        int jsonLen = body.length;
        if (binLen != null) {
            try {
                jsonLen = Integer.parseInt(binLen.strip());
            } catch (NumberFormatException e) {
                throw new HttpError(400, m.name(), BINARY_HEADER + " is not a number: '" + binLen + "'");
            }
            if (jsonLen < 0 || jsonLen > body.length) {
                throw new HttpError(400, m.name(), BINARY_HEADER + " " + jsonLen + " is outside the body of " + body.length + " bytes");
            }
        }
        JsonNode req;
        try {
            req = JSON.readTree(new String(body, 0, jsonLen, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new HttpError(400, m.name(), "malformed JSON: " + e.getOriginalMessage());
        }
        if (req == null || !req.isObject()) throw new HttpError(400, m.name(), "request must be a JSON object with \"inputs\"");
        float[] x = tensor(req, m, body, jsonLen);
        boolean binaryOut = wantsBinary(req);
        Prediction p = predict(m, x);
        Map<String, Object> head = new LinkedHashMap<>();
        head.put("model_name", m.name());
        head.put("model_version", "1");
        if (req.hasNonNull("id")) head.put("id", req.get("id").asText());
        if (m.synthetic()) head.put("parameters", Map.of("synthetic_weights", true));
        float[] y = p.output();
        byte[] out;
        if (binaryOut) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("name", "output");
            o.put("datatype", "FP32");
            o.put("shape", List.of(1, y.length));
            o.put("parameters", Map.of("binary_data_size", y.length * 4));
            head.put("outputs", List.of(o));
            byte[] h = JSON.writeValueAsBytes(head);
            ByteBuffer b = ByteBuffer.allocate(h.length + y.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.put(h);
            b.asFloatBuffer().put(y);
            out = b.array();
            ex.getResponseHeaders().set(BINARY_HEADER, Integer.toString(h.length));
            finish(ex, m, t0, "application/octet-stream", out);
        } else {
            ByteArrayOutputStream bo = new ByteArrayOutputStream(64 + y.length * 14);
            try (JsonGenerator g = JSON.getFactory().createGenerator(bo)) {
                g.writeStartObject();
                for (var e : head.entrySet()) g.writeObjectField(e.getKey(), e.getValue());
                g.writeArrayFieldStart("outputs");
                g.writeStartObject();
                g.writeStringField("name", "output");
                g.writeStringField("datatype", "FP32");
                g.writeArrayFieldStart("shape");
                g.writeNumber(1);
                g.writeNumber(y.length);
                g.writeEndArray();
                g.writeArrayFieldStart("data");
                for (float v : y) g.writeNumber(v);
                g.writeEndArray();
                g.writeEndObject();
                g.writeEndArray();
                g.writeEndObject();
            }
            finish(ex, m, t0, "application/json", bo.toByteArray());
        }
    }

    private void finish(HttpExchange ex, ServedModel m, long t0, String type, byte[] out) throws IOException {
        metrics.outcome(m.name(), "ok");
        metrics.latency(m.name(), System.nanoTime() - t0);
        send(ex, 200, type, out);
    }

    private static boolean wantsBinary(JsonNode req) {
        JsonNode p = req.get("parameters");
        if (p != null && p.path("binary_data_output").asBoolean(false)) return true;
        JsonNode outs = req.get("outputs");
        if (outs != null && outs.isArray()) {
            for (JsonNode o : outs) if (o.path("parameters").path("binary_data").asBoolean(false)) return true;
        }
        return false;
    }

    /** The one FP32 input tensor of the request, checked against the model's input. */
    private static float[] tensor(JsonNode req, ServedModel m, byte[] body, int jsonLen) {
        String name = m.name();
        JsonNode inputs = req.get("inputs");
        if (inputs == null || !inputs.isArray() || inputs.size() != 1) {
            throw new HttpError(400, name, "\"inputs\" must be an array of exactly one tensor");
        }
        JsonNode in = inputs.get(0);
        if (!in.isObject()) throw new HttpError(400, name, "inputs[0] must be an object with name, shape, datatype, data");
        String dt = in.path("datatype").asText("");
        if (!dt.equals("FP32")) throw new HttpError(400, name, "inputs[0].datatype is '" + dt + "'; " + name + " takes FP32");
        Shape s = m.network().input();
        JsonNode shape = in.get("shape");
        List<Long> dims = new ArrayList<>();
        if (shape == null || !shape.isArray()) throw new HttpError(400, name, "inputs[0].shape must be an array of integers");
        for (JsonNode d : shape) {
            if (!d.canConvertToLong() || !d.isIntegralNumber()) throw new HttpError(400, name, "inputs[0].shape must be an array of integers");
            dims.add(d.asLong());
        }
        List<Long> chw = List.of((long) s.c(), (long) s.h(), (long) s.w());
        List<Long> nchw = List.of(1L, (long) s.c(), (long) s.h(), (long) s.w());
        if (!dims.equals(chw) && !dims.equals(nchw)) {
            throw new HttpError(400, name, "inputs[0].shape " + dims + " does not match " + name + "'s input " + nchw);
        }
        int n = m.inputFloats();
        float[] x = new float[n];
        JsonNode params = in.path("parameters");
        if (params.has("binary_data_size")) {
            long size = params.get("binary_data_size").asLong(-1);
            if (size != (long) n * 4) {
                throw new HttpError(400, name, "inputs[0] binary_data_size " + size + " != " + n + " FP32 values (" + (n * 4L) + " bytes)");
            }
            if (body.length - jsonLen != size) {
                throw new HttpError(400, name, "binary data after the JSON header is " + (body.length - jsonLen) + " bytes, expected " + size);
            }
            ByteBuffer.wrap(body, jsonLen, (int) size).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(x);
        } else {
            JsonNode data = in.get("data");
            if (data == null || !data.isArray()) throw new HttpError(400, name, "inputs[0].data must be an array of numbers (or use binary_data_size)");
            int[] k = {0};
            flatten(data, x, k, name);
            if (k[0] != n) throw new HttpError(400, name, "inputs[0].data has " + k[0] + " values, shape " + dims + " needs " + n);
        }
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(x[i])) throw new HttpError(400, name, "inputs[0] value " + i + " is " + x[i]);
        }
        return x;
    }

    /** Row-major flattening: OIP allows the data as a flat or a nested array. */
    private static void flatten(JsonNode a, float[] x, int[] k, String name) {
        for (JsonNode v : a) {
            if (v.isArray()) {
                flatten(v, x, k, name);
            } else if (v.isNumber()) {
                if (k[0] < x.length) x[k[0]] = v.floatValue();
                k[0]++;
            } else {
                throw new HttpError(400, name, "inputs[0].data holds a non-number: " + abbreviate(v.toString()));
            }
        }
    }

    private void inferImage(HttpExchange ex, ServedModel m, byte[] body, long t0) throws IOException {
        Shape s = m.network().input();
        if (s.c() != 3) throw new HttpError(400, m.name(), m.name() + " takes " + s.c() + " channels, not an RGB image");
        Image im;
        Path tmp = Files.createTempFile("vessels-serve-", ".img");
        try {
            Files.write(tmp, body);
            im = ImageLoader.load(tmp);
        } catch (VesselsException e) {
            throw new HttpError(400, m.name(), "image body: " + e.getMessage().replace(tmp.toString() + ": ", ""));
        } finally {
            Files.deleteIfExists(tmp);
        }
        float[] x = Letterbox.apply(im, s.w(), s.h()).data();
        Prediction p = predict(m, x);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model_name", m.name());
        o.put("synthetic_weights", m.synthetic());
        if (m.detector()) {
            List<Map<String, Object>> dl = new ArrayList<>();
            for (var d : DetectionListing.detect(m.network(), p.kept(), m.labels(), im.w(), im.h())) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("label", d.label());
                e.put("class", d.classIndex());
                e.put("score", d.prob());
                e.put("box", Map.of("left", d.left(), "top", d.top(), "right", d.right(), "bottom", d.bottom()));
                dl.add(e);
            }
            o.put("detections", dl);
        } else {
            o.put("top", top(p.output(), 5, m));
        }
        finish(ex, m, t0, "application/json", JSON.writeValueAsBytes(o));
    }

    private static List<Map<String, Object>> top(float[] v, int k, ServedModel m) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) idx[i] = i;
        java.util.Arrays.sort(idx, (a, b) -> v[a] != v[b] ? Float.compare(v[b], v[a]) : Integer.compare(a, b));
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < Math.min(k, v.length); i++) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("index", idx[i]);
            e.put("label", idx[i] < m.labels().size() ? m.labels().name(idx[i]) : Integer.toString(idx[i]));
            e.put("score", v[idx[i]]);
            out.add(e);
        }
        return out;
    }

    private Prediction predict(ServedModel m, float[] x) {
        var f = submit(m, x);
        try {
            Prediction p = f.get(config.timeoutMillis(), TimeUnit.MILLISECONDS);
            metrics.prediction(m.name(), p.nanos());
            return p;
        } catch (TimeoutException e) {
            // The prediction may still finish on its enclave; this answer only stops the wait.
            throw new HttpError(500, m.name(), "prediction did not finish within " + config.timeoutMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof EpcScheduler.Rejected r) throw new HttpError(503, m.name(), r.getMessage());
            throw new HttpError(500, m.name(), c.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(500, m.name(), "interrupted");
        }
    }

    private java.util.concurrent.CompletableFuture<Prediction> submit(ServedModel m, float[] x) {
        try {
            return scheduler.submit(m.name(), x);
        } catch (EpcScheduler.Rejected r) {
            throw new HttpError(503, m.name(), r.getMessage());
        }
    }

    private byte[] readBody(HttpExchange ex, String model) throws IOException {
        long limit = config.maxBodyBytes();
        String cl = ex.getRequestHeaders().getFirst("Content-Length");
        if (cl != null) {
            long len;
            try {
                len = Long.parseLong(cl.strip());
            } catch (NumberFormatException e) {
                throw new HttpError(400, model, "Content-Length is not a number");
            }
            if (len > limit) {
                drain(ex.getRequestBody(), limit);
                throw new HttpError(413, model, "body of " + len + " bytes is over the limit of " + limit + " bytes");
            }
        }
        InputStream in = ex.getRequestBody();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[64 << 10];
        long total = 0;
        int r;
        while ((r = in.read(buf)) > 0) {
            total += r;
            if (total > limit) {
                drain(in, limit);
                throw new HttpError(413, model, "body is over the limit of " + limit + " bytes");
            }
            b.write(buf, 0, r);
        }
        if (total == 0) throw new HttpError(400, model, "empty body (expected an OIP v2 JSON request or an image)");
        return b.toByteArray();
    }

    /**
     * Reads and drops what the client still sends (up to a cap), so that it sees the 413 instead of
     * a connection reset on a socket closed with unread data; past the cap the connection is dropped.
     */
    private static void drain(InputStream in, long limit) {
        long cap = Math.max(64L << 20, 4 * limit);
        byte[] buf = new byte[64 << 10];
        try {
            long n = 0;
            int r;
            while (n < cap && (r = in.read(buf)) > 0) n += r;
        } catch (IOException ignored) {
            // the answer is sent anyway
        }
    }

    // ---- responses ----

    private void sendError(HttpExchange ex, int status, String message) throws IOException {
        if (status == 503) ex.getResponseHeaders().set("Retry-After", "1");
        ObjectNode o = JSON.createObjectNode();
        o.put("error", message);
        send(ex, status, "application/json", JSON.writeValueAsBytes(o));
    }

    private static void sendJson(HttpExchange ex, int status, Object o) throws IOException {
        send(ex, status, "application/json", JSON.writeValueAsBytes(o));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
