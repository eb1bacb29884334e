package dev.vessels.memory.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Placement, a pure function in the style of TensorFlow Lite's arena planner
 * ({@code SimpleMemoryArena}): buffers with known sizes and lifetimes get offsets in one arena so
 * that two buffers live at the same step never overlap.
 *
 * <p>Greedy best fit by size: buffers are taken largest first (ties: earlier first step, then lower
 * index, so the result is deterministic); each goes into the smallest gap, among the buffers
 * already placed whose lifetimes overlap its own, that holds it; when no gap does, above the
 * highest of them. Offsets and sizes are rounded up to {@code alignFloats} (16 floats = 64 bytes, a
 * cache line and an AVX-512 vector).
 */
public final class ArenaPlanner {
    /** 64 bytes. */
    public static final int ALIGN_FLOATS = 16;

    private ArenaPlanner() {}

    /** A buffer to place: {@code floats} live over steps [first, last] (inclusive). */
    public record Request(long floats, int first, int last) {
        public Request {
            if (floats < 0) throw new IllegalArgumentException("negative size " + floats);
            if (last < first) throw new IllegalArgumentException("lifetime [" + first + ", " + last + "] is empty");
        }

        boolean overlaps(Request o) {
            return first <= o.last && o.first <= last;
        }
    }

    /**
     * @param offsets          offset of each request, in request order (floats, multiples of the alignment)
     * @param arenaFloats      arena size: the highest aligned end
     * @param lowerBoundFloats the largest sum of (unaligned) sizes live at one step: no placement does better
     * @param alignedSumFloats the sum of all aligned sizes: what giving every buffer its own place costs
     */
    public record Placement(long[] offsets, long arenaFloats, long lowerBoundFloats, long alignedSumFloats) {}

    public static long align(long floats, int alignFloats) {
        return (floats + alignFloats - 1) / alignFloats * alignFloats;
    }

    public static Placement place(List<Request> requests) {
        return place(requests, ALIGN_FLOATS);
    }

    public static Placement place(List<Request> requests, int alignFloats) {
        if (alignFloats < 1) throw new IllegalArgumentException("alignment must be >= 1");
        int n = requests.size();
        long[] offsets = new long[n];
        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) order.add(i);
        order.sort(Comparator.<Integer>comparingLong(i -> -requests.get(i).floats())
                .thenComparingInt(i -> requests.get(i).first()).thenComparingInt(i -> i));
        // Placed buffers, kept sorted by offset: the gaps between overlapping ones are the candidates.
        List<Integer> placed = new ArrayList<>(n);
        long arena = 0, alignedSum = 0;
        for (int i : order) {
            Request r = requests.get(i);
            long size = align(r.floats(), alignFloats);
            alignedSum += size;
            long cursor = 0;                  // end of the overlapping buffers seen so far
            long best = -1, bestGap = Long.MAX_VALUE;
            for (int j : placed) {
                Request p = requests.get(j);
                if (!p.overlaps(r)) continue;
                long gap = offsets[j] - cursor;
                if (gap >= size && gap < bestGap) {
                    best = cursor;
                    bestGap = gap;
                }
                cursor = Math.max(cursor, offsets[j] + align(p.floats(), alignFloats));
            }
            if (best < 0) best = cursor;      // no gap holds it: above everything it meets
            offsets[i] = best;
            arena = Math.max(arena, best + size);
            int at = 0;
            while (at < placed.size() && offsets[placed.get(at)] <= best) at++;
            placed.add(at, i);
        }
        return new Placement(offsets, arena, lowerBound(requests), alignedSum);
    }

    /** The largest sum of sizes live at any one step. */
    public static long lowerBound(List<Request> requests) {
        int lo = Integer.MAX_VALUE, hi = Integer.MIN_VALUE;
        for (Request r : requests) {
            lo = Math.min(lo, r.first());
            hi = Math.max(hi, r.last());
        }
        if (requests.isEmpty()) return 0;
        long[] delta = new long[hi - lo + 2]; // sweep: +size at first, -size after last
        for (Request r : requests) {
            delta[r.first() - lo] += r.floats();
            delta[r.last() - lo + 1] -= r.floats();
        }
        long live = 0, best = 0;
        for (int s = 0; s <= hi - lo; s++) {
            live += delta[s];
            best = Math.max(best, live);
        }
        return best;
    }
}
