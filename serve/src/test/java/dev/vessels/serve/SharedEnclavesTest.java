package dev.vessels.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.enclave.TrustedPlatform;
import dev.vessels.serve.SchedulerCore.Mode;

/**
 * A Vessels enclave holds no model state between requests, so an idle one serves another model
 * whose EPC need its commit covers: same outputs as an enclave built for that model, no build, the
 * same commit. Baseline enclaves (their model's parameters loaded at build) never do.
 */
class SharedEnclavesTest {
    private static final String BIG = "tiny-yolo", SMALL = "tiny-classifier";

    private static PlatformWorkerFactory shared(TrustedPlatform p) {
        return new PlatformWorkerFactory(p, List.of(ServedModel.parse(BIG, null), ServedModel.parse(SMALL, null)), "vessels", 1, true, true);
    }

    @Test
    void anIdleEnclaveSwitchesToASmallerModelAndBackComputingWhatEachModelsOwnEnclaveComputes() {
        TrustedPlatform p = TestServers.platform(93.5);
        try (PlatformWorkerFactory f = shared(p)) {
            assertThat(f.sharedEnclaves()).isTrue();
            assertThat(f.epcNeed(BIG)).as("the test needs a bigger and a smaller model").isGreaterThan(f.epcNeed(SMALL));
            Network big = f.models().get(0).network(), small = f.models().get(1).network();
            float[] xb = SharedParametersTest.input(big), xs = SharedParametersTest.input(small);
            float[] eb = SharedParametersTest.vesselsOutput(big, xb), es = SharedParametersTest.vesselsOutput(small, xs);
            EnclaveWorker w = f.launch(BIG);
            try {
                long buildNanos = p.costs().buildNanos();
                assertThat(w.predict(xb).output()).containsExactly(eb);
                w.switchTo(SMALL);
                assertThat(w.model()).isEqualTo(SMALL);
                assertThat(w.predict(xs).output()).containsExactly(es);
                assertThat(w.predict(xs).output()).containsExactly(es);
                w.switchTo(BIG);
                assertThat(w.predict(xb).output()).containsExactly(eb);
                assertThat(w.committedBytes()).as("the commit stays what it was built with").isEqualTo(f.epcNeed(BIG));
                assertThat(p.committedBytes()).isEqualTo(f.epcNeed(BIG));
                assertThat(p.costs().buildNanos()).as("switching builds nothing").isEqualTo(buildNanos);
            } finally {
                w.destroy();
            }
            assertThat(p.committedBytes()).isZero();
        }
    }

    @Test
    void anEnclaveNeverSwitchesToAModelNeedingMoreThanItCommitsAndKeepsServingItsOwn() {
        TrustedPlatform p = TestServers.platform(93.5);
        try (PlatformWorkerFactory f = shared(p)) {
            Network small = f.models().get(1).network();
            float[] xs = SharedParametersTest.input(small);
            EnclaveWorker w = f.launch(SMALL);
            try {
                assertThatThrownBy(() -> w.switchTo(BIG)).isInstanceOf(IllegalStateException.class).hasMessageContaining(BIG);
                assertThat(w.model()).isEqualTo(SMALL);
                assertThat(w.predict(xs).output()).containsExactly(SharedParametersTest.vesselsOutput(small, xs));
            } finally {
                w.destroy();
            }
        }
    }

    @Test
    void baselineEnclavesAreNeverShared() {
        TrustedPlatform p = TestServers.platform(93.5);
        assertThatThrownBy(() -> new PlatformWorkerFactory(p, List.of(ServedModel.parse(SMALL, null)), "baseline", 1, true, true))
                .isInstanceOf(VesselsException.class).hasMessageContaining("--enclave-reuse any needs --executor vessels");
        try (PlatformWorkerFactory f = TestServers.factory(p, BIG, SMALL)) {
            assertThat(f.sharedEnclaves()).isFalse();
            EnclaveWorker w = f.launch(BIG);
            try {
                assertThatThrownBy(() -> w.switchTo(SMALL)).isInstanceOf(UnsupportedOperationException.class);
            } finally {
                w.destroy();
            }
        }
    }

    @Test
    void theSchedulerServesAlternatingModelsFromOneSharedEnclaveWithoutRebuilding() throws Exception {
        TrustedPlatform p = TestServers.platform(93.5);
        try (PlatformWorkerFactory f = shared(p); EpcScheduler s = new EpcScheduler(f, Mode.EPC, p.epcCapacityBytes(), 8, 8, 1)) {
            Network big = f.models().get(0).network(), small = f.models().get(1).network();
            float[] xb = SharedParametersTest.input(big), xs = SharedParametersTest.input(small);
            float[] eb = SharedParametersTest.vesselsOutput(big, xb), es = SharedParametersTest.vesselsOutput(small, xs);
            for (int i = 0; i < 4; i++) {
                assertThat(s.submit(BIG, xb).get(30, TimeUnit.SECONDS).output()).containsExactly(eb);
                assertThat(s.submit(SMALL, xs).get(30, TimeUnit.SECONDS).output()).containsExactly(es);
            }
            var snap = s.snapshot();
            assertThat(snap.launched()).as("one enclave, built for the bigger model, served all eight").isEqualTo(1);
            assertThat(snap.switched()).isEqualTo(7);
            assertThat(snap.peakPlatformCommittedBytes()).isEqualTo(f.epcNeed(BIG));
        }
    }
}
