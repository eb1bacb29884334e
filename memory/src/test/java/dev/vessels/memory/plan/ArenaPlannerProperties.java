package dev.vessels.memory.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import dev.vessels.memory.plan.ArenaPlanner.Placement;
import dev.vessels.memory.plan.ArenaPlanner.Request;

/** Placement invariants over random lifetime/size sets. */
class ArenaPlannerProperties {
    @Provide
    Arbitrary<List<Request>> requests() {
        Arbitrary<Request> one = Combinators.combine(
                Arbitraries.longs().between(0, 5000),
                Arbitraries.integers().between(0, 30),
                Arbitraries.integers().between(0, 12))
                .as((size, first, len) -> new Request(size, first, first + len));
        return one.list().ofMinSize(0).ofMaxSize(60);
    }

    @Property(tries = 500)
    void liveBuffersNeverOverlap(@ForAll("requests") List<Request> reqs) {
        Placement p = ArenaPlanner.place(reqs);
        for (int i = 0; i < reqs.size(); i++) {
            for (int j = i + 1; j < reqs.size(); j++) {
                Request a = reqs.get(i), b = reqs.get(j);
                boolean together = a.first() <= b.last() && b.first() <= a.last();
                boolean disjoint = p.offsets()[i] + a.floats() <= p.offsets()[j] || p.offsets()[j] + b.floats() <= p.offsets()[i];
                if (together && a.floats() > 0 && b.floats() > 0) {
                    assertThat(disjoint).as("%s at %d and %s at %d", a, p.offsets()[i], b, p.offsets()[j]).isTrue();
                }
            }
        }
    }

    @Property(tries = 500)
    void arenaIsBetweenTheLowerBoundAndTheSumOfAlignedSizes(@ForAll("requests") List<Request> reqs) {
        Placement p = ArenaPlanner.place(reqs);
        long sum = reqs.stream().mapToLong(r -> ArenaPlanner.align(r.floats(), ArenaPlanner.ALIGN_FLOATS)).sum();
        assertThat(p.arenaFloats()).isGreaterThanOrEqualTo(p.lowerBoundFloats()).isLessThanOrEqualTo(sum);
        assertThat(p.alignedSumFloats()).isEqualTo(sum);
        for (int i = 0; i < reqs.size(); i++) {
            assertThat(p.offsets()[i] % ArenaPlanner.ALIGN_FLOATS).isZero();
            assertThat(p.offsets()[i] + reqs.get(i).floats()).isLessThanOrEqualTo(p.arenaFloats());
        }
    }

    @Property(tries = 200)
    void lowerBoundIsTheLargestLiveSum(@ForAll("requests") List<Request> reqs) {
        long best = 0;
        for (int s = 0; s <= 42; s++) {
            long live = 0;
            for (Request r : reqs) if (r.first() <= s && s <= r.last()) live += r.floats();
            best = Math.max(best, live);
        }
        assertThat(ArenaPlanner.lowerBound(reqs)).isEqualTo(best);
    }
}
