package dev.vessels.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class LoadDriverTest {
    @Test
    void closedLoopClientsCountWhatTheServerAnswered() throws Exception {
        InferenceServer s = Serving.start(new Serving.Options(List.of("tiny-classifier"), "127.0.0.1", 0, "vessels", "epc", 93.5, null,
                16, 1, null, 4, 30_000, true));
        LoadDriver.Result r;
        try {
            assertThat(LoadDriver.warmUp("http://127.0.0.1:" + s.port(), List.of("tiny-classifier"), List.of(LoadDriver.binaryRequest(3, 32, 32, 1))))
                    .isEqualTo(1);
            r = LoadDriver.run("http://127.0.0.1:" + s.port(), List.of("tiny-classifier"),
                    List.of(LoadDriver.binaryRequest(3, 32, 32, 1)), 3, Duration.ofMillis(1500));
        } finally {
            s.stop(20_000);
        }
        assertThat(r.failed()).isZero();
        assertThat(r.processed()).isPositive();
        assertThat(java.util.Arrays.stream(r.perSecond()).sum()).isEqualTo(r.processed());
        assertThat(r.latencyNanos()).hasSize((int) r.processed());
        assertThat(r.percentileMs(50)).isLessThanOrEqualTo(r.percentileMs(99));
    }
}
