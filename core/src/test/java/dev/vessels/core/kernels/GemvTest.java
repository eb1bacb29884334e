package dev.vessels.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vessels.core.exec.Parallel;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class GemvTest {
    private static final Parallel TWO = new Parallel(2);

    @AfterContainer
    static void closePool() {
        TWO.close();
    }

    @Property(tries = 200)
    void fastMatchesPlain(@ForAll @IntRange(min = 1, max = 70) int m, @ForAll @IntRange(min = 1, max = 1200) int k,
                          @ForAll @IntRange(min = 0, max = 9) int wOff, @ForAll @IntRange(min = 0, max = 9) int xOff,
                          @ForAll @IntRange(min = 0, max = 9) int yOff, @ForAll boolean twoThreads, @ForAll long seed) {
        float[] w = KernelData.uniform(seed, wOff + m * k + 2, 1f);
        float[] x = KernelData.uniform(seed + 1, xOff + k + 2, 1f);
        float[] fast = KernelData.uniform(seed + 2, yOff + m + 2, 1f), ref = fast.clone(), before = fast.clone();
        Gemv.gemv(m, k, w, wOff, x, xOff, fast, yOff, twoThreads ? TWO : Parallel.SERIAL);
        Gemv.gemvPlain(m, k, w, wOff, x, xOff, ref, yOff);
        for (int i = 0; i < fast.length; i++) {
            if (i < yOff || i >= yOff + m) {
                assertThat(fast[i]).as("y[%d] outside the output", i).isEqualTo(before[i]);
                continue;
            }
            double mag = 0;
            for (int p = 0; p < k; p++) mag += Math.abs(w[wOff + (i - yOff) * k + p] * x[xOff + p]);
            assertThat((double) fast[i]).isCloseTo(ref[i], Offset.offset(1e-5 * mag + 1e-30));
        }
    }

    /** W read in place from a segment of little-endian floats (a mapped weights file): the same bits. */
    @Property(tries = 100)
    void segmentWIsBitIdenticalToArrayW(@ForAll @IntRange(min = 1, max = 70) int m, @ForAll @IntRange(min = 1, max = 1200) int k,
                                        @ForAll @IntRange(min = 0, max = 9) int wIdx, @ForAll @IntRange(min = 0, max = 9) int xOff,
                                        @ForAll boolean twoThreads, @ForAll long seed) {
        float[] w = KernelData.uniform(seed, wIdx + m * k + 2, 1f);
        float[] x = KernelData.uniform(seed + 1, xOff + k + 2, 1f);
        float[] fromArray = new float[m + 1], fromSegment = new float[m + 1];
        Parallel par = twoThreads ? TWO : Parallel.SERIAL;
        Gemv.gemv(m, k, w, wIdx, x, xOff, fromArray, 1, par);
        // Shared: with two threads the pool's worker reads the segment too (a confined arena threw
        // WrongThreadException whenever the split ran on the worker).
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared()) {
            // a byte buffer's order, not the machine's: the file's floats are little-endian
            java.lang.foreign.MemorySegment seg = arena.allocate((long) w.length * Float.BYTES);
            java.lang.foreign.ValueLayout.OfFloat le = java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED
                    .withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < w.length; i++) seg.set(le, (long) i * Float.BYTES, w[i]);
            Gemv.gemv(m, k, seg, wIdx, x, xOff, fromSegment, 1, par);
        }
        assertThat(fromSegment).isEqualTo(fromArray);
    }

    @Test
    void bitIdenticalAcrossThreadsAndRowChunks() {
        // The connected layer streams weight rows in chunks: any chunking and thread count, same bits.
        int m = 203, k = 1031;
        float[] w = KernelData.uniform(1, m * k, 1f), x = KernelData.uniform(2, k, 1f);
        float[] whole = new float[m];
        Gemv.gemv(m, k, w, 0, x, 0, whole, 0, Parallel.SERIAL);
        for (int run = 0; run < 3; run++) {
            float[] two = new float[m];
            Gemv.gemv(m, k, w, 0, x, 0, two, 0, TWO);
            assertThat(two).isEqualTo(whole);
        }
        float[] chunked = new float[m];
        for (int r0 = 0; r0 < m; r0 += 7) {
            int rows = Math.min(7, m - r0);
            Gemv.gemv(rows, k, w, r0 * k, x, 0, chunked, r0, TWO);
        }
        assertThat(chunked).isEqualTo(whole);
    }
}
