package dev.vessels.core.weights;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import dev.vessels.core.VesselsException;

/**
 * A file read through a read-only mapping: each range is copied once, straight from the page cache
 * into the caller's array (a positional {@code read} copies twice: page cache → buffer → array;
 * measured about half as fast here). Every {@link #RELEASE_BYTES} read, all the mapping's pages are
 * unmapped again ({@code madvise MADV_DONTNEED}), so the process keeps at most that much of the
 * file mapped and the page cache keeps the rest; only the read that crosses the mark keeps its own
 * pages (a block of columns, {@link #readFloatRows}: its whole matrix). Not after every read: each
 * {@code madvise} flushes
 * the TLB of every core the process runs on, an inter-processor interrupt that costs tens of µs on
 * a VM, and a model reads its parameters in hundreds of pieces (DenseNet201: ~400 a prediction,
 * which cost ~25 ms of its ~110). A page another thread is still copying is simply mapped again.
 *
 * <p>At open the file's page cache is arranged in 2 MiB pages where the kernel allows it
 * ({@link HugePageCache}): every page is mapped again after each release, and a huge page costs one
 * fault where small ones cost one per 64 KiB.
 *
 * <p>Only where {@code madvise} can be called (Linux, native access allowed) and unless
 * {@code -Dvessels.weights.io=read}: {@link #map} returns null otherwise, and callers read through
 * their channel. Thread-safe: several threads may copy at once.
 */
public final class MappedFile implements AutoCloseable {
    /**
     * Bytes read through the mapping between two releases of all its pages
     * ({@code -Dvessels.weights.releaseMiB}, default 16: A/B runs of what the releases cost).
     */
    static final long RELEASE_BYTES = Long.getLong("vessels.weights.releaseMiB", 16) << 20;
    private static final ValueLayout.OfFloat FILE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long PAGE = 4096;
    private static final int MADV_DONTNEED = 4;
    /** {@code int madvise(void *addr, size_t len, int advice)} when it can be called here, else null. */
    private static final MethodHandle MADVISE = madvise();

    private final Path path;
    private final FileChannel ch;
    private final Arena arena;
    private final MemorySegment map; // the whole file, read-only
    private final AtomicLong unreleased = new AtomicLong();
    private volatile int releases;   // times all pages were unmapped (for tests)
    private final HugePageCache.Outcome pageCache; // whether the file's page cache is in huge pages
    // A release keeps [keepFrom, keepTo) mapped widened to this: a huge page cut at a boundary would be
    // unmapped whole and its head or tail faulted in again in small pieces.
    private final long keepAlign;

    private MappedFile(Path path, FileChannel ch, Arena arena, MemorySegment map) {
        this.path = path;
        this.ch = ch;
        this.arena = arena;
        this.map = map;
        this.pageCache = HugePageCache.enabled() ? HugePageCache.arrange(path, map, RELEASE_BYTES, MADVISE)
                : HugePageCache.Outcome.skipped("-Dvessels.weights.hugepages=false");
        this.keepAlign = pageCache.hugeBytes() > 0 ? pageCache.pageBytes() : PAGE;
    }

    /** The whole of {@code ch} mapped, or null when mapping cannot be used here (read through {@code ch}). */
    public static MappedFile map(Path path, FileChannel ch) {
        if (MADVISE == null) return null;
        Arena arena = Arena.ofShared();
        try {
            long size = ch.size();
            if (size == 0) {
                arena.close();
                return null;
            }
            return new MappedFile(path, ch, arena, ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena));
        } catch (IOException | UnsupportedOperationException e) {
            arena.close(); // e.g. a file system that cannot map
            return null;
        }
    }

    /** {@code count} little-endian floats at byte {@code pos} into {@code dst[dstOff…]}. */
    public void readFloats(long pos, float[] dst, int dstOff, int count) {
        long bytes = (long) count * Float.BYTES;
        check(pos, bytes);
        try {
            MemorySegment.copy(map, FILE_FLOAT, pos, dst, dstOff, count);
        } catch (InternalError e) {
            throw changed(); // the JVM turns a fault in a mapping (the file was truncated under us) into this
        }
        done(pos, bytes);
    }

    /**
     * {@code rows} runs of {@code count} little-endian floats, {@code stride} bytes apart from byte
     * {@code pos} on, into {@code dst[dstOff…]} one after the other: a block of columns of a
     * row-major matrix, in one bounds check and one length check. The bytes copied count towards
     * the next release, and a release this read sets off keeps the pages of [keepFrom, keepTo)
     * mapped: the whole matrix, whose next blocks read the same pages again (unmapping them between
     * blocks would only fault them all in again). Pages mapped at once: at most the
     * {@link #RELEASE_BYTES} read since the last release plus that matrix.
     */
    public void readFloatRows(long pos, long stride, int rows, int count, float[] dst, int dstOff, long keepFrom, long keepTo) {
        if (rows <= 0) return;
        long bytes = (long) count * Float.BYTES, last = pos + (rows - 1) * stride;
        if (stride < bytes) throw new IllegalArgumentException("rows of " + bytes + " bytes " + stride + " bytes apart");
        check(pos, 0);
        check(last, bytes);
        try {
            for (int r = 0; r < rows; r++) MemorySegment.copy(map, FILE_FLOAT, pos + r * stride, dst, dstOff + r * count, count);
        } catch (InternalError e) {
            throw changed();
        }
        done(last, bytes, rows * bytes, keepFrom, keepTo);
    }

    /** The whole file, read-only: for kernels that read in place what {@link #serveInPlace} served. */
    public MemorySegment segment() {
        return map;
    }

    /**
     * Serves bytes [pos, pos + bytes) to be read in place from {@link #segment()} (a kernel reads
     * them after this returns): they count towards the next release as a copy of them would, and a
     * release this sets off keeps the pages of [keepFrom, keepTo) mapped (the matrix the kernel is
     * about to read). So the discipline is {@link #readFloatRows}': pages mapped at once, at most the
     * {@link #RELEASE_BYTES} served since the last release plus the matrix in use. Checks the file
     * still reaches their end; a truncation while the kernel reads would fault in the kernel.
     */
    public void serveInPlace(long pos, long bytes, long keepFrom, long keepTo) {
        check(pos, bytes);
        // A range of half the mark or more counts as a whole mark, so serving it unmaps all else:
        // a connected layer's last, shorter block of rows would otherwise leave the block before it
        // mapped too (AlexNet's fc6: 33 MB mapped at once instead of 17).
        done(pos, bytes, bytes >= RELEASE_BYTES / 2 ? Math.max(bytes, RELEASE_BYTES) : bytes, keepFrom, keepTo);
    }

    /** {@code len} bytes at {@code pos} into {@code dst[off…]}. */
    public void readBytes(long pos, byte[] dst, int off, int len) {
        check(pos, len);
        try {
            MemorySegment.copy(map, ValueLayout.JAVA_BYTE, pos, dst, off, len);
        } catch (InternalError e) {
            throw changed();
        }
        done(pos, len);
    }

    /** The float at byte {@code pos} (strided reads); counts as read. */
    public float floatAt(long pos) {
        check(pos, Float.BYTES);
        try {
            return map.get(FILE_FLOAT, pos);
        } catch (InternalError e) {
            throw changed();
        }
    }

    /** Counts {@code bytes} as read through the mapping (after {@link #floatAt} reads). */
    public void countRead(long bytes) {
        released(bytes, 0, 0);
    }

    private void check(long pos, long bytes) {
        if (pos < 0 || pos + bytes > map.byteSize()) throw ended();
    }

    private void done(long pos, long bytes) {
        done(pos, bytes, bytes, pos, pos + bytes);
    }

    /**
     * After copying bytes [pos, pos + bytes) (their last row, for a block of rows): the file must
     * still reach their end; {@code counted} bytes count towards the next release, which keeps the
     * pages of [keepFrom, keepTo) mapped.
     */
    private void done(long pos, long bytes, long counted, long keepFrom, long keepTo) {
        // A file cut short within its last page reads as zeros through a mapping, not as a fault:
        // check the length after copying, as a read() would have found the end.
        try {
            if (ch.size() < pos + bytes) throw ended();
        } catch (IOException e) {
            throw new VesselsException(path + ": cannot read: " + e.getMessage());
        }
        released(counted, keepFrom, keepTo);
    }

    /**
     * Counts {@code bytes} as read; at the mark, unmaps every page but those of [keepFrom, keepTo),
     * which then count towards the next release (up to half the mark: a matrix larger than the mark,
     * read a block of columns at a time, would otherwise release at each block). Without that a
     * range kept at one release stayed mapped, uncounted, beside a whole mark of new reads.
     */
    private void released(long bytes, long keepFrom, long keepTo) {
        // Exactly one of the threads that cross the mark gets the whole count back and releases.
        if (unreleased.addAndGet(bytes) < RELEASE_BYTES || unreleased.getAndSet(0) < RELEASE_BYTES) return;
        long size = (map.byteSize() + PAGE - 1) / PAGE * PAGE;
        long from = Math.min(size, keepFrom / keepAlign * keepAlign), to = Math.min(size, (keepTo + keepAlign - 1) / keepAlign * keepAlign);
        if (to <= from) from = to = 0; // nothing to keep: one call for the whole mapping
        int rc = 0;
        try {
            if (from > 0) rc |= (int) MADVISE.invokeExact(map, from, MADV_DONTNEED);
            if (to < size) rc |= (int) MADVISE.invokeExact(map.asSlice(to), size - to, MADV_DONTNEED);
        } catch (Throwable t) {
            throw new IllegalStateException("madvise", t);
        }
        if (rc != 0) throw new VesselsException(path + ": madvise failed unmapping pages already read");
        unreleased.addAndGet(Math.min(to - from, RELEASE_BYTES / 2)); // still mapped
        releases++; // only the one thread that got the count back gets here
    }

    /** How the file's page cache was arranged at open (huge pages or not), for reports and tests. */
    public String pageCache() {
        return pageCache.toString();
    }

    HugePageCache.Outcome pageCacheOutcome() {
        return pageCache;
    }

    /** What a release widens a kept range to: 2 MiB over a huge-page cache, else 4 KiB (for tests). */
    long keepAlign() {
        return keepAlign;
    }

    /** How many times all of the mapping's pages have been unmapped since it was opened. */
    int releases() {
        return releases;
    }

    private VesselsException ended() {
        return new VesselsException(path + ": file ended early (changed since it was opened?)");
    }

    private VesselsException changed() {
        return new VesselsException(path + ": cannot read: the file changed since it was opened");
    }

    @Override
    public void close() {
        arena.close();
    }

    private static MethodHandle madvise() {
        if (!"map".equals(System.getProperty("vessels.weights.io", "map"))) return null;
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) return null;
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("madvise")
                    .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT)))
                    .orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null; // native access denied, or no such symbol
        }
    }
}
