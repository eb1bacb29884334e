package dev.vessels.cli;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

import dev.vessels.core.VesselsException;

/**
 * Evicts one file from the OS page cache ({@code posix_fadvise(POSIX_FADV_DONTNEED)} on Linux), so
 * that {@code bench --drop-cache} times on-demand parameter reads from the disk without dropping
 * every other process's cache. Dirty pages are not evicted; a weights file we only read has none.
 */
final class PageCache {
    private static final int O_RDONLY = 0;
    private static final int POSIX_FADV_DONTNEED = 4; // Linux value

    private PageCache() {}

    static void evict(Path file) {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        MethodHandle open = linker.downcallHandle(libc.find("open").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        MethodHandle fadvise = linker.downcallHandle(libc.find("posix_fadvise").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
        MethodHandle close = linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment name = a.allocateFrom(file.toString());
            int fd = (int) open.invokeExact(name, O_RDONLY);
            if (fd < 0) throw new VesselsException(file + ": cannot open to evict it from the page cache");
            int rc = (int) fadvise.invokeExact(fd, 0L, 0L, POSIX_FADV_DONTNEED);
            int ignored = (int) close.invokeExact(fd);
            if (rc != 0) throw new VesselsException(file + ": posix_fadvise failed with error " + rc);
        } catch (VesselsException e) {
            throw e;
        } catch (Throwable t) {
            throw new VesselsException("cannot evict " + file + " from the page cache: " + t);
        }
    }
}
