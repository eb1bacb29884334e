package dev.vessels.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.vessels.core.Network;
import dev.vessels.enclave.TrustedPlatform;

/**
 * Under the EPC-aware scheduler a model whose enclave needs more than half the bound runs solo: on
 * every core, taking every running slot; the others keep one thread each. Its predictions compute
 * what a single-threaded executor computes (the kernels split work, never a sum).
 */
class SoloModelsTest {
    @Test
    void aModelNeedingMoreThanHalfTheBoundRunsAloneOnEveryCoreAndComputesTheSame() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        assumeTrue(cores >= 2, "needs two cores");
        long need1, need2, small;
        TrustedPlatform probe = TestServers.platform(93.5);
        try (PlatformWorkerFactory f = TestServers.factory(probe, "tiny-yolo", "tiny-classifier")) {
            small = f.epcNeed("tiny-classifier");
            need1 = f.epcNeed("tiny-yolo");
            f.useThreads("tiny-yolo", cores);
            need2 = f.epcNeed("tiny-yolo");
        }
        assertThat(need2).as("wider kernel scratch").isGreaterThan(need1);
        // a bound the solo enclave fits in, below twice its single-threaded need, at least twice the small model's
        long bound = Math.max(need2, 2 * small) + 4096;
        assertThat(bound).as("tiny-yolo %d / %d, tiny-classifier %d bytes", need1, need2, small).isLessThan(2 * need1);
        double boundMb = bound / 1048576.0;
        InferenceServer s = Serving.start(new Serving.Options(List.of("tiny-yolo", "tiny-classifier"), "127.0.0.1", 0, "vessels", "epc",
                93.5, boundMb, 8, 1, null, 8, 30_000, false, null, true));
        try {
            EpcScheduler sch = s.scheduler();
            var f = (PlatformWorkerFactory) sch.factory();
            assertThat(sch.maxRunning()).isEqualTo(cores);
            assertThat(sch.slotsFor("tiny-yolo")).isEqualTo(cores);
            assertThat(f.threads("tiny-yolo")).isEqualTo(cores);
            assertThat(sch.slotsFor("tiny-classifier")).isEqualTo(1);
            assertThat(f.threads("tiny-classifier")).isEqualTo(1);
            assertThat(sch.epcNeed("tiny-yolo")).isEqualTo(need2);
            Network net = f.models().get(0).network();
            float[] x = SharedParametersTest.input(net);
            float[] expected = SharedParametersTest.vesselsOutput(net, x);
            for (int i = 0; i < 3; i++) assertThat(sch.submit("tiny-yolo", x).get(30, TimeUnit.SECONDS).output()).containsExactly(expected);
        } finally {
            s.stop(5_000);
        }
        // without --solo, or under the naive scheduler, everyone keeps one thread
        for (var o : List.of(new Serving.Options(List.of("tiny-yolo"), "127.0.0.1", 0, "vessels", "epc", 93.5, boundMb, 8, 1, null, 8, 30_000,
                false, null, false), new Serving.Options(List.of("tiny-yolo"), "127.0.0.1", 0, "vessels", "naive", 93.5, boundMb, 8, 1, null, 8,
                30_000, false, null, true))) {
            InferenceServer t = Serving.start(o);
            try {
                assertThat(t.scheduler().slotsFor("tiny-yolo")).isEqualTo(1);
                assertThat(((PlatformWorkerFactory) t.scheduler().factory()).threads("tiny-yolo")).isEqualTo(1);
            } finally {
                t.stop(5_000);
            }
        }
    }
}
