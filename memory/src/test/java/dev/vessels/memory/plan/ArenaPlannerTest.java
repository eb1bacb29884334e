package dev.vessels.memory.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.vessels.memory.plan.ArenaPlanner.Placement;
import dev.vessels.memory.plan.ArenaPlanner.Request;

/** Placement on hand-built lifetimes, one test per edge case, with exact expected offsets (TFLite style). */
class ArenaPlannerTest {
    static Request r(long floats, int first, int last) {
        return new Request(floats, first, last);
    }

    @Test
    void emptyPlanHasAnEmptyArena() {
        Placement p = ArenaPlanner.place(List.of());
        assertThat(p.arenaFloats()).isZero();
        assertThat(p.lowerBoundFloats()).isZero();
    }

    @Test
    void disjointLifetimesShareOffsetZero() {
        Placement p = ArenaPlanner.place(List.of(r(32, 0, 0), r(32, 1, 1), r(32, 2, 2)));
        assertThat(p.offsets()).containsExactly(0, 0, 0);
        assertThat(p.arenaFloats()).isEqualTo(32);
    }

    @Test
    void overlappingLifetimesStackLargestFirst() {
        Placement p = ArenaPlanner.place(List.of(r(16, 0, 1), r(48, 0, 1), r(32, 1, 1)));
        assertThat(p.offsets()).containsExactly(80, 0, 48);
        assertThat(p.arenaFloats()).isEqualTo(96);
        assertThat(p.lowerBoundFloats()).isEqualTo(96);
    }

    @Test
    void sizesAndOffsetsAreAlignedTo64Bytes() {
        Placement p = ArenaPlanner.place(List.of(r(1, 0, 1), r(17, 0, 1), r(3, 1, 1)));
        // 17 → 32 floats at 0; then the 3 and the 1, each in a 16-float line of its own.
        assertThat(p.offsets()).containsExactly(48, 0, 32);
        assertThat(p.arenaFloats()).isEqualTo(64);
        assertThat(p.lowerBoundFloats()).isEqualTo(21);
        assertThat(p.alignedSumFloats()).isEqualTo(64);
        for (long o : p.offsets()) assertThat(o % ArenaPlanner.ALIGN_FLOATS).isZero();
    }

    @Test
    void aGapLeftByADeadBufferIsReused() {
        // A dies at 1; C, born at 2, takes A's place; B, live throughout, sits above both.
        Placement p = ArenaPlanner.place(List.of(r(32, 0, 1), r(16, 0, 3), r(32, 2, 3)));
        assertThat(p.offsets()).containsExactly(0, 32, 0);
        assertThat(p.arenaFloats()).isEqualTo(48);
    }

    @Test
    void bestFitChoosesTheSmallerOfTwoGaps() {
        // A, M, Z live to step 3; H1 (32 wide) and H2 (16 wide) die at 0 and leave two holes.
        Placement p = ArenaPlanner.place(List.of(
                r(32, 0, 3),   // A  → 0
                r(32, 0, 0),   // H1 → 32
                r(16, 0, 3),   // M  → 64
                r(16, 0, 0),   // H2 → 80
                r(16, 0, 3),   // Z  → 96
                r(16, 3, 3))); // T: first fit would take H1's 32-wide hole; best fit takes H2's exact one
        assertThat(p.offsets()).containsExactly(0, 32, 64, 80, 96, 80);
        assertThat(p.arenaFloats()).isEqualTo(112);
    }

    @Test
    void aBufferThatFitsNoGapGoesAboveEverythingItMeets() {
        Placement p = ArenaPlanner.place(List.of(r(16, 0, 2), r(16, 0, 0), r(16, 0, 2), r(32, 2, 2)));
        // the 32 is placed first at 0; the others stack above it where they overlap it
        assertThat(p.offsets()).containsExactly(32, 0, 48, 0);
        assertThat(p.arenaFloats()).isEqualTo(64);
    }

    @Test
    void tiesAreBrokenByFirstStepThenIndexSoThePlanIsDeterministic() {
        Placement a = ArenaPlanner.place(List.of(r(16, 1, 2), r(16, 0, 2), r(16, 0, 2)));
        assertThat(a.offsets()).containsExactly(32, 0, 16);
    }

    @Test
    void emptyLifetimeIsRejected() {
        assertThatThrownBy(() -> r(16, 3, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r(-1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
