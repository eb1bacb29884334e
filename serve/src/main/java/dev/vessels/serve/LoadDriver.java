package dev.vessels.serve;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop HTTP clients: each sends one request, waits for the answer, and sends the next, for a
 * fixed duration, cycling through the models (client {@code i} starts at model {@code i}, so the
 * stream is mixed from the first second). Bodies use the binary tensor extension, so the measured
 * time is the service's, not JSON's. Requests still running at the end are waited for but not counted.
 */
public final class LoadDriver {
    /** What the clients saw. */
    public record Result(long processed, long rejected, long failed, double seconds, long[] latencyNanos, long[] perSecond) {
        public double throughputRps() {
            return seconds > 0 ? processed / seconds : 0;
        }

        /** Latency percentile of successful requests, milliseconds (nearest rank); NaN when none. */
        public double percentileMs(double p) {
            if (latencyNanos.length == 0) return Double.NaN;
            int rank = (int) Math.ceil(p / 100 * latencyNanos.length);
            return latencyNanos[Math.max(0, Math.min(latencyNanos.length - 1, rank - 1))] / 1e6;
        }
    }

    private LoadDriver() {}

    /** A request body and the length of its JSON header (the Inference-Header-Content-Length). */
    public record Body(byte[] bytes, int headerLength) {}

    /** A binary-tensor OIP request for a C×H×W FP32 input (values in [0,1), seeded). */
    public static Body binaryRequest(int c, int h, int w, long seed) {
        int floats = c * h * w;
        byte[] head = ("{\"inputs\":[{\"name\":\"input\",\"shape\":[1," + c + "," + h + "," + w + "],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":"
                + (long) floats * 4 + "}}],\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]}").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(head.length + floats * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put(head);
        Random r = new Random(seed);
        for (int i = 0; i < floats; i++) b.putFloat(r.nextFloat());
        return new Body(b.array(), head.length);
    }

    /**
     * One request per model, one after the other, untimed: compiles the hot code and builds a first
     * enclave of each model, so the timed window does not start with the JIT.
     *
     * @return how many answered 200
     */
    public static int warmUp(String base, List<String> models, List<Body> bodies) {
        int ok = 0;
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            for (int k = 0; k < models.size(); k++) {
                try {
                    if (http.send(request(base, models.get(k), bodies.get(k)), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) ok++;
                } catch (Exception e) {
                    // counted as not ok
                }
            }
        }
        return ok;
    }

    private static HttpRequest request(String base, String model, Body body) {
        return HttpRequest.newBuilder(URI.create(base + "/v2/models/" + model + "/infer"))
                .timeout(Duration.ofMinutes(10)).header("Content-Type", "application/octet-stream")
                .header(InferenceServer.BINARY_HEADER, Integer.toString(body.headerLength()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes())).build();
    }

    /**
     * @param base    e.g. {@code http://127.0.0.1:8000}
     * @param models  model names, cycled through
     * @param bodies  one binary request per model (see {@link #binaryRequest})
     */
    public static Result run(String base, List<String> models, List<Body> bodies, int clients, Duration duration) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        int seconds = (int) Math.max(1, (duration.toMillis() + 999) / 1000);
        AtomicLong processed = new AtomicLong(), rejected = new AtomicLong(), failed = new AtomicLong();
        long[][] perClientSecond = new long[clients][seconds];
        Thread[] ts = new Thread[clients];
        int[] counts = new int[clients];
        long[][] lats = new long[clients][];
        for (int c = 0; c < clients; c++) {
            final int client = c;
            ts[c] = Thread.ofPlatform().name("vessels-load-" + c).start(() -> {
                long[] mine = new long[1024];
                int n = 0;
                int k = client % models.size();
                while (System.nanoTime() < end) {
                    String m = models.get(k);
                    Body body = bodies.get(k);
                    k = (k + 1) % models.size();
                    HttpRequest req = request(base, m, body);
                    long t0 = System.nanoTime();
                    int status;
                    String why;
                    try {
                        HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
                        status = resp.statusCode();
                        why = status == 200 || status == 503 ? null
                                : new String(resp.body(), java.nio.charset.StandardCharsets.UTF_8);
                    } catch (Exception e) {
                        status = -1;
                        why = e.toString();
                    }
                    long t1 = System.nanoTime();
                    if (t1 > end) break; // finished after the window: not counted
                    if (status == 200) {
                        processed.incrementAndGet();
                        if (n == mine.length) mine = Arrays.copyOf(mine, n * 2);
                        mine[n++] = t1 - t0;
                        perClientSecond[client][(int) Math.min(seconds - 1, (t1 - start) / 1_000_000_000L)]++;
                    } else if (status == 503) {
                        rejected.incrementAndGet();
                    } else if (failed.incrementAndGet() <= 5) {
                        // Say why the first few failed: a count alone does not tell a fault from a timeout.
                        System.err.println("vessels: load driver: " + m + " answered " + (status < 0 ? "no response" : status)
                                + ": " + why);
                    }
                }
                lats[client] = Arrays.copyOf(mine, n);
                counts[client] = n;
            });
        }
        for (Thread t : ts) t.join();
        double secs = duration.toNanos() / 1e9;
        int total = 0;
        for (int c : counts) total += c;
        long[] all = new long[total];
        int at = 0;
        for (long[] l : lats) {
            System.arraycopy(l, 0, all, at, l.length);
            at += l.length;
        }
        Arrays.sort(all);
        long[] perSecond = new long[seconds];
        for (long[] pc : perClientSecond) for (int s = 0; s < seconds; s++) perSecond[s] += pc[s];
        http.close();
        return new Result(processed.get(), rejected.get(), failed.get(), secs, all, perSecond);
    }
}
