package dev.vessels.core.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class JitWatchTest {
    /** A compilation clock that each "prediction" advances by the next of {@code perRun} milliseconds. */
    private static final class FakeJit {
        final AtomicLong total = new AtomicLong(1_000);
        final AtomicInteger runs = new AtomicInteger();
        final long[] perRun;

        FakeJit(long... perRun) {
            this.perRun = perRun;
        }

        void predict() {
            int r = runs.getAndIncrement();
            total.addAndGet(r < perRun.length ? perRun[r] : 0);
        }
    }

    @Test
    void warmsUpUntilARunPassesWithTheCompilerQuiet() {
        // Three asked for; the compiler is busy through the fifth run, pauses in the sixth, busy again
        // in the seventh, then quiet in the eighth and ninth: two quiet runs in a row end it.
        FakeJit jit = new FakeJit(900, 300, 120, 60, 30, 2, 40, 0, 1, 0, 0);
        int done = JitWatch.warmUp(3, 50, jit::predict, new JitWatch(jit.total::get));
        assertThat(done).isEqualTo(9).isEqualTo(jit.runs.get());
    }

    @Test
    void watchesTwoRunsBeyondTheMinimumEvenWhenQuiet() {
        FakeJit jit = new FakeJit();
        assertThat(JitWatch.warmUp(3, 50, jit::predict, new JitWatch(jit.total::get))).isEqualTo(5);
    }

    @Test
    void givesUpAfterTheExtraBudget() {
        FakeJit jit = new FakeJit(50, 50, 50, 50, 50, 50, 50, 50, 50, 50);
        assertThat(JitWatch.warmUp(2, 4, jit::predict, new JitWatch(jit.total::get))).isEqualTo(6);
        assertThat(jit.runs).hasValue(6);
    }

    @Test
    void noWarmUpAskedRunsNothingAndNoBudgetRunsTheMinimum() {
        FakeJit jit = new FakeJit(50, 50, 50, 50);
        assertThat(JitWatch.warmUp(0, 10, jit::predict, new JitWatch(jit.total::get))).isZero();
        assertThat(JitWatch.warmUp(3, 0, jit::predict, new JitWatch(jit.total::get))).isEqualTo(3);
        assertThat(jit.runs).hasValue(3);
    }

    @Test
    void untilQuietCountsOnlyTheWatchedRuns() {
        // What SideBySide calls after its own warm-up: busy, quiet, busy, quiet, quiet.
        FakeJit jit = new FakeJit(40, 1, 60, 0, 2, 0);
        assertThat(new JitWatch(jit.total::get).untilQuiet(30, jit::predict)).isEqualTo(5);
        assertThat(new JitWatch(jit.total::get).untilQuiet(0, jit::predict)).isZero();
        assertThat(jit.runs).hasValue(5); // a budget of none runs nothing
    }

    @Test
    void withoutACompilationClockRunsTheMinimum() {
        FakeJit jit = new FakeJit(50, 50, 50, 50);
        JitWatch blind = new JitWatch(null);
        assertThat(blind.supported()).isFalse();
        assertThat(JitWatch.warmUp(2, 10, jit::predict, blind)).isEqualTo(2);
    }

    @Test
    void thisJvmReportsCompilationTime() {
        // HotSpot reports it; the benchmarks' "after warm-up" relies on it.
        assertThat(new JitWatch().supported()).isTrue();
    }
}
