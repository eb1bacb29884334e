package dev.vessels.core.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

class ParallelTest {
    @Test
    void everyPartRunsExactlyOnceAcrossManyQuickJobs() throws Exception {
        try (Parallel par = new Parallel(3)) {
            for (int job = 0; job < 5_000; job++) {
                int parts = 1 + job % 7;
                AtomicIntegerArray ran = new AtomicIntegerArray(parts);
                par.forEachPart(parts, ran::incrementAndGet);
                for (int p = 0; p < parts; p++) assertThat(ran.get(p)).as("job %d part %d", job, p).isEqualTo(1);
                if (job % 1000 == 0) Thread.sleep(1); // let the workers park, then wake them again
            }
        }
    }

    @Test
    void aWorkersExceptionReachesTheCallerAndTheInstanceStaysUsable() {
        try (Parallel par = new Parallel(2)) {
            assertThatThrownBy(() -> par.forEachPart(2, p -> {
                if (p == 1) throw new IllegalArgumentException("part " + p);
            })).isInstanceOf(IllegalArgumentException.class).hasMessage("part 1");
            int[] sum = new int[1];
            par.forRange(10, (lo, hi) -> {
                synchronized (sum) {
                    for (int i = lo; i < hi; i++) sum[0] += i;
                }
            });
            assertThat(sum[0]).isEqualTo(45);
        }
    }
}
