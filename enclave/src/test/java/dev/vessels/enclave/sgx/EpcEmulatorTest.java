package dev.vessels.enclave.sgx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class EpcEmulatorTest {
    /** Synchronous reclaim only, count only: the exact policy, no watermark effects. */
    static EpcEmulator emu(int capacity) {
        return new EpcEmulator(new EpcConfig(capacity, 0, 0, EpcConfig.Mode.COUNT_ONLY, SgxCosts.SGX1));
    }

    static void pass(EpcEmulator e, EpcRegion r) {
        for (int p = 0; p < r.pages(); p++) e.touchPages(r, p, p);
    }

    @Test
    void coldStartOfAnEnclaveThatFitsNeverFaults() {
        EpcEmulator e = emu(64);
        EpcRegion r = e.build("a", 40);
        EmulatedEpcStats s = e.stats(r);
        assertThat(s.committedPages()).isEqualTo(40);
        assertThat(s.residentPages()).isEqualTo(40);
        assertThat(s.emulatedEvictions()).isZero();
        assertThat(s.emulatedBuildNanos()).isEqualTo(40 * 31_250); // 8 ms/MiB = 31.25 µs per page
        pass(e, r);
        assertThat(e.stats(r).emulatedFaults()).isZero();
        assertThat(e.freePages()).isEqualTo(24);
    }

    @Test
    void buildingPastCapacityEvictsItsFirstPagesInBatchesOf16() {
        EpcEmulator e = emu(64);
        EpcRegion r = e.build("big", 100);
        // pages 64, 80, 96 each find the EPC full: 0..15, 16..31, 32..47 go (never accessed: no second chance)
        EmulatedEpcStats s = e.stats(r);
        assertThat(s.emulatedEvictions()).isEqualTo(48);
        assertThat(s.emulatedEvictionsCaused()).isEqualTo(48);
        assertThat(s.residentPages()).isEqualTo(52);
        assertThat(e.freePages()).isEqualTo(12);
        assertThat(s.emulatedFaults()).isZero();
        // 100 × 31,250 ns + 48 EWBs × 20,000 cycles at 3.5 GHz
        assertThat(s.emulatedBuildNanos()).isEqualTo(3_125_000 + Math.round(48 * 20_000 / 3.5));
        assertThat(s.emulatedPagingNanos()).isZero();
        for (int p = 0; p < 48; p++) assertThat(e.resident(r, p)).isFalse();
        for (int p = 48; p < 100; p++) assertThat(e.resident(r, p)).isTrue();
    }

    @Test
    void workingSetOfExactlyTheCapacityNeverFaultsAfterBuild() {
        EpcEmulator e = emu(64);
        EpcRegion r = e.build("a", 64);
        for (int i = 0; i < 5; i++) pass(e, r);
        assertThat(e.stats(r).emulatedFaults()).isZero();
        assertThat(e.stats(r).emulatedEvictions()).isZero();
    }

    @Test
    void oneBatchOfSixteenIsEvictedEvenWhenOnePageIsNeeded() {
        EpcEmulator e = emu(32);
        EpcRegion a = e.build("a", 32);
        EpcRegion b = e.build("b", 1);
        assertThat(e.stats(a).emulatedEvictions()).isEqualTo(16);
        assertThat(e.stats(b).emulatedEvictionsCaused()).isEqualTo(16);
        assertThat(e.freePages()).isEqualTo(15);
        for (int p = 0; p < 16; p++) assertThat(e.resident(a, p)).isFalse();
        for (int p = 16; p < 32; p++) assertThat(e.resident(a, p)).isTrue();
    }

    @Test
    void recentlyAccessedPageGetsASecondChance() {
        EpcEmulator e = emu(32);
        EpcRegion a = e.build("a", 32);
        e.touch(a, 3 * 4096 + 100, 10, false); // page 3 only
        EpcRegion b = e.build("b", 1);
        assertThat(e.resident(a, 3)).isTrue();
        assertThat(e.stats(a).emulatedEvictions()).isEqualTo(15);
        assertThat(e.freePages()).isEqualTo(14);
        // its bit was cleared and it moved to the tail: behind 16..31 and b's page
        EpcRegion c = e.build("c", 15);
        assertThat(e.resident(a, 3)).isTrue(); // 14 free pages + 16..31 reclaimed first
        EpcRegion d = e.build("d", 17);
        assertThat(e.resident(a, 3)).isFalse();
        assertThat(e.resident(b, 0)).isFalse();
        assertThat(c.pages() + d.pages()).isEqualTo(32);
    }

    @Test
    void justOverCapacityEveryPageFaultsOnEveryPass() {
        EpcEmulator e = emu(16);
        EpcRegion r = e.build("a", 17); // page 16's EADD evicts all 16 others
        assertThat(e.stats(r).emulatedEvictions()).isEqualTo(16);
        long[] faults = new long[4], evictions = new long[4];
        for (int i = 0; i < 4; i++) {
            EmulatedEpcStats before = e.stats(r);
            pass(e, r);
            faults[i] = e.stats(r).emulatedFaults() - before.emulatedFaults();
            evictions[i] = e.stats(r).emulatedEvictions() - before.emulatedEvictions();
        }
        // derived by hand: a sequential scan one page larger than the EPC defeats second chance
        assertThat(faults).containsExactly(17, 17, 17, 17);
        // pass 1: page 15 evicts page 16 (0..14 get second chances), page 16 evicts 0..14; later
        // passes likewise evict one batch's worth per pass while the resident tail grows by a page
        assertThat(evictions[0]).isEqualTo(16);
        assertThat(evictions[1]).isEqualTo(16);
        assertThat(evictions[2]).isEqualTo(16);
        assertThat(e.stats(r).emulatedPageSwaps()).isEqualTo(68);
        assertThat(e.stats(r).emulatedBytesPagedIn()).isEqualTo(68 * 4096);
        // paging time: 68 ELDU + (31+16+16+evictions[3]) EWB after the build, 20,000 cycles each at 3.5 GHz
        long ewb = evictions[0] + evictions[1] + evictions[2] + evictions[3];
        assertThat(e.stats(r).emulatedPagingNanos()).isEqualTo(Math.round((68 + ewb) * 20_000 / 3.5));
    }

    @Test
    void linuxWatermarksKeepFreePagesAndCostAPageOfHeadroom() {
        EpcEmulator e = new EpcEmulator(new EpcConfig(128, 32, 64, EpcConfig.Mode.COUNT_ONLY, SgxCosts.SGX1));
        EpcRegion fits = e.build("fits", 96); // leaves exactly 32 free: the reclaimer does not wake
        pass(e, fits);
        pass(e, fits);
        assertThat(e.stats(fits).emulatedEvictions()).isZero();
        assertThat(e.stats(fits).emulatedFaults()).isZero();
        e.destroy(fits);
        assertThat(e.freePages()).isEqualTo(128);

        EpcRegion over = e.build("over", 97); // 31 free after the last EADD: reclaim to >= 64 free
        assertThat(e.stats(over).emulatedEvictions()).isEqualTo(48);
        assertThat(e.freePages()).isEqualTo(79);
        pass(e, over);
        // hand-derived: 0..47 fault into free pages; the 48th leaves 31 free, so 48..95 are
        // reclaimed, fault back, and push the reclaimer through two passes of second chances
        assertThat(e.stats(over).emulatedFaults()).isEqualTo(97);
        assertThat(e.stats(over).emulatedEvictions()).isEqualTo(48 + 96);
    }

    @Test
    void twoEnclavesCompete() {
        EpcEmulator e = emu(64);
        EpcRegion a = e.build("a", 40);
        pass(e, a); // a's pages all accessed
        EpcRegion b = e.build("b", 40);
        // b0..23 take the free frames; then a's accessed pages get second chances and b's own
        // unaccessed early pages are the victims: b0..7, then b8..23
        assertThat(e.stats(b).emulatedEvictions()).isEqualTo(24);
        assertThat(e.stats(a).emulatedEvictions()).isZero();
        assertThat(e.freePages()).isEqualTo(8);
        pass(e, b);
        assertThat(e.stats(b).emulatedFaults()).isEqualTo(24);
        assertThat(e.stats(a).emulatedEvictions()).isEqualTo(16); // a0..15: their second chance used up
        assertThat(e.stats(b).emulatedEvictionsCaused()).isEqualTo(24 + 16);
        pass(e, a);
        assertThat(e.stats(a).emulatedFaults()).isEqualTo(40);
        assertThat(e.stats(a).emulatedEvictionsCaused()).isEqualTo(48);
        assertThat(e.stats(a).emulatedEvictions()).isEqualTo(16 + 24);
        assertThat(e.stats(b).emulatedEvictions()).isEqualTo(24 + 24);
        EmulatedEpcStats g = e.stats();
        assertThat(g.emulatedFaults()).isEqualTo(64);
        assertThat(g.emulatedEvictions()).isEqualTo(88);
        assertThat(g.residentPages()).isEqualTo(56);
        assertThat(g.committedPages()).isEqualTo(80);
        e.destroy(b);
        assertThat(e.stats().committedPages()).isEqualTo(40);
        assertThat(e.freePages()).isEqualTo(64 - e.stats(a).residentPages());
        assertThatThrownBy(() -> e.touchPages(b, 0, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void transitionsAreCountedAndCosted() {
        EpcEmulator e = emu(16);
        EpcRegion r = e.build("a", 1);
        e.transition(r, 3);
        assertThat(e.stats(r).emulatedTransitions()).isEqualTo(3);
        assertThat(e.stats(r).emulatedTransitionNanos()).isEqualTo(Math.round(3 * 17_000 / 3.5));
        assertThat(e.stats(r).toString()).startsWith("emulated EPC:").endsWith("(emulated)");
    }

    @Test
    void accessesOutsideTheRegionAreRejected() {
        EpcEmulator e = emu(16);
        EpcRegion r = e.build("a", 2);
        assertThatThrownBy(() -> e.touch(r, 8000, 200, true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside its 8192 bytes");
        e.touch(r, 8000, 192, true); // last byte of the last page is fine
        e.touch(r, 5, 0, false);     // empty access touches nothing
    }

    /** A random multi-enclave trace: (op, enclave, page) triples. */
    static List<int[]> trace(long seed, int enclaves, int maxPages, int ops) {
        Random r = new Random(seed);
        List<int[]> t = new ArrayList<>();
        for (int i = 0; i < ops; i++) {
            int en = r.nextInt(enclaves);
            // mostly sequential sweeps with some random accesses, like layer-by-layer execution
            t.add(new int[]{r.nextInt(10) == 0 ? 1 : 0, en, r.nextInt(maxPages)});
        }
        return t;
    }

    static long[] run(EpcEmulator e, int[] sizes, List<int[]> trace) {
        EpcRegion[] regions = new EpcRegion[sizes.length];
        for (int i = 0; i < sizes.length; i++) regions[i] = e.build("e" + i, sizes[i]);
        for (int[] op : trace) {
            EpcRegion r = regions[op[1]];
            int p = op[2] % r.pages();
            if (op[0] == 1) {
                e.touchPages(r, 0, r.pages() - 1);
            } else {
                e.touchPages(r, p, p);
            }
        }
        long[] out = new long[sizes.length * 3];
        for (int i = 0; i < sizes.length; i++) {
            EmulatedEpcStats s = e.stats(regions[i]);
            out[3 * i] = s.emulatedFaults();
            out[3 * i + 1] = s.emulatedEvictions();
            out[3 * i + 2] = s.residentPages();
        }
        return out;
    }

    @Test
    void sameTraceTwiceGivesTheSameCounts() {
        int[] sizes = {50, 70, 30};
        List<int[]> t = trace(7, 3, 70, 3000);
        long[] first = run(emu(100), sizes, t), second = run(emu(100), sizes, t);
        assertThat(first).isEqualTo(second);
        assertThat(first[0] + first[3] + first[6]).as("the trace does page").isPositive();
    }

    @Property(tries = 60)
    void agreesWithANaiveReferenceImplementation(@ForAll @IntRange(min = 16, max = 120) int capacity,
                                                 @ForAll @IntRange(min = 1, max = 3) int enclaves,
                                                 @ForAll long seed, @ForAll boolean watermarks) {
        Random r = new Random(seed);
        int[] sizes = new int[enclaves];
        for (int i = 0; i < enclaves; i++) sizes[i] = 1 + r.nextInt(capacity);
        int low = watermarks ? capacity / 8 : 0, high = watermarks ? capacity / 4 : 0;
        List<int[]> t = trace(seed, enclaves, capacity, 400);
        long[] got = run(new EpcEmulator(new EpcConfig(capacity, low, high, EpcConfig.Mode.COUNT_ONLY, SgxCosts.SGX1)),
                sizes, t);
        ReferenceEpc ref = new ReferenceEpc(capacity, low, high);
        for (int i = 0; i < enclaves; i++) ref.build(i, sizes[i]);
        for (int[] op : t) {
            int n = sizes[op[1]];
            if (op[0] == 1) {
                for (int p = 0; p < n; p++) ref.touch(op[1], p);
            } else {
                ref.touch(op[1], op[2] % n);
            }
        }
        for (int i = 0; i < enclaves; i++) {
            int resident = 0;
            for (int p = 0; p < sizes[i]; p++) if (ref.resident(i, p)) resident++;
            assertThat(new long[]{got[3 * i], got[3 * i + 1], got[3 * i + 2]}).as("enclave %d", i)
                    .containsExactly(ref.counts.get(i)[0], ref.counts.get(i)[1], resident);
        }
    }

    @Test
    void concurrentEnclavesKeepTheBooksConsistent() throws Exception {
        EpcEmulator e = emu(200);
        EpcRegion a = e.build("a", 150), b = e.build("b", 150);
        Thread ta = Thread.ofPlatform().start(() -> { for (int i = 0; i < 20; i++) pass(e, a); });
        Thread tb = Thread.ofPlatform().start(() -> { for (int i = 0; i < 20; i++) pass(e, b); });
        ta.join();
        tb.join();
        EmulatedEpcStats sa = e.stats(a), sb = e.stats(b), g = e.stats();
        assertThat(sa.residentPages() + sb.residentPages()).isEqualTo(g.residentPages()).isLessThanOrEqualTo(200);
        assertThat(g.residentPages() + e.freePages()).isEqualTo(200);
        assertThat(sa.emulatedFaults() + sb.emulatedFaults()).isEqualTo(g.emulatedFaults()).isPositive();
        assertThat(sa.emulatedEvictions() + sb.emulatedEvictions()).isEqualTo(g.emulatedEvictions());
        assertThat(sa.emulatedEvictionsCaused() + sb.emulatedEvictionsCaused()).isEqualTo(g.emulatedEvictions());
        // every page is resident or evicted, and each fault reloaded a page evicted before
        assertThat(sa.emulatedEvictions() - sa.emulatedFaults()).isEqualTo(150 - sa.residentPages());
    }

    @Test
    void realWorkModeCountsTheSameAndSpendsTheEmulatedTime() {
        EpcConfig cfg = new EpcConfig(16, 0, 0, EpcConfig.Mode.COUNT_ONLY, SgxCosts.SGX1);
        EpcEmulator counting = new EpcEmulator(cfg), working = new EpcEmulator(cfg.withMode(EpcConfig.Mode.REAL_WORK));
        EpcRegion c = counting.build("c", 40), w = working.build("w", 40);
        long t0 = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            pass(counting, c);
            pass(working, w);
        }
        long wall = System.nanoTime() - t0;
        EmulatedEpcStats sc = counting.stats(c), sw = working.stats(w);
        assertThat(sw.emulatedFaults()).isEqualTo(sc.emulatedFaults()).isEqualTo(400);
        assertThat(sw.emulatedEvictions()).isEqualTo(sc.emulatedEvictions());
        // every ELDU decrypted and verified its page's backing copy (a mismatch throws), and the
        // thread was busy for at least the emulated paging time
        assertThat(wall).isGreaterThanOrEqualTo(sw.emulatedPagingNanos());
        working.destroy(w);
    }
}
