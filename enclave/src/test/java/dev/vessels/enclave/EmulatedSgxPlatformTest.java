package dev.vessels.enclave;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.vessels.enclave.sgx.EpcConfig;
import dev.vessels.enclave.sgx.EpcEmulator;
import dev.vessels.enclave.sgx.SgxCosts;

class EmulatedSgxPlatformTest {
    static final int PAGE = 4096;

    /** 64 pages of EPC, synchronous reclaim only, a 2-page runtime. */
    static EmulatedSgxPlatform platform() {
        return new EmulatedSgxPlatform(new EpcEmulator(new EpcConfig(64, 0, 0, EpcConfig.Mode.COUNT_ONLY, SgxCosts.SGX1)),
                2 * PAGE - 100);
    }

    @Test
    void defaultsAreSgx1AndLabelledEmulated() {
        EmulatedSgxPlatform p = EmulatedSgxPlatform.sgx1();
        assertThat(p.name()).isEqualTo("emulated-sgx");
        assertThat(p.emulated()).isTrue();
        assertThat(p.costsInWallTime()).isFalse();
        assertThat(p.epcCapacityBytes()).isEqualTo(93L * 1024 * 1024 + 512 * 1024); // 93.5 MiB
        assertThat(p.runtimeOverheadBytes()).isEqualTo(4L << 20);
        assertThat(p.toString()).contains("emulated");
        assertThat(p.costs().toString()).startsWith("emulated-sgx costs (emulated)");
        assertThat(p.costs().label()).isEqualTo("emulated");
    }

    @Test
    void enclaveCommitsRuntimePlusDataPageRounded() {
        EmulatedSgxPlatform p = platform();
        assertThat(p.commitFor(1)).isEqualTo(3 * PAGE);
        assertThat(p.commitFor(10 * PAGE)).isEqualTo(12 * PAGE);
        try (Enclave e = p.create("m", 10 * PAGE + 1)) {
            assertThat(e.committedBytes()).isEqualTo(13 * PAGE);
            assertThat(p.committedBytes()).isEqualTo(13 * PAGE);
            assertThat(e.costs().buildNanos()).isEqualTo(13 * 31_250);
            assertThat(e.costs().emulated()).isTrue();
        }
        assertThat(p.committedBytes()).isZero();
        assertThat(p.epc().freePages()).isEqualTo(64);
    }

    @Test
    void runIsOneEcallAndOcallsAreTransitions() {
        EmulatedSgxPlatform p = platform();
        Enclave e = p.create("m", 8 * PAGE);
        int out = e.run(t -> {
            t.touch(0, 8 * PAGE, true);
            t.ocall();
            t.ocall();
            return 42;
        });
        assertThat(out).isEqualTo(42);
        EnclaveCosts c = e.costs();
        assertThat(c.transitions()).isEqualTo(3);
        assertThat(c.transitionNanos()).isEqualTo(Math.round(3 * 17_000 / 3.5));
        assertThat(c.pageSwaps()).isZero();
        e.destroy();
        e.destroy(); // idempotent
        assertThat(e.destroyed()).isTrue();
        assertThat(e.committedBytes()).isZero();
        assertThatThrownBy(() -> e.run(t -> 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void accessesOutsideTheDeclaredDataAreExecutorBugs() {
        EmulatedSgxPlatform p = platform();
        Enclave e = p.create("m", 1000);
        e.run(t -> {
            t.touch(999, 1, false);
            return null;
        });
        assertThatThrownBy(() -> e.run(t -> {
            t.touch(999, 2, false); // inside the page, outside the declared bytes
            return null;
        })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the declared 1000 data bytes");
    }

    @Test
    void anEnclaveThatOverflowsTheEpcPagesWhileOneThatFitsDoesNot() {
        EmulatedSgxPlatform p = platform();
        // 2 runtime + 40 data pages fit in 64
        try (Enclave small = p.create("small", 40 * PAGE)) {
            for (int i = 0; i < 3; i++) small.run(t -> { sweep(t, 40); return null; });
            assertThat(small.costs().pageSwaps()).isZero();
        }
        try (Enclave big = p.create("big", 80 * PAGE)) {
            EnclaveCosts before = big.costs();
            big.run(t -> { sweep(t, 80); return null; });
            EnclaveCosts run = big.costs().since(before);
            assertThat(run.pageSwaps()).isPositive();
            assertThat(run.pagingNanos()).isPositive();
            assertThat(run.buildNanos()).isZero();
            assertThat(run.bytesPagedIn()).isEqualTo(run.pageSwaps() * PAGE);
        }
    }

    /** Layer-like sweep: read page i, write page i+1. */
    static void sweep(MemoryTracer t, int pages) {
        for (int i = 0; i + 1 < pages; i++) {
            t.touch((long) i * PAGE, PAGE, false);
            t.touch((long) (i + 1) * PAGE + 10, PAGE - 10, true);
        }
    }

    @Test
    void replayingARecordedTraceGivesTheSameCounts() {
        RecordingTracer rec = new RecordingTracer();
        sweep(rec, 80);
        rec.ocall();
        assertThat(rec.events()).hasSize(2 * 79 + 1);
        assertThat(rec.events().getLast().ocall()).isTrue();
        EnclaveCosts[] got = new EnclaveCosts[2];
        for (int i = 0; i < 2; i++) {
            EmulatedSgxPlatform p = platform();
            Enclave e = p.create("m", 80 * PAGE);
            e.run(t -> { rec.replay(t); rec.replay(t); return null; });
            got[i] = e.costs();
        }
        assertThat(got[0]).isEqualTo(got[1]);
        assertThat(got[0].transitions()).isEqualTo(3);
    }

    @Test
    void closingThePlatformDestroysEveryEnclave() {
        EmulatedSgxPlatform p = platform();
        Enclave a = p.create("a", PAGE), b = p.create("b", PAGE);
        assertThat(p.committedBytes()).isEqualTo(6 * PAGE);
        p.close();
        assertThat(a.destroyed()).isTrue();
        assertThat(b.destroyed()).isTrue();
        assertThat(p.committedBytes()).isZero();
        assertThat(p.costs().buildNanos()).isEqualTo(6 * 31_250); // totals survive the enclaves
    }
}
