package dev.vessels.core.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

import dev.vessels.core.exec.Parallel;

/**
 * One convolution (stride 1, "same" padding) with its weights from a float[] and from a mapped
 * file (as the vessels executor reads them), alternated in one JVM, the weights rotating over
 * {@code COPIES} copies so they come cold from memory as in a network, and from the mapping once
 * more with {@link Gemm#segmentDirect} off (packed): what decided it (speed pass 15). The switch
 * only acts below 96 columns: above, the mapped weights are packed either way. Median of 40 calls after 20, the third round printed;
 * the two results must be the same bits.
 * {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar dev.vessels.core.kernels.SegmentAProbe FILTERS CHANNELS SIDE KSIZE THREADS COPIES}
 * (e.g. {@code 1024 512 8 3 2 6}: Darknet53's 3×3 convolutions at 8×8).
 */
public final class SegmentAProbe {
    public static void main(String[] args) throws Exception {
        int m = Integer.parseInt(args[0]), c = Integer.parseInt(args[1]), side = Integer.parseInt(args[2]);
        int ks = Integer.parseInt(args[3]), threads = Integer.parseInt(args[4]), copies = Integer.parseInt(args[5]);
        int pad = ks / 2;
        ConvGeometry g = new ConvGeometry(c, side, side, ks, ks, 1, 1, pad, pad, side, side);
        int k = g.k(), n = g.n(), per = m * k;
        Random r = new Random(1);
        float[][] arrays = new float[copies][per];
        Path file = Files.createTempFile("segment-a-probe", ".bin");
        try (Arena arena = Arena.ofShared()) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ByteBuffer bb = ByteBuffer.allocate(per * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                for (float[] a : arrays) {
                    bb.clear();
                    for (int j = 0; j < per; j++) {
                        a[j] = r.nextFloat() - 0.5f;
                        bb.putFloat(a[j]);
                    }
                    bb.flip();
                    while (bb.hasRemaining()) ch.write(bb);
                }
            }
            MemorySegment seg;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, (long) per * Float.BYTES * copies, arena);
            }
            float[] im = new float[c * side * side], y = new float[m * n], y2 = new float[m * n];
            for (int i = 0; i < im.length; i++) im[i] = r.nextFloat();
            try (Parallel par = new Parallel(threads)) {
                Parallel p = threads == 1 ? null : par;
                for (int round = 0; round < 3; round++) {
                    for (int v = 0; v < 3; v++) {
                        Gemm.segmentDirectOn = v != 2;
                        long[] t = new long[60];
                        for (int i = 0; i < t.length; i++) {
                            int cp = i % copies;
                            long t0 = System.nanoTime();
                            if (v == 0) Gemm.conv(m, arrays[cp], 0, k, g, im, 0, y, 0, n, false, p);
                            else Gemm.conv(m, seg, cp * per, k, g, im, 0, y2, 0, n, false, p, null, 0);
                            t[i] = System.nanoTime() - t0;
                        }
                        long[] q = Arrays.copyOfRange(t, 20, 60);
                        Arrays.sort(q);
                        if (round == 2) {
                            System.out.printf(Locale.ROOT, "%d filters, %d channels, %dx%d, %dx%d kernel, %d thread(s), weights %s: %.3f ms (%.0f GFLOP/s)%n",
                                    m, c, side, side, ks, ks, threads, v == 0 ? "float[]" : v == 1 ? "mapped, read in place" : "mapped, packed (segmentDirect=false)", q[20] / 1e6, 2.0 * m * n * k / q[20]);
                        }
                    }
                }
            }
            System.out.println("same bits: " + Arrays.equals(y, y2));
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
