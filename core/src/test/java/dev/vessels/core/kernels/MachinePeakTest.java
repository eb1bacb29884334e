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

    @Test
    void measuresAPlausibleStreamingBandwidth() throws InterruptedException {
        // Any machine that runs this reads memory faster than 0.1 GB/s and slower than 10 TB/s: far
        // outside means bytes or nanoseconds are miscounted.
        double one = MachinePeak.streamGBps(1, 50);
        assertThat(one).isBetween(0.1, 10_000.0);
        assertThat(MachinePeak.streamGBps(2, 50)).isBetween(0.1, 10_000.0);
        assertThat(MachinePeak.cacheStreamGBps(1, 50)).isBetween(0.1, 10_000.0);
    }

    @Test
    void namesTheFirstProcessorFromCpuinfo() {
        String two = """
                processor	: 0
                vendor_id	: AuthenticAMD
                cpu family	: 25
                model		: 17
                model name	: AMD EPYC
                flags		: fpu avx512f

                processor	: 1
                cpu family	: 6
                model		: 143
                model name	: Other
                """;
        assertThat(MachinePeak.cpuName(two)).isEqualTo("AMD EPYC (family 25, model 17)");
        assertThat(MachinePeak.cpuName("processor : 0\nmodel name : X\n")).isEqualTo("X");
        assertThat(MachinePeak.cpuName("processor : 0\ncpu family : 6\n")).isEqualTo("unnamed (family 6)");
        assertThat(MachinePeak.cpuName("")).isEqualTo("unknown");
        assertThat(MachinePeak.cpuName()).isNotBlank(); // this machine's, or "unknown" where there is no /proc
    }
}
