package dev.vessels.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.vessels.core.zoo.ModelZoo;
import dev.vessels.enclave.TrustedPlatform;

/** A real server on loopback under bursts, faults and shutdown; each test bounded to seconds. */
@Timeout(90)
class LoadAndFaultTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TINY = "tiny-classifier";

    static byte[] request() {
        int n = (int) ModelZoo.open(TINY).input().size();
        StringBuilder sb = new StringBuilder("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,32,32],\"datatype\":\"FP32\",\"data\":[");
        for (int i = 0; i < n; i++) sb.append(i == 0 ? "" : ",").append((i % 17) / 17f);
        return sb.append("]}]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    static CompletableFuture<HttpResponse<String>> infer(HttpClient c, InferenceServer s, byte[] body) {
        return c.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v2/models/" + TINY + "/infer"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String metrics(HttpClient c, InferenceServer s) throws Exception {
        return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void aBurstFarAboveCapacityGetsOnly200sAndExplicit503sAndTheCountsAddUp() throws Exception {
        var f = new TestServers.Faulty(TestServers.factory(TestServers.platform(93.5), TINY), 25);
        InferenceServer s = TestServers.start(f, SchedulerCore.Mode.EPC, 64L << 20, 4, 2, 1 << 20);
        HttpClient c = HttpClient.newHttpClient();
        try {
            byte[] body = request();
            int n = 60; // 10x the 2 running + 4 waiting the server can hold
            List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) fs.add(infer(c, s, body));
            int ok = 0, busy = 0;
            for (var fu : fs) {
                HttpResponse<String> r = fu.get(40, TimeUnit.SECONDS); // none hangs
                if (r.statusCode() == 200) {
                    ok++;
                    assertThat(JSON.readTree(r.body()).get("outputs").get(0).get("data").size()).isPositive();
                } else {
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                    assertThat(r.headers().firstValue("Retry-After")).contains("1");
                    assertThat(JSON.readTree(r.body()).get("error").asText()).contains("queue full");
                    busy++;
                }
            }
            assertThat(ok + busy).isEqualTo(n);
            assertThat(ok).as("at least what fits at once is served").isGreaterThanOrEqualTo(6);
            assertThat(busy).as("a 10x burst must overflow a queue of 4").isPositive();
            String m = metrics(c, s);
            assertThat(m).contains("vessels_requests_total{model=\"" + TINY + "\",outcome=\"ok\"} " + ok + ".0")
                    .contains("vessels_requests_total{model=\"" + TINY + "\",outcome=\"rejected\"} " + busy + ".0");
            var snap = s.scheduler().snapshot();
            assertThat(snap.pending()).isZero();
            assertThat(snap.queueDepth()).isZero();
            assertThat(snap.peakPlatformCommittedBytes()).isLessThanOrEqualTo(64L << 20);
            assertThat(snap.invariantViolations()).isZero();
        } finally {
            s.stop(5_000);
        }
    }

    @Test
    void aFaultMidPredictionIsRetriedOnceOnAFreshEnclaveTheFailedOneIsDestroyedAndItsEpcReleased() throws Exception {
        var p = new TestServers.MidPredictionFaults(TestServers.platform(93.5));
        InferenceServer s = TestServers.start(TestServers.factory(p, TINY), SchedulerCore.Mode.EPC, 64L << 20, 4, 2, 1 << 20);
        HttpClient c = HttpClient.newHttpClient();
        long need = s.scheduler().epcNeed(TINY);
        try {
            byte[] body = request();
            HttpResponse<String> first = infer(c, s, body).get(30, TimeUnit.SECONDS);
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(s.scheduler().snapshot().launched()).isEqualTo(1);
            // the next prediction fails inside the forward pass, at its 12th memory access (layers half run)
            p.armAtTouch(12);
            HttpResponse<String> faulted = infer(c, s, body).get(30, TimeUnit.SECONDS);
            assertThat(p.injected.get()).as("the fault was injected").isEqualTo(1);
            assertThat(faulted.statusCode()).as(faulted.body()).isEqualTo(200);
            // retried on a fresh enclave, whose executor computes what the first one did before the fault
            assertThat(JSON.readTree(faulted.body()).get("outputs")).isEqualTo(JSON.readTree(first.body()).get("outputs"));
            var snap = s.scheduler().snapshot();
            assertThat(snap.faults()).isEqualTo(1);
            assertThat(snap.retries()).isEqualTo(1);
            assertThat(snap.launched()).as("a fresh enclave replaced the failed one").isEqualTo(2);
            assertThat(snap.busy() + snap.idle()).as("the failed enclave is gone").isEqualTo(1);
            assertThat(p.committedBytes()).as("its EPC commit released: one enclave's worth left").isEqualTo(need)
                    .isEqualTo(snap.reservedBytes());
            for (int i = 0; i < 3; i++) assertThat(infer(c, s, body).get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(metrics(c, s)).contains("vessels_requests_total{model=\"" + TINY + "\",outcome=\"ok\"} 5.0")
                    .contains("vessels_enclave_faults_total 1.0").contains("vessels_request_retries_total 1.0")
                    .doesNotContain("outcome=\"error\"");
        } finally {
            s.stop(5_000);
        }
        assertThat(p.committedBytes()).as("shutdown destroys every enclave").isZero();
    }

    @Test
    void aRequestWhoseRetryFailsTooGets500AndTheServerKeepsServing() throws Exception {
        // predictions 3 (request 3) and 4 (its retry) fail
        var f = new TestServers.Faulty(TestServers.factory(TestServers.platform(93.5), TINY), 0, 3, 4);
        InferenceServer s = TestServers.start(f, SchedulerCore.Mode.EPC, 64L << 20, 4, 2, 1 << 20);
        HttpClient c = HttpClient.newHttpClient();
        TrustedPlatform p = f.platform();
        long need = s.scheduler().epcNeed(TINY);
        try {
            byte[] body = request();
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                HttpResponse<String> r = infer(c, s, body).get(30, TimeUnit.SECONDS);
                statuses.add(r.statusCode());
                if (i == 2) {
                    assertThat(JSON.readTree(r.body()).get("error").asText()).contains("injected enclave fault");
                    // both failed enclaves are gone and their EPC with them
                    assertThat(p.committedBytes()).isZero();
                    assertThat(s.scheduler().snapshot().reservedBytes()).isZero();
                }
            }
            assertThat(statuses).containsExactly(200, 200, 500, 200, 200, 200);
            var snap = s.scheduler().snapshot();
            assertThat(snap.faults()).isEqualTo(2);
            assertThat(snap.retries()).as("one retry, never a second").isEqualTo(1);
            assertThat(snap.launched()).as("each failed enclave was replaced").isEqualTo(3);
            assertThat(p.committedBytes()).isEqualTo(need).isEqualTo(snap.reservedBytes());
            assertThat(metrics(c, s)).contains("vessels_requests_total{model=\"" + TINY + "\",outcome=\"error\"} 1.0")
                    .contains("vessels_enclave_faults_total 2.0");
        } finally {
            s.stop(5_000);
        }
        assertThat(p.committedBytes()).as("shutdown destroys every enclave").isZero();
    }

    @Test
    void gracefulShutdownAnswersEverythingAlreadyAccepted() throws Exception {
        var f = new TestServers.Faulty(TestServers.factory(TestServers.platform(93.5), TINY), 60);
        InferenceServer s = TestServers.start(f, SchedulerCore.Mode.EPC, 64L << 20, 16, 1, 1 << 20);
        HttpClient c = HttpClient.newHttpClient();
        byte[] body = request();
        List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
        for (int i = 0; i < 8; i++) fs.add(infer(c, s, body));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (s.scheduler().snapshot().pending() < 8 && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(s.scheduler().snapshot().pending()).isEqualTo(8);
        s.stop(20_000);
        for (var fu : fs) assertThat(fu.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(f.platform().committedBytes()).isZero();
    }

    @Test
    void epcSchedulingAvoidsThePagingThatNaiveSchedulingCauses() throws Exception {
        // 16 MiB of EPC; each tiny-classifier enclave commits ~4.7 MiB (mostly the runtime): 3 fit.
        long bound = 16L << 20;
        long[] swaps = new long[2];
        for (SchedulerCore.Mode mode : SchedulerCore.Mode.values()) {
            var f = new TestServers.Faulty(TestServers.factory(TestServers.platform(16), TINY), 15);
            try (EpcScheduler s = new EpcScheduler(f, mode, bound, 64, 6)) {
                float[] x = new float[(int) ModelZoo.open(TINY).input().size()];
                List<CompletableFuture<?>> fs = new ArrayList<>();
                for (int i = 0; i < 36; i++) fs.add(s.submit(TINY, x));
                for (var fu : fs) fu.get(30, TimeUnit.SECONDS);
                var snap = s.snapshot();
                swaps[mode.ordinal()] = f.platform().costs().pageSwaps();
                if (mode == SchedulerCore.Mode.EPC) {
                    assertThat(snap.peakPlatformCommittedBytes()).isLessThanOrEqualTo(bound);
                    assertThat(snap.invariantViolations()).isZero();
                } else {
                    assertThat(snap.peakPlatformCommittedBytes()).as("naive launches past the EPC").isGreaterThan(bound);
                }
            }
            f.close();
        }
        assertThat(swaps[SchedulerCore.Mode.EPC.ordinal()]).as("epc: no page swaps (emulated)").isZero();
        assertThat(swaps[SchedulerCore.Mode.NAIVE.ordinal()]).as("naive: enclaves evict each other (emulated)").isPositive();
    }
}
