package dev.vessels.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.vessels.enclave.TrustedPlatform;
import dev.vessels.serve.SchedulerCore.Mode;

/**
 * The scheduler measures what strict FIFO costs: running slots left free while requests wait for
 * EPC. Two predictions of 300 ms, two slots, EPC for one enclave: the second waits the whole first
 * prediction with one slot free; run one after the other, nothing waits and nothing accrues.
 */
class IdleSlotTest {
    @Test
    void slotsLeftFreeWhileTheHeadWaitsForEpcAreCountedAndOnlyThen() throws Exception {
        TrustedPlatform p = TestServers.platform(93.5);
        try (PlatformWorkerFactory real = TestServers.factory(p, "tiny-classifier")) {
            TestServers.Faulty f = new TestServers.Faulty(real, 300);
            long need = f.epcNeed("tiny-classifier");
            float[] x = SharedParametersTest.input(real.models().get(0).network());
            // bound: one enclave; two slots
            try (EpcScheduler s = new EpcScheduler(f, Mode.EPC, need + need / 2, 8, 8, 2)) {
                var a = s.submit("tiny-classifier", x);
                var b = s.submit("tiny-classifier", x);
                a.get(30, TimeUnit.SECONDS);
                b.get(30, TimeUnit.SECONDS);
                long idle = s.snapshot().idleSlotNanos();
                assertThat(idle).as("one slot free while b waited for a's enclave (~300 ms)")
                        .isBetween(TimeUnit.MILLISECONDS.toNanos(250), TimeUnit.SECONDS.toNanos(5));
                s.submit("tiny-classifier", x).get(30, TimeUnit.SECONDS);
                assertThat(s.snapshot().idleSlotNanos()).as("nothing waited").isEqualTo(idle);
            }
        }
    }
}
