package dev.vessels.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import dev.vessels.core.exec.Parallel;
import dev.vessels.core.kernels.Gemv;
import dev.vessels.core.weights.MappedFile;

/**
 * Why a connected layer read in place from a mapped weights file is slower than the resident GEMV:
 * the same m×k product (VGG16's fc6 by default) timed several ways, interleaved round by round, the
 * median per way. The matrix is the file's bytes from {@code OFFSET} on (any bytes do: only the time
 * is compared).
 * {@code java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseTransparentHugePages
 * -cp benchmarks.jar dev.vessels.bench.GemvMapProbe FILE THREADS ROUNDS WAYS [M K OFFSET]}, WAYS a comma list of
 * <ul>
 * <li>{@code array}: the resident float[] kernel (the baseline executor's);
 * <li>{@code whole}: the segment kernel over the mapping, all rows in one call, never released (mapped once);
 * <li>{@code blocks}: 16 MiB blocks of rows, one call each, never released (the block hand-offs alone);
 * <li>{@code served}: 16 MiB blocks each {@link MappedFile#serveInPlace served} first: the executor's path,
 *     whose releases unmap the rest every 16 MiB so each prediction faults every page in again;
 * <li>{@code split}: the rows split over the threads once, each thread serving its own 4 MiB blocks
 *     (tried in session 8 and reverted: more releases); {@code splitKept} the same without serving (never released);
 * <li>{@code faulted}: all rows in one call, the whole mapping released before (every page faulted in, no
 *     release within);
 * <li>{@code native}: the segment kernel over an off-heap copy (run it in a JVM of its own: a second kind
 *     of segment changes how C2 compiles the kernel).
 * </ul>
 */
public final class GemvMapProbe {
    /**
     * Off-heap memory in transparent huge pages, as the heap (-XX:+UseTransparentHugePages) and the
     * mapped file's page cache are: 2 MiB aligned and marked before it is first touched.
     */
    static MemorySegment huge(Arena arena, long bytes) throws Throwable {
        long pmd = 2L << 20;
        MemorySegment s = arena.allocate(bytes + pmd, 64);
        s = s.asSlice((pmd - s.address() % pmd) % pmd, bytes);
        var linker = java.lang.foreign.Linker.nativeLinker();
        var madvise = linker.downcallHandle(linker.defaultLookup().find("madvise").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.ADDRESS,
                        java.lang.foreign.ValueLayout.JAVA_LONG, java.lang.foreign.ValueLayout.JAVA_INT));
        long len = bytes / pmd * pmd;
        if ((int) madvise.invokeExact(s, len, 14) != 0) System.out.println("MADV_HUGEPAGE refused");
        // Arena.allocate zeroed it, in small pages: drop them, so the copy faults in huge ones
        if ((int) madvise.invokeExact(s, len, 4) != 0) System.out.println("MADV_DONTNEED refused");
        return s;
    }

    public static void main(String[] args) throws Throwable {
        Path file = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        String[] ways = args[3].split(",");
        int m = args.length > 4 ? Integer.parseInt(args[4]) : 4096;
        int k = args.length > 5 ? Integer.parseInt(args[5]) : 25088;
        long offset = args.length > 6 ? Long.parseLong(args[6]) : 20;
        long bytes = (long) m * k * Float.BYTES;
        Parallel par = threads == 1 ? Parallel.SERIAL : new Parallel(threads);
        float[] x = new float[k], y = new float[m];
        Random r = new Random(1);
        for (int i = 0; i < k; i++) x[i] = r.nextFloat() - 0.5f;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofShared()) {
            MappedFile mf = MappedFile.map(file, ch);
            if (mf == null) throw new IllegalStateException("cannot map " + file);
            System.out.println(mf.pageCache());
            MemorySegment seg = mf.segment();
            if (offset % 4 != 0 || offset + bytes > seg.byteSize()) throw new IllegalArgumentException("matrix out of the file");
            int w0 = (int) (offset / 4);
            MemorySegment tiny = arena.allocate(64L * 1024 * Float.BYTES, 64);
            MemorySegment heapTiny = MemorySegment.ofArray(new float[64 * 1024]);
            // the same pages as a plain native segment (not a MappedMemorySegmentImpl): how C2 compiles the kernel for each
            MemorySegment view = MemorySegment.ofAddress(seg.address()).reinterpret(seg.byteSize());
            float[] wa = null;
            MemorySegment nat = null, natB = null;
            List<String> list = Arrays.asList(ways);
            if (list.contains("array")) {
                wa = new float[m * k];
                MemorySegment.copy(seg, java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN),
                        offset, wa, 0, m * k);
            }
            if (list.contains("native")) {
                // -Dshift=B: the matrix B bytes past a 64-byte boundary (the mapped fc6 sits 20 past one)
                long shift = Long.getLong("shift", 0);
                nat = huge(arena, bytes + shift).asSlice(shift, bytes);
                MemorySegment.copy(seg, offset, nat, 0, bytes);
            }
            if (list.contains("nativeB")) { // a second copy, -DshiftB=B bytes past a 64-byte boundary
                long shift = Long.getLong("shiftB", 20);
                natB = huge(arena, bytes + shift).asSlice(shift, bytes);
                MemorySegment.copy(seg, offset, natB, 0, bytes);
            }
            int rowsPerBlock = (int) Math.max(1, (16L << 20) / ((long) k * Float.BYTES));
            long[][] t = new long[ways.length][rounds];
            // One thread: its CPU time (stalls on memory included), which other processes' load disturbs far less
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            java.util.function.LongSupplier clock = threads == 1 ? mx::getCurrentThreadCpuTime : System::nanoTime;
            float check = 0;
            for (int round = 0; round < rounds; round++) {
                for (int wi = 0; wi < ways.length; wi++) {
                    long t0 = clock.getAsLong();
                    switch (ways[wi]) {
                        case "array" -> Gemv.gemv(m, k, wa, 0, x, 0, y, 0, par);
                        case "whole" -> Gemv.gemv(m, k, seg, w0, x, 0, y, 0, par);
                        case "native" -> Gemv.gemv(m, k, nat, 0, x, 0, y, 0, par);
                        case "view" -> Gemv.gemv(m, k, view, w0, x, 0, y, 0, par);
                        // a small product on a second kind of segment (off-heap, not mapped): only its effect on how
                        // C2 compiles the kernel for the others matters (its profile sees two classes)
                        case "tiny" -> Gemv.gemv(64, 1024, tiny, 0, x, 0, y, 0, par);
                        case "heapTiny" -> Gemv.gemv(64, 1024, heapTiny, 0, x, 0, y, 0, par);
                        case "v2" -> par.forRange(m, (lo, hi) -> GemvVariants.rowsSliced(lo, hi, k, seg, w0, x, 0, y, 0));
                        case "r2" -> par.forRange(m, (lo, hi) -> GemvVariants.rows2(lo, hi, k, seg, w0, x, 0, y, 0));
                        case "copied" -> par.forRange(m, (lo, hi) -> GemvVariants.rowsCopied(lo, hi, k, seg, w0, x, 0, y, 0));
                        case "nativeB" -> Gemv.gemv(m, k, natB, 0, x, 0, y, 0, par);
                        case "blocks", "served" -> {
                            boolean serve = ways[wi].equals("served");
                            for (int r0 = 0; r0 < m; r0 += rowsPerBlock) {
                                int rows = Math.min(rowsPerBlock, m - r0);
                                long pos = offset + (long) r0 * k * Float.BYTES, len = (long) rows * k * Float.BYTES;
                                if (serve) mf.serveInPlace(pos, len, pos, pos + len);
                                Gemv.gemv(rows, k, seg, (int) (pos / 4), x, 0, y, r0, par);
                            }
                        }
                        case "split", "splitKept" -> {
                            boolean serve = ways[wi].equals("split");
                            int per = (int) Math.max(1, (Long.getLong("blockMiB", 4) << 20) / ((long) k * Float.BYTES)); // -DblockMiB
                            par.forRange(m, (lo, hi) -> {
                                for (int r0 = lo; r0 < hi; r0 += per) {
                                    int rows = Math.min(per, hi - r0);
                                    long pos = offset + (long) r0 * k * Float.BYTES, len = (long) rows * k * Float.BYTES;
                                    if (serve) mf.serveInPlace(pos, len, pos, pos + len);
                                    Gemv.gemv(rows, k, seg, (int) (pos / 4), x, 0, y, r0, Parallel.SERIAL);
                                }
                            });
                        }
                        case "faulted" -> {
                            mf.serveInPlace(0, 16L << 20, 0, 0); // a whole mark served: unmaps every page
                            t0 = clock.getAsLong();
                            Gemv.gemv(m, k, seg, w0, x, 0, y, 0, par);
                        }
                        default -> throw new IllegalArgumentException("way: " + ways[wi]);
                    }
                    t[wi][round] = clock.getAsLong() - t0;
                    check += y[m / 2];
                }
            }
            for (int wi = 0; wi < ways.length; wi++) {
                long[] s = t[wi].clone();
                Arrays.sort(s);
                double med = s[rounds / 2] / 1e6;
                System.out.printf("%-8s median %7.2f ms  min %7.2f  max %7.2f  %6.1f GB/s%n", ways[wi], med, s[0] / 1e6,
                        s[rounds - 1] / 1e6, bytes / (med * 1e6));
            }
            if (check == 42f) System.out.println();
            // whether the mapped pages are mapped with 2 MiB entries now (after the last way)
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/smaps_rollup"))) {
                if (line.startsWith("Rss") || line.startsWith("FilePmdMapped") || line.startsWith("AnonHugePages")) {
                    System.out.println("  " + line.replaceAll("\\s+", " "));
                }
            }
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("RssFile")) System.out.println("  " + line.replaceAll("\\s+", " "));
            }
            mf.close();
        }
        par.close();
    }
}
