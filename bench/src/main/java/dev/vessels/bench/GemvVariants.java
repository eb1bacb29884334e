package dev.vessels.bench;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Variants of Gemv's segment kernel, for {@link GemvMapProbe} only (speed; the lane sums are
 * left out, they do not matter to the time): which form of the loop C2 compiles best.
 */
final class GemvVariants {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private GemvVariants() {}

    /** Four rows at a time, each row a slice of the segment, a long-counted loop over its bytes. */
    static void rowsSliced(int lo, int hi, int k, MemorySegment w, int wIdx, float[] x, int xOff, float[] y, int yOff) {
        int kv = k / (2 * L) * (2 * L);
        long rowBytes = (long) k * Float.BYTES, vb = (long) L * Float.BYTES, kvb = (long) kv * Float.BYTES;
        for (int i = lo; i + 4 <= hi; i += 4) {
            long w0 = ((long) wIdx + (long) i * k) * Float.BYTES;
            MemorySegment r0 = w.asSlice(w0, kvb), r1 = w.asSlice(w0 + rowBytes, kvb), r2 = w.asSlice(w0 + 2 * rowBytes, kvb),
                    r3 = w.asSlice(w0 + 3 * rowBytes, kvb);
            FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
            FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S), b2 = FloatVector.zero(S), b3 = FloatVector.zero(S);
            int p = xOff;
            for (long pb = 0; pb < kvb; pb += 2 * vb, p += 2 * L) {
                FloatVector xv = FloatVector.fromArray(S, x, p);
                FloatVector xu = FloatVector.fromArray(S, x, p + L);
                a0 = FloatVector.fromMemorySegment(S, r0, pb, ByteOrder.LITTLE_ENDIAN).fma(xv, a0);
                a1 = FloatVector.fromMemorySegment(S, r1, pb, ByteOrder.LITTLE_ENDIAN).fma(xv, a1);
                a2 = FloatVector.fromMemorySegment(S, r2, pb, ByteOrder.LITTLE_ENDIAN).fma(xv, a2);
                a3 = FloatVector.fromMemorySegment(S, r3, pb, ByteOrder.LITTLE_ENDIAN).fma(xv, a3);
                b0 = FloatVector.fromMemorySegment(S, r0, pb + vb, ByteOrder.LITTLE_ENDIAN).fma(xu, b0);
                b1 = FloatVector.fromMemorySegment(S, r1, pb + vb, ByteOrder.LITTLE_ENDIAN).fma(xu, b1);
                b2 = FloatVector.fromMemorySegment(S, r2, pb + vb, ByteOrder.LITTLE_ENDIAN).fma(xu, b2);
                b3 = FloatVector.fromMemorySegment(S, r3, pb + vb, ByteOrder.LITTLE_ENDIAN).fma(xu, b3);
            }
            y[yOff + i] = a0.add(b0).lane(0);
            y[yOff + i + 1] = a1.add(b1).lane(0);
            y[yOff + i + 2] = a2.add(b2).lane(0);
            y[yOff + i + 3] = a3.add(b3).lane(0);
        }
    }

    /** Two rows at a time, the current kernel's loads otherwise. */
    static void rows2(int lo, int hi, int k, MemorySegment w, int wIdx, float[] x, int xOff, float[] y, int yOff) {
        int kv = k / (2 * L) * (2 * L);
        long rowBytes = (long) k * Float.BYTES, vb = (long) L * Float.BYTES;
        for (int i = lo; i + 2 <= hi; i += 2) {
            long w0 = ((long) wIdx + (long) i * k) * Float.BYTES, w1 = w0 + rowBytes;
            FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), b0 = FloatVector.zero(S), b1 = FloatVector.zero(S);
            for (int p = 0; p < kv; p += 2 * L) {
                long pb = (long) p * Float.BYTES;
                FloatVector xv = FloatVector.fromArray(S, x, xOff + p);
                FloatVector xu = FloatVector.fromArray(S, x, xOff + p + L);
                a0 = FloatVector.fromMemorySegment(S, w, w0 + pb, ByteOrder.LITTLE_ENDIAN).fma(xv, a0);
                a1 = FloatVector.fromMemorySegment(S, w, w1 + pb, ByteOrder.LITTLE_ENDIAN).fma(xv, a1);
                b0 = FloatVector.fromMemorySegment(S, w, w0 + pb + vb, ByteOrder.LITTLE_ENDIAN).fma(xu, b0);
                b1 = FloatVector.fromMemorySegment(S, w, w1 + pb + vb, ByteOrder.LITTLE_ENDIAN).fma(xu, b1);
            }
            y[yOff + i] = a0.add(b0).lane(0);
            y[yOff + i + 1] = a1.add(b1).lane(0);
        }
    }

    static final int CH = 2048;
    private static final ThreadLocal<float[]> BUF = ThreadLocal.withInitial(() -> new float[4 * CH]);
    private static final java.lang.foreign.ValueLayout.OfFloat LE =
            java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Four rows at a time, each CH-column chunk of the four copied into an L1/L2-resident array first. */
    static void rowsCopied(int lo, int hi, int k, MemorySegment w, int wIdx, float[] x, int xOff, float[] y, int yOff) {
        float[] buf = BUF.get();
        int kv = k / (2 * L) * (2 * L);
        long rowBytes = (long) k * Float.BYTES;
        for (int i = lo; i + 4 <= hi; i += 4) {
            long w0 = ((long) wIdx + (long) i * k) * Float.BYTES;
            FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
            FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S), b2 = FloatVector.zero(S), b3 = FloatVector.zero(S);
            for (int c0 = 0; c0 < kv; c0 += CH) {
                int n = Math.min(CH, kv - c0);
                long cb = (long) c0 * Float.BYTES;
                MemorySegment.copy(w, LE, w0 + cb, buf, 0, n);
                MemorySegment.copy(w, LE, w0 + rowBytes + cb, buf, CH, n);
                MemorySegment.copy(w, LE, w0 + 2 * rowBytes + cb, buf, 2 * CH, n);
                MemorySegment.copy(w, LE, w0 + 3 * rowBytes + cb, buf, 3 * CH, n);
                for (int q = 0; q < n; q += 2 * L) {
                    int p = c0 + q;
                    FloatVector xv = FloatVector.fromArray(S, x, xOff + p);
                    FloatVector xu = FloatVector.fromArray(S, x, xOff + p + L);
                    a0 = FloatVector.fromArray(S, buf, q).fma(xv, a0);
                    a1 = FloatVector.fromArray(S, buf, CH + q).fma(xv, a1);
                    a2 = FloatVector.fromArray(S, buf, 2 * CH + q).fma(xv, a2);
                    a3 = FloatVector.fromArray(S, buf, 3 * CH + q).fma(xv, a3);
                    b0 = FloatVector.fromArray(S, buf, q + L).fma(xu, b0);
                    b1 = FloatVector.fromArray(S, buf, CH + q + L).fma(xu, b1);
                    b2 = FloatVector.fromArray(S, buf, 2 * CH + q + L).fma(xu, b2);
                    b3 = FloatVector.fromArray(S, buf, 3 * CH + q + L).fma(xu, b3);
                }
            }
            y[yOff + i] = a0.add(b0).lane(0);
            y[yOff + i + 1] = a1.add(b1).lane(0);
            y[yOff + i + 2] = a2.add(b2).lane(0);
            y[yOff + i + 3] = a3.add(b3).lane(0);
        }
    }
}
