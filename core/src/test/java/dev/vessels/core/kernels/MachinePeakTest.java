package dev.vessels.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MachinePeakTest {
    @Test
    void measuresAPositiveFiniteCeilingThatGrowsWithThreads() throws InterruptedException {
        double one = MachinePeak.gflops(1, 50);
        // Any x86 core with SSE runs more than a GFLOP/s of register-only FMAs; far less means the
        // timing or the FLOP count is wrong.
        assertThat(one).isFinite().isGreaterThan(1.0);
        // Two threads on two cores deliver more than one; on a loaded CI runner they may share one
        // core, hence only "not less than most of one".
        double two = MachinePeak.gflops(2, 50);
        assertThat(two).isFinite().isGreaterThan(0.5 * one);
    }
}
