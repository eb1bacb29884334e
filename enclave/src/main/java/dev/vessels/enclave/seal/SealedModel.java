package dev.vessels.enclave.seal;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.exec.Parallel;
import dev.vessels.core.cfg.CfgReader;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.weights.MappedFile;
import dev.vessels.core.weights.ParamSource;

/**
 * An opened sealed model ({@code .vsl}). {@link #open} authenticates the clear prefix, the header
 * (with the cfg inside) and the trailer, checks that the file has exactly the length the
 * authenticated chunk table implies, and parses the network from the sealed cfg. Parameters stay
 * encrypted on disk: {@link #read} decrypts exactly the chunks that cover the requested range, when
 * they are requested — inside the enclave, in the on-demand design — and keeps only the one chunk
 * it decrypted last (a layer read in order decrypts each chunk once).
 *
 * <p>AES-GCM decryption in the JDK releases no plaintext before the tag is verified, so a
 * tampered chunk never yields values: the read throws a {@link VesselsException} naming the file,
 * layer and chunk. Chunks covering one read are each verified before their floats are copied; a
 * failure part-way through a read aborts the prediction that asked for it.
 */
public final class SealedModel implements ParamSource {
    private final Path path;
    private final FileChannel ch;
    private final MappedFile mapped;        // the file read through a mapping (one copy less); null: through ch
    private final ModelId id;
    private final SealedHeader header;
    private final Network net;
    private final SecretKey chunkKey;
    private final long[] layerPos;          // [layers] file offset of each layer's first chunk

    // Decryption state (guarded by this). Part k of a parallel read uses gcm[k], ct[k] and plain[k]
    // only; the one decrypted chunk kept between reads lives in cachePlain, which is swapped with
    // the plain[k] that decrypted it (no copy).
    private final int bufFloats;            // min(chunkFloats, largest layer): the longest chunk
    private Parallel par = Parallel.SERIAL; // decryption threads (see decryptThreads, decryptOn)
    private boolean ownsPar;                // par was made here (decryptThreads), not lent (decryptOn)
    private int poolsStarted;               // by decryptThreads, for tests
    private Cipher[] gcm;                   // [parts] one AES-GCM instance per part
    private byte[][] ct;                    // [parts][bufFloats·4 + 16] ciphertext being decrypted
    private byte[][] plain;                 // [parts][bufFloats·4] verified plaintext, LE floats
    private byte[] cachePlain;              // [bufFloats·4] plaintext of chunk (cacheLayer, cacheChunk)
    private int cacheLayer = -1, cacheChunk = -1;
    private long chunksDecrypted;

    private SealedModel(Path path, FileChannel ch, ModelId id, SealedHeader header, Network net, SecretKey chunkKey,
                        long[] layerPos) {
        this.path = path;
        this.ch = ch;
        this.mapped = MappedFile.map(path, ch);
        this.id = id;
        this.header = header;
        this.net = net;
        this.chunkKey = chunkKey;
        this.layerPos = layerPos;
        long largest = 1;
        for (long f : header.layerFloats()) largest = Math.max(largest, f);
        bufFloats = (int) Math.min(header.chunkFloats(), largest);
        cachePlain = new byte[bufFloats * Float.BYTES];
        allocateParts(1);
    }

    private void allocateParts(int parts) {
        gcm = new Cipher[parts];
        ct = new byte[parts][];
        plain = new byte[parts][];
        for (int k = 0; k < parts; k++) {
            gcm[k] = SealedFormat.gcm();
            plain[k] = new byte[bufFloats * Float.BYTES];
            ct[k] = new byte[plain[k].length + SealedFormat.TAG_BYTES];
        }
    }

    /**
     * Decrypts a read's chunks on up to {@code threads} threads (each chunk is authenticated on its
     * own, so they are independent). An executor's parameter reads happen between its parallel
     * kernels, while its workers wait, so the executor's thread count costs no extra cores. Each
     * thread holds one chunk of ciphertext and one of plaintext (2 × 256 KiB at the default chunk).
     */
    public synchronized void decryptThreads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (ownsPar && threads == par.threads()) return;
        release();
        par = Parallel.parking(threads); // beside the executor's own threads: never spin while idle
        ownsPar = true;
        if (par != Parallel.SERIAL) poolsStarted++;
        allocateParts(threads);
    }

    /**
     * Decrypts on {@code shared}'s threads: the prediction's own, lent by its executor (the caller
     * keeps ownership). Its reads come between its parallel kernels, so those threads are idle and
     * hot then; no second pool competes with them for the cores. A read made while {@code shared}
     * is busy (a prefetching reader thread) decrypts on its caller alone, still correctly.
     */
    public synchronized void decryptOn(Parallel shared) {
        release();
        par = shared;
        ownsPar = false;
        allocateParts(shared.threads());
    }

    /** Pools of decryption threads {@link #decryptThreads} has started (threads this model owned, not lent ones). */
    public synchronized int decryptionPoolsStarted() {
        return poolsStarted;
    }

    private void release() {
        if (ownsPar && par != Parallel.SERIAL) par.close();
        wipeParts();
    }

    /**
     * True when {@code path} is a regular file that starts with the sealed-container magic (so a
     * sealed model is recognised whatever its name; nothing is authenticated here).
     */
    public static boolean hasSealedMagic(Path path) {
        if (!Files.isRegularFile(path)) return false;
        try (FileChannel c = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(SealedFormat.MAGIC.length);
            while (b.hasRemaining() && c.read(b) > 0) {
                // read the magic's bytes
            }
            return !b.hasRemaining() && Arrays.equals(b.array(), SealedFormat.MAGIC);
        } catch (IOException e) {
            return false;
        }
    }

    /** Opens and authenticates {@code path}; the key comes from {@code keys}. */
    public static SealedModel open(Path path, KeyProvider keys) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new VesselsException(path + ": sealed model not found");
        } catch (IOException e) {
            throw new VesselsException(path + ": cannot open sealed model: " + e.getMessage());
        }
        try {
            return open(path, ch, keys);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new VesselsException(path + ": cannot read sealed model: " + e.getMessage());
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static SealedModel open(Path path, FileChannel ch, KeyProvider keys) throws IOException {
        long size = ch.size();
        byte[] prefix = new byte[SealedFormat.PREFIX_BYTES];
        if (size < prefix.length) {
            throw new VesselsException(path + ": not a sealed model (" + size + " bytes, shorter than a .vsl header)");
        }
        readFully(ch, ByteBuffer.wrap(prefix), 0, path);
        if (!Arrays.equals(prefix, 0, 8, SealedFormat.MAGIC, 0, 8)) {
            throw new VesselsException(path + ": not a sealed model (bad magic; expected a .vsl file written by 'vessels seal')");
        }
        ByteBuffer p = ByteBuffer.wrap(prefix, 8, prefix.length - 8);
        int major = Short.toUnsignedInt(p.getShort()), minor = Short.toUnsignedInt(p.getShort());
        if (major != SealedFormat.MAJOR) {
            throw new VesselsException(path + ": sealed model format " + major + "." + minor + " is not supported (this Vessels reads "
                    + SealedFormat.MAJOR + ".x)");
        }
        byte[] idBytes = new byte[ModelId.BYTES];
        p.get(idBytes);
        ModelId id = ModelId.of(idBytes);
        int headerCt = p.getInt();
        if (headerCt < SealedFormat.TAG_BYTES || headerCt > SealedFormat.MAX_HEADER_BYTES
                || SealedFormat.PREFIX_BYTES + (long) headerCt + SealedFormat.TAG_BYTES > size) {
            // The length is authenticated with the header, but we must not allocate or read past the
            // end on the strength of an unverified number: a bad length is as much tampering as a bad tag.
            throw authFailed(path, "header");
        }
        MasterKey master = keys.masterKey(id);
        SecretKey[] k;
        try {
            k = SealedFormat.deriveKeys(master, id);
        } finally {
            master.destroy();
        }
        byte[] hct = new byte[headerCt];
        readFully(ch, ByteBuffer.wrap(hct), SealedFormat.PREFIX_BYTES, path);
        Cipher gcm = SealedFormat.gcm();
        byte[] plainHeader;
        try {
            gcm.init(Cipher.DECRYPT_MODE, k[0], SealedFormat.nonce(SealedFormat.DOMAIN_HEADER, 0, 0));
            gcm.updateAAD(prefix);
            plainHeader = gcm.doFinal(hct);
        } catch (AEADBadTagException e) {
            throw authFailed(path, "header");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM: " + e, e);
        }
        SealedHeader h = SealedHeader.decode(plainHeader, path.toString());

        long[] layerPos = new long[h.layers()];
        long pos = SealedFormat.PREFIX_BYTES + (long) headerCt;
        for (int i = 0; i < h.layers(); i++) {
            layerPos[i] = pos;
            pos += h.layerBytes(i);
        }
        long expected = pos + SealedFormat.TAG_BYTES;
        if (size != expected) {
            throw new VesselsException(path + ": sealed model is " + (size < expected ? "truncated" : "too long") + ": "
                    + size + " bytes, its authenticated header says " + expected + "; tampered or incompletely copied file");
        }
        byte[] trailer = new byte[SealedFormat.TAG_BYTES];
        readFully(ch, ByteBuffer.wrap(trailer), pos, path);
        try {
            gcm.init(Cipher.DECRYPT_MODE, k[0], SealedFormat.nonce(SealedFormat.DOMAIN_TRAILER, 0, 0));
            gcm.updateAAD(SealedFormat.trailerAad(id, h.layers(), h.totalChunks(), pos));
            gcm.doFinal(trailer);
        } catch (AEADBadTagException e) {
            throw authFailed(path, "trailer");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM: " + e, e);
        }

        Network net;
        try {
            net = Network.parse(path.toString(), CfgReader.read(path + " (sealed cfg)", new StringReader(h.cfgText())));
        } catch (VesselsException e) {
            throw new VesselsException(path + ": the sealed cfg does not parse with this version of Vessels: " + e.getMessage());
        }
        if (net.layers().size() != h.layers()) {
            throw new VesselsException(path + ": sealed cfg has " + net.layers().size() + " layers, the chunk table "
                    + h.layers() + "; sealed by an incompatible version of Vessels?");
        }
        for (Layer l : net.layers()) {
            if (l.paramFloats() != h.layerFloats()[l.index()]) {
                throw new VesselsException(path + ": layer " + l.index() + " (" + l.kind() + ") has " + l.paramFloats()
                        + " parameters by this parser, " + h.layerFloats()[l.index()]
                        + " in the sealed chunk table; sealed by an incompatible version of Vessels?");
            }
        }
        CryptoWarmUp.ensure(size);
        return new SealedModel(path, ch, id, h, net, k[1], layerPos);
    }

    private static VesselsException authFailed(Path path, String what) {
        return new VesselsException(path + ": authentication failed for " + what + ": wrong key or tampered file");
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos, Path path) throws IOException {
        long p = pos;
        while (b.hasRemaining()) {
            int n = ch.read(b, p);
            if (n < 0) throw new VesselsException(path + ": sealed model ended early (changed since it was opened?)");
            p += n;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // reporting the original failure matters more
        }
    }

    public Path path() { return path; }
    public ModelId modelId() { return id; }

    /** The sealed cfg text (decrypted; treat as confidential). */
    public String cfgText() { return header.cfgText(); }

    public String cfgSha256() { return HexFormat.of().formatHex(header.cfgSha256()); }

    /** Parameters per encrypted chunk: on-demand readers that align their reads to it decrypt each chunk once. */
    public int chunkFloats() { return header.chunkFloats(); }

    public int chunkCount(int layer) { return header.layerChunks()[layer]; }

    public long totalChunks() { return header.totalChunks(); }

    /** Where the parameters came from when the model was sealed (a weights path or synthetic:SEED). */
    public String sealedFrom() { return header.source(); }

    /** Chunks decrypted so far (each one a read of untrusted storage: an OCALL inside an enclave). */
    public synchronized long chunksDecrypted() { return chunksDecrypted; }

    @Override
    public Network network() { return net; }

    @Override
    public String describe() { return path.toString(); }

    @Override
    public boolean synthetic() { return header.synthetic(); }

    @Override
    public synchronized void read(int layer, long start, int count, float[] dst, int dstOff) {
        if (layer < 0 || layer >= header.layers()) throw new IndexOutOfBoundsException("layer " + layer);
        long n = header.layerFloats()[layer];
        if (start < 0 || count < 0 || start + count > n) {
            throw new IndexOutOfBoundsException("layer " + layer + " has " + n + " parameters; asked for " + start + "+" + count);
        }
        if (count == 0) return;
        int cf = header.chunkFloats();
        int first = (int) (start / cf), last = (int) ((start + count - 1) / cf);
        // The kept chunk first: the parts below reuse their buffers, never cachePlain.
        boolean cachedFirst = cacheLayer == layer && cacheChunk == first;
        boolean cachedLast = cacheLayer == layer && cacheChunk == last;
        if (cachedFirst || cachedLast) copyOut(cachePlain, layer, cacheChunk, start, count, dst, dstOff);
        int from = cachedFirst ? first + 1 : first, to = cachedLast ? last - 1 : last; // chunks [from, to] to decrypt
        if (to < from) return;
        cacheLayer = -1; // invalid until this read's chunks are all verified
        int chunks = to - from + 1;
        int parts = Math.min(par.threads(), chunks);
        // Contiguous ranges of chunks, part k ascending, so the part that ends at `to` holds it last.
        par.forEachPart(parts, k -> {
            int lo = from + Parallel.partStart(chunks, k, parts), hi = from + Parallel.partStart(chunks, k + 1, parts);
            for (int c = lo; c < hi; c++) {
                decrypt(k, layer, c);
                copyOut(plain[k], layer, c, start, count, dst, dstOff);
            }
        });
        chunksDecrypted += chunks;
        if (!cachedLast) {
            // Keep the read's last chunk (the next piece of this layer usually starts in it): swap, not copy.
            byte[] t = cachePlain;
            cachePlain = plain[parts - 1];
            plain[parts - 1] = t;
            cacheLayer = layer;
            cacheChunk = to;
        } else {
            cacheLayer = layer; // cachePlain was not touched: it still holds chunk `last`
        }
    }

    /** Converts the part of chunk {@code chunk} that lies in the read [start, start+count) into dst. */
    private void copyOut(byte[] chunkPlain, int layer, int chunk, long start, int count, float[] dst, int dstOff) {
        long c0 = (long) chunk * header.chunkFloats();
        long lo = Math.max(start, c0), hi = Math.min(start + count, c0 + chunkLength(layer, chunk));
        ByteBuffer.wrap(chunkPlain, (int) (lo - c0) * Float.BYTES, (int) (hi - lo) * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer().get(dst, dstOff + (int) (lo - start), (int) (hi - lo));
    }

    /**
     * Decrypts and authenticates every chunk, keeping nothing: proves the whole file intact (a
     * full scan of a large model takes a while; open() alone checks header, trailer and length).
     */
    public synchronized void verifyAll() {
        cacheLayer = -1;
        for (int layer = 0; layer < header.layers(); layer++) {
            for (int c = 0; c < header.layerChunks()[layer]; c++) {
                decrypt(0, layer, c);
                chunksDecrypted++;
            }
        }
    }

    private int chunkLength(int layer, int chunk) {
        return (int) Math.min(header.chunkFloats(), header.layerFloats()[layer] - (long) chunk * header.chunkFloats());
    }

    /** Reads and authenticates one chunk into plain[part]; no plaintext is released unless the tag verifies. */
    private void decrypt(int part, int layer, int chunk) {
        int len = chunkLength(layer, chunk);
        int ctLen = len * Float.BYTES + SealedFormat.TAG_BYTES;
        long pos = layerPos[layer] + (long) chunk * SealedFormat.chunkCiphertextBytes(header.chunkFloats());
        try {
            // Ciphertext is copied into the enclave before it is authenticated and decrypted, never
            // decrypted in place from untrusted memory (which the host could change between passes).
            if (mapped != null) {
                mapped.readBytes(pos, ct[part], 0, ctLen);
            } else {
                readFully(ch, ByteBuffer.wrap(ct[part], 0, ctLen), pos, path);
            }
            Cipher g = gcm[part];
            g.init(Cipher.DECRYPT_MODE, chunkKey, SealedFormat.nonce(SealedFormat.DOMAIN_CHUNK, layer, chunk));
            g.updateAAD(SealedFormat.chunkAad(id, layer, chunk, header.layerChunks()[layer], header.totalChunks()));
            g.doFinal(ct[part], 0, ctLen, plain[part], 0);
        } catch (AEADBadTagException e) {
            throw new VesselsException(path + ": authentication failed for layer " + layer + " chunk " + chunk
                    + ": wrong key or tampered file");
        } catch (IOException e) {
            throw new VesselsException(path + ": cannot read sealed model: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM: " + e, e);
        }
    }

    private void wipeParts() {
        for (byte[] b : plain) Arrays.fill(b, (byte) 0);
    }

    @Override
    public synchronized void close() {
        wipeParts();
        Arrays.fill(cachePlain, (byte) 0);
        cacheLayer = -1;
        if (ownsPar && par != Parallel.SERIAL) par.close();
        if (mapped != null) mapped.close();
        closeQuietly(ch);
    }
}
