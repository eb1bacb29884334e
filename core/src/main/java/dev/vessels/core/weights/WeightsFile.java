package dev.vessels.core.weights;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.layers.Layer;

/**
 * An opened Darknet {@code .weights} file: the header, and the byte offset of every layer's
 * parameters, indexed once when the model is opened (Vessels' on-demand loading reads each layer's
 * range just before it runs). Header: int32 major, minor, revision, then {@code seen}: 64-bit when
 * major·10 + minor ≥ 2 (and both < 1000), else 32-bit. Connected weights are stored transposed
 * when major or minor exceeds 1000. Then each layer's floats, little-endian, in cfg order.
 * Unlike Darknet, a file whose length does not match the cfg exactly is rejected.
 *
 * <p>Reads copy once, straight from a read-only mapping of the file into the caller's array
 * ({@link MappedFile}: why, and how little of the file stays mapped). Where mapping cannot be used
 * (not Linux, native access denied, or {@code -Dvessels.weights.io=read}) they go through a
 * staging buffer per thread, a positional {@code read} that copies twice. Where mapped, an on-demand
 * executor's convolutions do not copy their weights at all: their GEMMs pack them straight from the
 * mapping ({@link #inPlaceFloats}, {@link #readInPlace}); {@code -Dvessels.weights.fuse=false}
 * turns that off (the copy into the parameter slot, for A/B runs).
 */
public final class WeightsFile implements ParamSource, AutoCloseable {
    private final Path path;
    private final FileChannel ch;
    private final int major, minor, revision;
    private final long seen;
    private final long headerBytes;
    private final boolean transposed;
    // A transposed file's connected weights are stored in another order than the GEMV reads in place:
    // such a file keeps every read in the slot (files from Darknet before 0.2; rare).
    private final boolean transposedConnected;
    private final long[] layerOffset; // byte offset of each layer's first parameter
    // Each layer's parameter count, kept: Layer.paramFloats() sums a list it builds on every call
    // (176 bytes a read for a convolution), and reads must allocate nothing (AllocationFreeTest).
    private final long[] layerFloats;
    private final Network net;
    private final MappedFile mapped;     // the whole file, read-only; null when reading through staging buffers
    // One staging buffer per reading thread (positional reads share the channel safely), reused:
    // reads allocate nothing after a thread's first, and an executor's threads may read at once.
    private final ThreadLocal<ByteBuffer> staging =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN));

    private WeightsFile(Path path, FileChannel ch, Network net, boolean mapIt) throws IOException {
        this.path = path;
        this.ch = ch;
        this.net = net;
        long size = ch.size();
        if (size < 16) throw bad("is " + size + " bytes, shorter than a Darknet weights header (16 or 20 bytes)");
        ByteBuffer h = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        ch.read(h, 0);
        h.flip();
        major = h.getInt();
        minor = h.getInt();
        revision = h.getInt();
        if (major < 0 || minor < 0 || revision < 0 || major > 100_000 || minor > 100_000) {
            throw bad("has a bad header: version " + major + "." + minor + "." + revision
                    + " (Darknet writes 0.2.0; is this a Darknet .weights file?)");
        }
        boolean wideSeen = major * 10 + minor >= 2 && major < 1000 && minor < 1000;
        if (wideSeen) {
            seen = h.getLong();
            headerBytes = 20;
        } else {
            seen = Integer.toUnsignedLong(h.getInt());
            headerBytes = 16;
        }
        transposed = major > 1000 || minor > 1000;
        transposedConnected = transposed && net.layers().stream().anyMatch(l -> l instanceof dev.vessels.core.layers.ConnectedLayer);
        layerOffset = new long[net.layers().size()];
        layerFloats = new long[net.layers().size()];
        long off = headerBytes;
        for (Layer l : net.layers()) {
            layerOffset[l.index()] = off;
            layerFloats[l.index()] = l.paramFloats();
            long end = off + l.paramFloats() * 4;
            if (end > size && l.paramFloats() > 0) {
                throw bad("is truncated: layer " + l.index() + " (" + l.kind() + ") needs bytes " + off + ".." + end
                        + " but the file has " + size + " bytes (expected " + expectedBytes(net, headerBytes)
                        + " for " + net.name() + ")");
            }
            off = end;
        }
        if (size != off) {
            throw bad("is too long: " + (size - off) + " bytes after the last layer's parameters (expected exactly "
                    + off + " bytes for " + net.name() + "); does it belong to another cfg?");
        }
        // Mapped only once the file is known to be whole (the constructor cannot fail after this).
        mapped = mapIt ? MappedFile.map(path, ch) : null;
    }

    public static long expectedBytes(Network net, long headerBytes) {
        return headerBytes + net.paramFloats() * 4;
    }

    public static WeightsFile open(Path path, Network net) {
        return open(path, net, true);
    }

    /** {@code map}: false reads through staging buffers (as where mapping is unavailable); for tests. */
    static WeightsFile open(Path path, Network net, boolean map) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new VesselsException(path + ": weights file not found");
        } catch (IOException e) {
            throw new VesselsException(path + ": cannot open weights file: " + e.getMessage());
        }
        try {
            return new WeightsFile(path, ch, net, map);
        } catch (IOException e) {
            close(ch);
            throw new VesselsException(path + ": cannot read weights file: " + e.getMessage());
        } catch (RuntimeException e) {
            close(ch);
            throw e;
        }
    }

    private static void close(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing more to report than the first failure
        }
    }

    private VesselsException bad(String what) {
        return new VesselsException(path + ": weights file " + what);
    }

    public Path path() { return path; }

    /** Whether reads copy straight from a mapping of the file (else through staging buffers). */
    public boolean mapped() { return mapped != null; }

    /** How the file's page cache was arranged at open: huge pages or not, and why (see {@code HugePageCache}). */
    public String pageCache() { return mapped == null ? "not mapped" : mapped.pageCache(); }
    public int major() { return major; }
    public int minor() { return minor; }
    public int revision() { return revision; }
    public long seen() { return seen; }
    public long headerBytes() { return headerBytes; }
    public boolean transposed() { return transposed; }

    /** Byte offset of the first parameter of {@code layer} in the file. */
    public long layerOffset(int layer) {
        return layerOffset[layer];
    }

    @Override
    public String describe() {
        return path.toString();
    }

    @Override
    public boolean synthetic() {
        return false;
    }

    @Override
    public Network network() {
        return net;
    }

    /**
     * Reads {@code count} floats of layer {@code layer}'s parameters, starting {@code start} floats
     * into them, into {@code dst[dstOff…]}. Connected weights of a transposed file are served in
     * Darknet's untransposed order.
     */
    @Override
    public void read(int layer, long start, int count, float[] dst, int dstOff) {
        Layer l = net.layers().get(layer);
        checkRange(layer, start, count);
        if (transposed && l instanceof dev.vessels.core.layers.ConnectedLayer c) {
            readTransposedConnected(c, start, count, dst, dstOff);
            return;
        }
        readRaw(layerOffset[layer] + start * 4, count, dst, dstOff);
    }

    /** Through the mapping: each row's columns copied straight from it, one bounds and length check for all. */
    @Override
    public void readColumns(int layer, long start, int rows, int rowFloats, int col0, int cols, float[] dst, int dstOff) {
        Layer l = net.layers().get(layer);
        if (mapped == null || (transposed && l instanceof dev.vessels.core.layers.ConnectedLayer) || rows <= 0) {
            ParamSource.super.readColumns(layer, start, rows, rowFloats, col0, cols, dst, dstOff);
            return;
        }
        if (col0 < 0 || cols < 0 || col0 + cols > rowFloats || start < 0
                || start + (long) (rows - 1) * rowFloats + col0 + cols > layerFloats[layer]) {
            throw new IndexOutOfBoundsException("layer " + layer + " has " + layerFloats[layer] + " parameters; asked for "
                    + rows + " rows of " + rowFloats + " from " + start + ", columns " + col0 + "+" + cols);
        }
        // A release meanwhile keeps the layer's pages mapped: its next blocks of columns read them again.
        mapped.readFloatRows(layerOffset[layer] + (start + col0) * 4, (long) rowFloats * 4, rows, cols, dst, dstOff,
                layerOffset[layer], layerOffset[layer] + layerFloats[layer] * 4);
    }

    /** Floats [start, start+count) must lie within layer {@code layer}'s parameters. */
    private void checkRange(int layer, long start, long count) {
        if (start < 0 || count < 0 || start + count > layerFloats[layer]) {
            throw new IndexOutOfBoundsException("layer " + layer + " has " + layerFloats[layer] + " parameters; asked for "
                    + start + "+" + count);
        }
    }

    /**
     * Whether convolutions read their weight matrices in place from the mapping ({@link
     * #inPlaceFloats}), their GEMM packing A straight from it: true unless {@code
     * -Dvessels.weights.fuse=false} (the copy into the parameter slot, kept for A/B runs).
     */
    static final boolean FUSE = !"false".equals(System.getProperty("vessels.weights.fuse"));

    /**
     * The mapping, where reads go through one and {@link #FUSE} is on, and its floats can be
     * indexed by int (files under 8 GiB; every layer's offset is a multiple of 4 bytes: a 16- or
     * 20-byte header, then whole floats).
     */
    @Override
    public MemorySegment inPlaceFloats() {
        return FUSE && mapped != null && !transposedConnected && mapped.segment().byteSize() / Float.BYTES <= Integer.MAX_VALUE
                ? mapped.segment() : null;
    }

    /**
     * Counted as read through the mapping; a release meanwhile keeps the range's pages mapped (the
     * kernel is about to read them: a convolution's whole weight matrix, or a block of a connected
     * layer's rows).
     */
    @Override
    public int readInPlace(int layer, long start, long count) {
        if (inPlaceFloats() == null) throw new UnsupportedOperationException(path + ": layer " + layer + " cannot be read in place");
        checkRange(layer, start, count);
        long pos = layerOffset[layer] + start * 4;
        mapped.serveInPlace(pos, count * 4, pos, pos + count * 4);
        return (int) (pos / Float.BYTES);
    }

    /** Mapped: a row's columns cost a copy, no system call (through staging buffers, a read() each). */
    @Override
    public boolean cheapColumnReads() {
        return mapped != null;
    }

    private void readRaw(long pos, int count, float[] dst, int dstOff) {
        if (mapped != null) {
            mapped.readFloats(pos, dst, dstOff, count);
            return;
        }
        ByteBuffer buf = staging.get();
        try {
            int done = 0;
            while (done < count) {
                int n = Math.min(count - done, buf.capacity() / 4);
                buf.clear().limit(n * 4);
                while (buf.hasRemaining()) {
                    if (ch.read(buf, pos + (long) done * 4 + buf.position()) < 0) {
                        throw new VesselsException(path + ": weights file ended early (changed since it was opened?)");
                    }
                }
                buf.flip();
                buf.asFloatBuffer().get(dst, dstOff + done, n);
                done += n;
            }
        } catch (IOException e) {
            throw new VesselsException(path + ": cannot read weights: " + e.getMessage());
        }
    }

    private void readTransposedConnected(dev.vessels.core.layers.ConnectedLayer c, long start, int count, float[] dst,
                                         int dstOff) {
        long wStart = c.outputs(), wEnd = wStart + (long) c.outputs() * c.inputs();
        float[] one = new float[1];
        long base = layerOffset[c.index()];
        for (int i = 0; i < count; i++) {
            long p = start + i;
            long filePos = p;
            if (p >= wStart && p < wEnd) {
                long q = p - wStart;        // index in [out][in] order
                long row = q / c.inputs(), col = q % c.inputs();
                filePos = wStart + col * c.outputs() + row; // stored as [in][out]
            }
            if (mapped != null) {
                dst[dstOff + i] = mapped.floatAt(base + filePos * 4);
            } else {
                readRaw(base + filePos * 4, 1, one, 0);
                dst[dstOff + i] = one[0];
            }
        }
        if (mapped != null) mapped.countRead(c.paramFloats() * 4); // the strided reads touched the whole layer
    }

    /** Positional reads into per-thread buffers: several threads may read disjoint ranges at once. */
    @Override
    public boolean concurrentReads() {
        return true;
    }

    @Override
    public void close() {
        if (mapped != null) mapped.close();
        close(ch);
    }
}
