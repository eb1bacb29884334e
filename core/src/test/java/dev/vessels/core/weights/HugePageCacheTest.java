package dev.vessels.core.weights;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mapped file's page cache ends up in 2 MiB pages, so a pass over it through the mapping takes a
 * fault per 2 MiB, not per 64 KiB; what was cached in small pages is read again once, not at every open.
 */
class HugePageCacheTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void aFileJustWrittenInSmallPagesIsReadAgainIntoHugePagesOnceAndThenMapsAFaultPerHugePage() throws IOException {
        assumeHugePages();
        // 20 MiB + 1 KiB: one full 16 MiB chunk, a 4 MiB one, and a tail no huge page can hold whole
        Path p = written(20 * MIB + 1024, 64 * 1024);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ); MappedFile m = MappedFile.map(p, ch)) {
            assertThat(m).as("mapping with madvise is available on Linux").isNotNull();
            HugePageCache.Outcome o = m.pageCacheOutcome();
            assertThat(o.hugeCapable()).isEqualTo(20 * MIB);
            assertThat(o.complete()).as("%s (needs a file system with large folios: ext4 on Linux 6.16+, xfs)", o).isTrue();
            assertThat(o.rereadBytes()).as("written in 64 KiB pieces, so cached in small pages: all read again")
                    .isEqualTo(20 * MIB);
            assertThat(m.pageCache()).isEqualTo(String.format("page cache: 20 of 20 MiB in 2 MiB pages (20 MiB read again), %.0f ms at open",
                    o.nanos() / 1e6));

            // 10 huge pages and the small tail page; with small pages the kernel maps 64 KiB a fault: 320
            assertThat(faultsToReadEveryPage(m.segment())).as("faults to read every page").isBetween(10L, 40L);
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ); MappedFile m = MappedFile.map(p, ch)) {
            HugePageCache.Outcome o = m.pageCacheOutcome();
            assertThat(o.complete()).as("%s", o).isTrue();
            assertThat(o.rereadBytes()).as("already in huge pages: nothing read again").isZero();
        }
    }

    @Test
    void aFileNotCachedIsNotReadAtOpenAndComesInHugePagesWhenFirstUsed() throws Throwable {
        assumeHugePages();
        Path p = written(8 * MIB, 8192);
        HugePageCache.dropCached(p);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ); MappedFile m = MappedFile.map(p, ch)) {
            HugePageCache.Outcome o = m.pageCacheOutcome();
            assertThat(o.uncachedBytes()).as("%s", o).isEqualTo(8 * MIB);
            assertThat(o.hugeBytes()).isZero();
            assertThat(o.rereadBytes()).isZero();
            assertThat(o.complete()).isTrue();
            assertThat(faultsToReadEveryPage(m.segment())).as("faults to read every page from disk").isBetween(4L, 20L);
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ); MappedFile m = MappedFile.map(p, ch)) {
            HugePageCache.Outcome o = m.pageCacheOutcome();
            assertThat(o.hugeBytes()).as("read into huge pages on first use: %s", o).isEqualTo(8 * MIB);
            assertThat(o.rereadBytes()).isZero();
        }
    }

    @Test
    void aFileSmallerThanAHugePageIsLeftAsItIs() throws IOException {
        Path p = written(MIB, 4096);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ); MappedFile m = MappedFile.map(p, ch)) {
            Assumptions.assumeTrue(m != null, "mapping with madvise is not available here");
            HugePageCache.Outcome o = m.pageCacheOutcome();
            assertThat(o.hugeBytes()).isZero();
            assertThat(o.rereadBytes()).isZero();
            assertThat(m.pageCache()).startsWith("page cache in small pages (");
            assertThat(m.segment().get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4 * 1000))
                    .isEqualTo(1000f);
        }
    }

    /** Reading the file after its pages were dropped and read again still gives the floats written. */
    @Test
    void theFloatsReadAfterReadingAgainAreTheOnesWritten() throws IOException {
        assumeHugePages();
        Path p = written(6 * MIB, 8192);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ); MappedFile m = MappedFile.map(p, ch)) {
            assertThat(m.pageCacheOutcome().rereadBytes()).isEqualTo(6 * MIB);
            float[] all = new float[(int) (6 * MIB / 4)];
            m.readFloats(0, all, 0, all.length);
            for (int i = 0; i < all.length; i++) {
                if (all[i] != i) assertThat(all[i]).as("float %d", i).isEqualTo((float) i);
            }
        }
    }

    private static void assumeHugePages() throws IOException {
        Path thp = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        Assumptions.assumeTrue(Files.isReadable(thp) && !Files.readString(thp).contains("[never]"),
                "transparent huge pages are available (Linux, not switched off)");
    }

    /** {@code bytes} bytes of little-endian floats, float i holding i, written {@code piece} bytes a call. */
    private Path written(long bytes, int piece) throws IOException {
        Path p = dir.resolve("f" + bytes + ".bin");
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(piece).order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < bytes / 4; ) {
                b.clear();
                while (b.hasRemaining() && i < bytes / 4) b.putFloat(i++);
                b.flip();
                while (b.hasRemaining()) ch.write(b);
            }
        }
        return p;
    }

    /** This thread's minor faults while it reads a float of every page of {@code s}. */
    private static long faultsToReadEveryPage(MemorySegment s) throws IOException {
        long before = faultsOfThisThread();
        float sum = 0;
        for (long q = 0; q + 4 <= s.byteSize(); q += 4096) sum += s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, q);
        long faults = faultsOfThisThread() - before;
        return sum == -1f ? faults + 1 : faults; // the sum is used, so the reads are not dropped
    }

    /**
     * Fields 10 and 12 (minflt, majflt) of /proc/thread-self/stat: this thread's page faults, minor
     * and major (a fault that waits for the disk, as a cold file's first ones do).
     */
    private static long faultsOfThisThread() throws IOException {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[7]) + Long.parseLong(f[9]);
    }
}
