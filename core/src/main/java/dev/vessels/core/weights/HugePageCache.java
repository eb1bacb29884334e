package dev.vessels.core.weights;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps a mapped weights file's page cache in huge (2 MiB) pages, so that mapping it costs one
 * fault per 2 MiB instead of one per 64 KiB.
 *
 * <p>Why: on-demand parameters map every page of the file again in each prediction ({@link MappedFile}
 * unmaps them every 16 MiB to bound the process's memory). A page fault costs about 3 µs on this kind
 * of VM and maps 64 KiB (the kernel's fault-around), so ResNet152's 230 MB took ~3,400 faults, 10 ms a
 * prediction: the whole gap to resident parameters at two threads. A file whose page cache holds
 * 2 MiB folios is mapped one page-middle-directory entry at a time: ~120 faults.
 *
 * <p>The kernel reads a file into 2 MiB folios by itself when a mapping marked {@code MADV_HUGEPAGE}
 * misses the cache, but leaves pages already cached in small folios as they are (a file just written
 * by the generator, or read by {@code cp}). So at open: mark the mapping; map the file one chunk at a
 * time ({@code MADV_POPULATE_READ}), skipping chunks not cached at all ({@code mincore}: a cold file
 * stays cheap to open, and the kernel reads it into huge folios when first used); count how much of the chunk the kernel mapped with 2 MiB entries
 * ({@code FilePmdMapped} of {@code /proc/self/smaps_rollup}, before and after); unmap the chunk again.
 * A chunk that was not all in huge pages is written back if dirty, dropped from the page cache
 * ({@code posix_fadvise DONTNEED}: the kernel drops only clean pages nobody maps) and read again, now
 * into 2 MiB folios. Only one chunk is re-read in vain: if it does not come back in huge pages (a file
 * system without large folios, memory too fragmented), the rest is left as it is. The count is the
 * whole process's, so another thread mapping huge pages at the same moment can make a chunk look
 * better or worse than it is: the cost is one needless or missed re-read, never a wrong byte.
 *
 * <p>Switch: {@code -Dvessels.weights.hugepages=false}.
 */
final class HugePageCache {
    private static final int MADV_HUGEPAGE = 14;
    private static final int MADV_POPULATE_READ = 22; // Linux 5.14
    private static final int MADV_DONTNEED = 4;
    private static final int POSIX_FADV_DONTNEED = 4;
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final Path THP = Path.of("/sys/kernel/mm/transparent_hugepage");

    /**
     * What {@link #arrange} found and did: {@code hugeBytes} of the file's whole huge pages mapped in
     * huge pages at the end, out of {@code hugeCapable} (the file's bytes that whole huge pages cover),
     * {@code rereadBytes} dropped and read again, in {@code nanos}; {@code note} says why not, if not;
     * {@code pageBytes} the huge page size (0 if skipped).
     */
    record Outcome(long hugeBytes, long hugeCapable, long rereadBytes, long uncachedBytes, long nanos, String note,
                   long pageBytes) {
        static Outcome skipped(String why) {
            return new Outcome(0, 0, 0, 0, 0, why, 0);
        }

        /** Whether every whole huge page of the file is held in one, or not cached yet (then read into one). */
        boolean complete() {
            return hugeCapable > 0 && hugeBytes + uncachedBytes == hugeCapable;
        }

        @Override
        public String toString() {
            if (hugeCapable == 0) return "page cache in small pages (" + note + ")";
            return String.format("page cache: %d of %d MiB in 2 MiB pages%s%s, %.0f ms at open%s", hugeBytes >> 20,
                    hugeCapable >> 20, rereadBytes > 0 ? " (" + (rereadBytes >> 20) + " MiB read again)" : "",
                    uncachedBytes > 0 ? ", " + (uncachedBytes >> 20) + " MiB not cached (read into 2 MiB pages when first used)" : "",
                    nanos / 1e6, note.isEmpty() ? "" : " (" + note + ")");
        }
    }

    private HugePageCache() {}

    static boolean enabled() {
        return Boolean.parseBoolean(System.getProperty("vessels.weights.hugepages", "true"));
    }

    /**
     * Arranges the page cache of {@code path}, mapped whole at {@code map}, in huge pages where it can
     * (above), mapping at most {@code chunk} bytes of it at once. {@code madvise} is the caller's handle.
     */
    static Outcome arrange(Path path, MemorySegment map, long chunk, MethodHandle madvise) {
        long t0 = System.nanoTime();
        long pmd = pmdSize();
        if (pmd <= 0) return Outcome.skipped("no transparent huge pages here");
        long size = map.byteSize();
        if (size < pmd) return Outcome.skipped("file smaller than a huge page");
        if (map.address() % pmd != 0) return Outcome.skipped("mapping not aligned to a huge page");
        chunk = Math.max(pmd, chunk / pmd * pmd);
        long capable = size / pmd * pmd; // the last, partial huge page of the file is never mapped whole
        try {
            if ((int) madvise.invokeExact(map, size, MADV_HUGEPAGE) != 0) return Outcome.skipped("MADV_HUGEPAGE refused");
            long huge = 0, reread = 0, uncached = 0;
            int fd = -1;
            boolean gaveUp = false;
            try {
                for (long off = 0; off < capable; off += chunk) {
                    long len = Math.min(chunk, capable - off);
                    if (!cached(map, off, len)) { // a cold file stays cheap to open: its first use reads it
                        uncached += len;          // from disk, into huge folios (the mapping is marked)
                        continue;
                    }
                    long got = populated(map, off, len, madvise);
                    if (got < 0) return new Outcome(huge, capable, reread, uncached, System.nanoTime() - t0, "MADV_POPULATE_READ refused", pmd);
                    if (got < len && !gaveUp) {
                        if (fd < 0) {
                            fd = open(path);
                            if (fd < 0 || (int) FDATASYNC.invokeExact(fd) != 0) {
                                gaveUp = true; // cannot write back dirty pages: dropping would keep them anyway
                                huge += got;
                                continue;
                            }
                        }
                        if ((int) FADVISE.invokeExact(fd, off, len, POSIX_FADV_DONTNEED) != 0) gaveUp = true;
                        else {
                            reread += len;
                            got = populated(map, off, len, madvise);
                            if (got < len) gaveUp = true; // read from disk and still small: this kernel won't
                        }
                    }
                    huge += Math.max(0, got);
                }
            } finally {
                if (fd >= 0) {
                    int ignored = (int) CLOSE.invokeExact(fd);
                }
            }
            return new Outcome(huge, capable, reread, uncached, System.nanoTime() - t0,
                    huge + uncached == capable ? "" : gaveUp ? "the kernel kept some in small pages" : "", pmd);
        } catch (Throwable t) {
            return Outcome.skipped("cannot ask the kernel: " + t);
        }
    }

    /**
     * Maps [off, off + len) of {@code map}, returns how many of its bytes the kernel mapped with huge
     * entries (-1: populating refused), and unmaps it again.
     */
    private static long populated(MemorySegment map, long off, long len, MethodHandle madvise) throws Throwable {
        long before = pmdMappedBytes();
        MemorySegment part = map.asSlice(off, len);
        int rc = (int) madvise.invokeExact(part, len, MADV_POPULATE_READ);
        long after = pmdMappedBytes();
        int ignored = (int) madvise.invokeExact(part, len, MADV_DONTNEED);
        if (rc != 0) return -1;
        return Math.min(len, Math.max(0, after - before));
    }

    /** Whether any page of [off, off + len) of the mapped file is in the page cache ({@code mincore}). */
    private static boolean cached(MemorySegment map, long off, long len) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment vec = a.allocate((len + 4095) / 4096);
            if ((int) MINCORE.invokeExact(map.asSlice(off, len), len, vec) != 0) return true; // cannot tell: check it
            for (long i = 0; i < vec.byteSize(); i++) if ((vec.get(ValueLayout.JAVA_BYTE, i) & 1) != 0) return true;
            return false;
        }
    }

    /** The process's file pages mapped with huge entries ({@code FilePmdMapped}), in bytes. */
    static long pmdMappedBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps_rollup"))) {
            if (line.startsWith("FilePmdMapped:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
        throw new IOException("no FilePmdMapped in /proc/self/smaps_rollup");
    }

    /** The huge page size when transparent huge pages may be used here (not "never"), else -1. */
    private static long pmdSize() {
        if (FADVISE == null || MINCORE == null) return -1;
        try {
            if (Files.readString(THP.resolve("enabled")).contains("[never]")) return -1;
            return Long.parseLong(Files.readString(THP.resolve("hpage_pmd_size")).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Drops the whole of {@code path} from the page cache, written back first (for tests: a cold file). */
    static void dropCached(Path path) throws Throwable {
        int fd = open(path);
        if (fd < 0) throw new IOException(path + ": cannot open");
        try {
            if ((int) FDATASYNC.invokeExact(fd) != 0 || (int) FADVISE.invokeExact(fd, 0L, 0L, POSIX_FADV_DONTNEED) != 0) {
                throw new IOException(path + ": cannot drop from the page cache");
            }
        } finally {
            int ignored = (int) CLOSE.invokeExact(fd);
        }
    }

    private static int open(Path path) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            return (int) OPEN.invokeExact(a.allocateFrom(path.toAbsolutePath().toString()), O_RDONLY_CLOEXEC, 0);
        }
    }

    // int open(const char *, int, ...), int fdatasync(int), int posix_fadvise(int, off_t, off_t, int), int close(int),
    // int mincore(void *, size_t, unsigned char *)
    private static final MethodHandle OPEN, FDATASYNC, FADVISE, CLOSE, MINCORE;

    static {
        MethodHandle open = null, sync = null, fadvise = null, close = null, mincore = null;
        try {
            Linker l = Linker.nativeLinker();
            var lib = l.defaultLookup();
            open = l.downcallHandle(lib.find("open").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), Linker.Option.firstVariadicArg(2));
            sync = l.downcallHandle(lib.find("fdatasync").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            fadvise = l.downcallHandle(lib.find("posix_fadvise").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            close = l.downcallHandle(lib.find("close").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            mincore = l.downcallHandle(lib.find("mincore").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
        } catch (RuntimeException | LinkageError e) {
            fadvise = mincore = null; // native access denied or a libc without them: arrange() skips
        }
        OPEN = open;
        FDATASYNC = sync;
        FADVISE = fadvise;
        CLOSE = close;
        MINCORE = mincore;
    }
}
