package dev.vessels.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.vessels.serve.SchedulerCore.Action;
import dev.vessels.serve.SchedulerCore.Destroy;
import dev.vessels.serve.SchedulerCore.Launch;
import dev.vessels.serve.SchedulerCore.Mode;
import dev.vessels.serve.SchedulerCore.Run;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class SchedulerCoreTest {
    private static final long MB = 1 << 20;

    private static SchedulerCore epc(long bound, int queue, int maxLive, Object... modelNeeds) {
        Map<String, Long> needs = new LinkedHashMap<>();
        for (int i = 0; i < modelNeeds.length; i += 2) needs.put((String) modelNeeds[i], ((Number) modelNeeds[i + 1]).longValue() * MB);
        return new SchedulerCore(Mode.EPC, needs, bound * MB, queue, maxLive);
    }

    @Test
    void reusesAnIdleEnclaveOfTheSameModelInsteadOfLaunching() {
        SchedulerCore s = epc(90, 10, 8, "a", 40);
        assertThat(s.submit(1, "a").actions()).containsExactly(new Launch(1, "a", 40 * MB, 1));
        assertThat(s.completed(1)).isEmpty();
        assertThat(s.submit(2, "a").actions()).containsExactly(new Run(1, 2));
        assertThat(s.committedBytes()).isEqualTo(40 * MB);
    }

    @Test
    void launchesOnlyWhileCommittedPlusNeedFitsTheBoundThenQueuesFifo() {
        SchedulerCore s = epc(90, 10, 8, "a", 40);
        assertThat(s.submit(1, "a").actions()).containsExactly(new Launch(1, "a", 40 * MB, 1));
        assertThat(s.submit(2, "a").actions()).containsExactly(new Launch(2, "a", 40 * MB, 2));
        // 80 + 40 > 90: requests 3 and 4 wait, in order
        assertThat(s.submit(3, "a").actions()).isEmpty();
        assertThat(s.submit(4, "a").actions()).isEmpty();
        assertThat(s.waiting()).containsExactly(3L, 4L);
        assertThat(s.completed(2)).containsExactly(new Run(2, 3));
        assertThat(s.completed(1)).containsExactly(new Run(1, 4));
        assertThat(s.committedBytes()).isEqualTo(80 * MB);
        assertThat(s.peakCommittedBytes()).isEqualTo(80 * MB);
    }

    @Test
    void destroysIdleEnclavesOfOtherModelsLeastRecentlyUsedFirstOnlyAsManyAsNeeded() {
        SchedulerCore s = epc(100, 10, 8, "a", 30, "b", 30, "c", 30, "d", 60);
        s.submit(1, "a");
        s.submit(2, "b");
        s.submit(3, "c");
        s.completed(2); // b idle first (least recently used)
        s.completed(1); // then a
        s.completed(3); // then c
        // d needs 60: 90 committed, so two idle enclaves must go: b then a, never c
        assertThat(s.submit(4, "d").actions()).containsExactly(new Destroy(2), new Destroy(1), new Launch(4, "d", 60 * MB, 4));
        assertThat(s.committedBytes()).isEqualTo(90 * MB);
        assertThat(s.live("c")).isEqualTo(1);
    }

    @Test
    void doesNotDestroyAnythingWhenEvenAllIdleEnclavesWouldNotMakeRoom() {
        SchedulerCore s = epc(100, 10, 8, "a", 50, "b", 30, "d", 60);
        s.submit(1, "a"); // stays busy
        s.submit(2, "b");
        s.completed(2);
        // 50 busy + 60 > 100 even without b: b is kept, d waits
        assertThat(s.submit(3, "d").actions()).isEmpty();
        assertThat(s.live("b")).isEqualTo(1);
        // once a finishes, a and b (LRU: b first) go as needed: destroying b alone leaves 50+60 > 100
        assertThat(s.completed(1)).containsExactly(new Destroy(2), new Destroy(1), new Launch(3, "d", 60 * MB, 3));
    }

    @Test
    void theHeadBlocksLaterRequestsThatCouldRunFifoNeverOvertakes() {
        SchedulerCore s = epc(100, 10, 8, "a", 60, "b", 60, "c", 10);
        s.submit(1, "a");
        assertThat(s.submit(2, "b").actions()).isEmpty(); // 60+60 > 100
        // c would fit (70 <= 100), but b arrived first
        assertThat(s.submit(3, "c").actions()).isEmpty();
        assertThat(s.completed(1)).containsExactly(new Destroy(1), new Launch(2, "b", 60 * MB, 2), new Launch(3, "c", 10 * MB, 3));
    }

    @Test
    void rejectsWhatWouldWaitBeyondTheQueueCapacity() {
        SchedulerCore s = epc(50, 2, 8, "a", 40);
        assertThat(s.submit(1, "a").accepted()).isTrue();  // runs
        assertThat(s.submit(2, "a").accepted()).isTrue();  // waits (1)
        assertThat(s.submit(3, "a").accepted()).isTrue();  // waits (2)
        var r = s.submit(4, "a");
        assertThat(r.accepted()).isFalse();
        assertThat(r.actions()).isEmpty();
        assertThat(s.waiting()).containsExactly(2L, 3L);
    }

    @Test
    void aZeroCapacityQueueStillServesWhatCanStartAtOnce() {
        SchedulerCore s = epc(50, 0, 8, "a", 40);
        assertThat(s.submit(1, "a").accepted()).isTrue();
        assertThat(s.submit(2, "a").accepted()).isFalse();
    }

    @Test
    void aFailedEnclaveReleasesItsCommitAndTheNextRequestGetsANewOne() {
        SchedulerCore s = epc(50, 4, 8, "a", 40);
        s.submit(1, "a");
        s.submit(2, "a");
        assertThat(s.failed(1)).containsExactly(new Launch(2, "a", 40 * MB, 2));
        assertThat(s.committedBytes()).isEqualTo(40 * MB);
        assertThat(s.live()).isEqualTo(1);
    }

    @Test
    void naiveModeLaunchesAnEnclavePerConcurrentRequestWithNoBound() {
        SchedulerCore s = new SchedulerCore(Mode.NAIVE, Map.of("a", 40 * MB), 50 * MB, 4, 8);
        for (long r = 1; r <= 3; r++) assertThat(s.submit(r, "a").actions()).containsExactly(new Launch(r, "a", 40 * MB, r));
        assertThat(s.committedBytes()).isEqualTo(120 * MB);
    }

    @Test
    void maxLiveCapsEnclavesInBothModes() {
        SchedulerCore s = new SchedulerCore(Mode.NAIVE, Map.of("a", MB, "b", MB), 0, 4, 2);
        s.submit(1, "a");
        s.submit(2, "a");
        assertThat(s.submit(3, "b").actions()).isEmpty();
        assertThat(s.completed(1)).containsExactly(new Destroy(1), new Launch(3, "b", MB, 3));
    }

    @Test
    void aModelLargerThanTheBoundIsRefusedUpFront() {
        assertThatThrownBy(() -> epc(50, 4, 8, "big", 60))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("big needs 60.0 MiB");
    }

    @Test
    void aRetriedRequestReleasesItsEnclaveAndGoesBackAheadOfEverythingThatArrivedAfterIt() {
        SchedulerCore s = epc(90, 10, 8, "a", 40);
        s.submit(1, "a");
        s.submit(2, "a");
        s.submit(3, "a"); // waits: 80 + 40 > 90
        // request 1's enclave fails: its 40 MB go, and request 1 runs again, before 3, on a fresh enclave
        assertThat(s.failedRetry(1, 1)).containsExactly(new Launch(3, "a", 40 * MB, 1));
        assertThat(s.waiting()).containsExactly(3L);
        assertThat(s.committedBytes()).isEqualTo(80 * MB);
        // request 2's enclave fails too while 1 is running: 2 is queued again ahead of 3
        s.submit(4, "a");
        assertThat(s.failedRetry(2, 2)).containsExactly(new Launch(4, "a", 40 * MB, 2));
        assertThat(s.waiting()).containsExactly(3L, 4L);
    }

    @Test
    void maxRunningHoldsTheHeadWhileThatManyRunSoIdleEnclavesSurviveForReuse() {
        Map<String, Long> needs = new LinkedHashMap<>(Map.of("a", 20 * MB, "b", 20 * MB));
        SchedulerCore s = new SchedulerCore(Mode.EPC, needs, 90 * MB, 10, 8, 2);
        assertThat(s.submit(1, "a").actions()).containsExactly(new Launch(1, "a", 20 * MB, 1));
        assertThat(s.submit(2, "b").actions()).containsExactly(new Launch(2, "b", 20 * MB, 2));
        // 40 + 20 <= 90 would fit, but two run already: 3 and 4 wait, in order
        assertThat(s.submit(3, "a").actions()).isEmpty();
        assertThat(s.submit(4, "b").actions()).isEmpty();
        // a's enclave is free: request 3 reuses it; no third enclave was ever built
        assertThat(s.completed(1)).containsExactly(new Run(1, 3));
        assertThat(s.completed(2)).containsExactly(new Run(2, 4));
        assertThat(s.live()).isEqualTo(2);
        // naive mode ignores the limit: an enclave per concurrent request
        SchedulerCore n = new SchedulerCore(Mode.NAIVE, needs, 90 * MB, 10, 8, 2);
        n.submit(1, "a");
        n.submit(2, "b");
        assertThat(n.submit(3, "a").actions()).containsExactly(new Launch(3, "a", 20 * MB, 3));
    }

    private static SchedulerCore shared(long bound, int maxRunning, Object... modelNeeds) {
        Map<String, Long> needs = new LinkedHashMap<>();
        for (int i = 0; i < modelNeeds.length; i += 2) needs.put((String) modelNeeds[i], ((Number) modelNeeds[i + 1]).longValue() * MB);
        return new SchedulerCore(Mode.EPC, needs, bound * MB, 10, 8, maxRunning, true);
    }

    @Test
    void sharedEnclavesServeAnotherModelWhoseNeedTheirCommitCoversInsteadOfABuild() {
        SchedulerCore s = shared(90, 2, "big", 60, "small", 10);
        assertThat(s.submit(1, "big").actions()).containsExactly(new Launch(1, "big", 60 * MB, 1));
        assertThat(s.completed(1)).isEmpty();
        // no idle enclave of "small", but the idle 60 MiB one covers its 10 MiB: no build, no destroy
        assertThat(s.submit(2, "small").actions()).containsExactly(new Run(1, 2));
        assertThat(s.live("small")).isEqualTo(1);
        assertThat(s.live("big")).isZero();
        assertThat(s.committedBytes()).isEqualTo(60 * MB);
        assertThat(s.completed(1)).isEmpty();
        // and back: it still commits 60 MiB, enough for "big"
        assertThat(s.submit(3, "big").actions()).containsExactly(new Run(1, 3));
    }

    @Test
    void sharedEnclavesNeverServeAModelNeedingMoreThanTheirCommit() {
        SchedulerCore s = shared(90, 2, "big", 60, "small", 10);
        assertThat(s.submit(1, "big").actions()).containsExactly(new Launch(1, "big", 60 * MB, 1));
        // 60 + 60 > 90: the small one's enclave cannot be built larger than it needs
        assertThat(s.submit(2, "small").actions()).containsExactly(new Launch(2, "small", 10 * MB, 2));
        s.completed(1);
        s.completed(2);
        assertThat(s.submit(3, "big").actions()).containsExactly(new Run(1, 3));
        // a second "big" while the first runs: the idle 10 MiB enclave cannot serve it, and destroying
        // it would not make room (60 + 60 > 90), so it is kept and the request waits
        assertThat(s.submit(4, "big").actions()).isEmpty();
        assertThat(s.waiting()).containsExactly(4L);
        assertThat(s.live("small")).isEqualTo(1);
    }

    @Test
    void aSharedEnclaveIsBuiltForTheLargestNeedThatFitsTheFreeEpc() {
        SchedulerCore s = shared(100, 2, "a", 60, "b", 30, "c", 10);
        // nothing else committed: "c" gets an enclave "a" could use later (60 <= 100)
        assertThat(s.submit(1, "c").actions()).containsExactly(new Launch(1, "c", 60 * MB, 1));
        // 60 committed: 30 fits, 60 does not
        assertThat(s.submit(2, "c").actions()).containsExactly(new Launch(2, "c", 30 * MB, 2));
        assertThat(s.committedBytes()).isEqualTo(90 * MB);
        s.completed(1);
        s.completed(2);
        // both idle enclaves now serve any model without another build
        assertThat(s.submit(3, "a").actions()).containsExactly(new Run(1, 3));
        assertThat(s.submit(4, "b").actions()).containsExactly(new Run(2, 4));
    }

    @Test
    void sharedEnclavesPreferTheirOwnModelThenTheSmallestThatCovers() {
        // naive mode builds every enclave for its model's need, which makes the sizes differ
        Map<String, Long> needs = new LinkedHashMap<>();
        needs.put("a", 50 * MB);
        needs.put("b", 30 * MB);
        needs.put("c", 20 * MB);
        SchedulerCore s = new SchedulerCore(Mode.NAIVE, needs, 0, 10, 8, 4, true);
        assertThat(s.submit(1, "a").actions()).containsExactly(new Launch(1, "a", 50 * MB, 1));
        assertThat(s.submit(2, "b").actions()).containsExactly(new Launch(2, "b", 30 * MB, 2));
        assertThat(s.submit(3, "c").actions()).containsExactly(new Launch(3, "c", 20 * MB, 3));
        s.completed(1);
        s.completed(2);
        s.completed(3);
        // "c" has its own idle enclave (20): taken although the others cover it too
        assertThat(s.submit(4, "c").actions()).containsExactly(new Run(3, 4));
        // no idle "c" left: of the 50 and 30 MiB idle enclaves the 30 MiB one (b's) is the smallest that covers 20
        assertThat(s.submit(5, "c").actions()).containsExactly(new Run(2, 5));
        assertThat(s.live("b")).isZero();
        // "b" now: its own enclave serves c, so the 50 MiB one (a's) serves it
        assertThat(s.submit(6, "b").actions()).containsExactly(new Run(1, 6));
        assertThat(s.live("a")).isZero();
    }

    @Test
    void unsharedEnclavesServeOnlyTheirModel() {
        Map<String, Long> needs = new LinkedHashMap<>(Map.of("big", 60 * MB, "small", 10 * MB));
        SchedulerCore s = new SchedulerCore(Mode.EPC, needs, 90 * MB, 10, 8, 2, false);
        s.submit(1, "big");
        s.completed(1);
        assertThat(s.submit(2, "small").actions()).containsExactly(new Launch(2, "small", 10 * MB, 2));
    }

    @Test
    void aSoloModelTakesEveryRunningSlotAndRunsAloneInArrivalOrder() {
        Map<String, Long> needs = new LinkedHashMap<>();
        needs.put("big", 60 * MB);
        needs.put("small", 10 * MB);
        SchedulerCore s = new SchedulerCore(Mode.EPC, needs, 90 * MB, 10, 8, 2, false, Map.of("big", 2));
        assertThat(s.slotsFor("big")).isEqualTo(2);
        assertThat(s.slotsFor("small")).isEqualTo(1);
        assertThat(s.submit(1, "small").actions()).containsExactly(new Launch(1, "small", 10 * MB, 1));
        // "big" needs both slots: it waits although its EPC would fit (10 + 60 <= 90), and the
        // "small" behind it waits too (FIFO), although a slot is free
        assertThat(s.submit(2, "big").actions()).isEmpty();
        assertThat(s.submit(3, "small").actions()).isEmpty();
        assertThat(s.running()).isEqualTo(1);
        assertThat(s.completed(1)).containsExactly(new Launch(2, "big", 60 * MB, 2));
        assertThat(s.running()).isEqualTo(2);
        assertThat(s.completed(2)).containsExactly(new Run(1, 3));
        assertThat(s.running()).isEqualTo(1);
        assertThatThrownBy(() -> new SchedulerCore(Mode.EPC, needs, 90 * MB, 10, 8, 2, false, Map.of("big", 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slots must be 1..2");
    }

    @Test
    void drainIdleDestroysOnlyIdleEnclaves() {
        SchedulerCore s = epc(100, 4, 8, "a", 10);
        s.submit(1, "a");
        s.submit(2, "a");
        s.completed(2);
        assertThat(s.drainIdle()).containsExactly(new Destroy(2));
        assertThat(s.committedBytes()).isEqualTo(10 * MB);
    }

    // ---- properties over random arrival / completion / failure sequences ----

    /**
     * One step: kind 0..5 = arrival of model (value % models), 6..7 = completion, 8 = failure of busy
     * worker (value % busy), 9 = failure after which the request is retried (if it was not already).
     */
    record Step(int kind, int value) {}

    @Provide
    Arbitrary<List<Step>> steps() {
        return Arbitraries.integers().between(0, 9).flatMap(k -> Arbitraries.integers().between(0, 1000).map(v -> new Step(k, v)))
                .list().ofMinSize(1).ofMaxSize(200);
    }

    @Property(tries = 300)
    void epcNeverAboveBoundServiceIsFifoAndNothingIsLost(@ForAll("steps") List<Step> steps,
                                                         @ForAll @Size(min = 1, max = 5) List<@IntRange(min = 1, max = 100) Integer> needsMb,
                                                         @ForAll @IntRange(min = 100, max = 200) int boundMb,
                                                         @ForAll @IntRange(min = 0, max = 12) int queueCap,
                                                         @ForAll @IntRange(min = 1, max = 8) int maxLive,
                                                         @ForAll @IntRange(min = 1, max = 9) int maxRunning,
                                                         @ForAll boolean naive,
                                                         @ForAll boolean shared,
                                                         @ForAll @Size(5) List<@IntRange(min = 1, max = 3) Integer> slotCounts) {
        Map<String, Long> needs = new LinkedHashMap<>();
        for (int i = 0; i < needsMb.size(); i++) needs.put("m" + i, needsMb.get(i) * MB);
        long bound = boundMb * MB;
        // maxRunning 9: no limit in effect (maxLive <= 8)
        Map<String, Integer> slots = new LinkedHashMap<>();
        for (int i = 0; i < needsMb.size(); i++) slots.put("m" + i, Math.min(maxRunning, slotCounts.get(i)));
        SchedulerCore s = new SchedulerCore(naive ? Mode.NAIVE : Mode.EPC, needs, bound, queueCap, maxLive, maxRunning, shared, slots);
        Sim sim = new Sim(s, needs, bound, naive, shared);
        long nextRequest = 1;
        for (Step st : steps) {
            if (st.kind() <= 5) {
                sim.arrive(nextRequest++, "m" + (st.value() % needs.size()));
            } else if (!sim.busy.isEmpty()) {
                long w = new ArrayList<>(sim.busy.keySet()).get(st.value() % sim.busy.size());
                if (st.kind() <= 7) sim.complete(w);
                else if (st.kind() == 8 || sim.retried.contains(sim.busy.get(w))) sim.fail(w);
                else sim.failRetry(w);
            }
        }
        // Drain: with every running request completing, every accepted request must be served.
        int guard = 0;
        while (!sim.busy.isEmpty()) {
            sim.complete(sim.busy.keySet().iterator().next());
            if (++guard > 10_000) throw new AssertionError("no progress");
        }
        assertThat(s.queueDepth()).as("no request left waiting").isZero();
        assertThat(sim.started).as("every accepted request started once, and once more if retried")
                .hasSize(sim.accepted.size() + sim.retried.size());
        assertThat(new HashSet<>(sim.started)).isEqualTo(new HashSet<>(sim.accepted));
        assertThat(sim.accepted.size() + sim.rejected).isEqualTo(nextRequest - 1);
        List<Long> firstStarts = sim.started.stream().distinct().toList();
        for (int i = 1; i < firstStarts.size(); i++) {
            assertThat(firstStarts.get(i)).as("FIFO service order").isGreaterThan(firstStarts.get(i - 1));
        }
    }

    /** Replays actions like the runner would, checking the invariants on its own books. */
    private static final class Sim {
        final SchedulerCore s;
        final Map<String, Long> needs;
        final long bound;
        final boolean naive;
        final boolean shared;
        final Map<Long, Long> busy = new LinkedHashMap<>();   // worker -> request
        final Map<Long, String> modelOf = new HashMap<>();    // request -> model
        final Map<Long, String> serving = new HashMap<>();    // worker -> model it serves now
        final Map<Long, Long> liveNeed = new HashMap<>();     // worker -> committed bytes
        final Set<Long> idle = new HashSet<>();
        final List<Long> started = new ArrayList<>();
        final List<Long> accepted = new ArrayList<>();
        final Set<Long> waiting = new HashSet<>();  // accepted or retried, not (re)started yet
        final Set<Long> retried = new HashSet<>();
        int rejected;

        Sim(SchedulerCore s, Map<String, Long> needs, long bound, boolean naive, boolean shared) {
            this.s = s;
            this.needs = needs;
            this.bound = bound;
            this.naive = naive;
            this.shared = shared;
        }

        void arrive(long request, String model) {
            modelOf.put(request, model);
            int depthBefore = s.queueDepth();
            var a = s.submit(request, model);
            if (a.accepted()) {
                accepted.add(request);
                waiting.add(request);
            } else {
                rejected++;
                assertThat(depthBefore).as("only rejected when the queue is full").isGreaterThanOrEqualTo(s.queueCapacity());
            }
            apply(a.actions());
        }

        void complete(long w) {
            busy.remove(w);
            idle.add(w);
            apply(s.completed(w));
        }

        void fail(long w) {
            busy.remove(w);
            liveNeed.remove(w);
            apply(s.failed(w));
        }

        void failRetry(long w) {
            long request = busy.remove(w);
            liveNeed.remove(w);
            retried.add(request);
            waiting.add(request);
            apply(s.failedRetry(w, request));
        }

        /** A request (re)starts: nothing that arrived before it may still be waiting (FIFO, retries included). */
        void starts(long request) {
            assertThat(waiting.remove(request)).as("starts only a waiting request").isTrue();
            for (long q : waiting) assertThat(q).as("request " + request + " overtakes waiting " + q).isGreaterThan(request);
            started.add(request);
        }

        void apply(List<Action> actions) {
            for (Action a : actions) {
                switch (a) {
                    case Launch l -> {
                        assertThat(liveNeed).doesNotContainKey(l.worker());
                        liveNeed.put(l.worker(), l.need());
                        if (shared && !naive) {
                            assertThat(l.need()).as("a shared enclave is built for a model's need, its own or a larger one's")
                                    .isGreaterThanOrEqualTo(needs.get(l.model())).isIn(needs.values());
                        } else {
                            assertThat(l.need()).isEqualTo(needs.get(l.model()));
                        }
                        assertThat(l.model()).as("launched for its request's model").isEqualTo(modelOf.get(l.request()));
                        serving.put(l.worker(), l.model());
                        busy.put(l.worker(), l.request());
                        starts(l.request());
                    }
                    case Run r -> {
                        assertThat(idle.remove(r.worker())).as("runs only on an idle enclave").isTrue();
                        String model = modelOf.get(r.request());
                        if (!model.equals(serving.get(r.worker()))) {
                            assertThat(shared).as("an enclave serves another model only when enclaves are shared").isTrue();
                            assertThat(liveNeed.get(r.worker())).as("a shared enclave's commit covers the model it switches to")
                                    .isGreaterThanOrEqualTo(needs.get(model));
                            serving.put(r.worker(), model);
                        }
                        busy.put(r.worker(), r.request());
                        starts(r.request());
                    }
                    case Destroy d -> {
                        assertThat(idle.remove(d.worker())).as("destroys only idle enclaves").isTrue();
                        liveNeed.remove(d.worker());
                    }
                }
                long sum = liveNeed.values().stream().mapToLong(Long::longValue).sum();
                if (!naive) assertThat(sum).as("committed EPC <= bound at every step").isLessThanOrEqualTo(bound);
                if (!naive) {
                    int taken = busy.values().stream().mapToInt(r -> s.slotsFor(modelOf.get(r))).sum();
                    assertThat(taken).as("running slots <= maxRunning").isLessThanOrEqualTo(s.maxRunning());
                }
                assertThat(liveNeed.size()).isLessThanOrEqualTo(s.maxLive());
            }
            assertThat(liveNeed.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(s.committedBytes());
        }
    }
}
