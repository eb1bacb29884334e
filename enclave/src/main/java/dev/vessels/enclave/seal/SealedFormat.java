package dev.vessels.enclave.seal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

import javax.crypto.Cipher;
import javax.crypto.KDF;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.HKDFParameterSpec;

/**
 * The {@code .vsl} sealed-model container, version 1. All integers are big-endian; parameters are
 * little-endian float32, as in Darknet's {@code .weights}.
 *
 * <pre>
 * offset  size  field
 *  0       8    magic 0x89 'V' 'S' 'L' '\r' '\n' 0x1A '\n'   (PNG-style: catches text-mode mangling)
 *  8       2    format major version (1)          ─┐
 * 10       2    format minor version (0)           │ the clear prefix; all of it is the
 * 12      16    model id (random, per sealing)     │ associated data of the header's AES-GCM
 * 28       4    header ciphertext length N         ─┘
 * 32       N    header: AES-256-GCM(header key, nonce(HEADER,0,0), aad = prefix) of
 *                 SHA-256(cfg text) [32] · chunk floats u32 · layer count u32 · total chunks u64 ·
 *                 per layer { parameter floats u64 · chunk count u32 } ·
 *                 synthetic u8 · source description (u16 length + UTF-8) · cfg text (u32 length + UTF-8)
 * then    for each layer, for each chunk: AES-256-GCM(chunk key, nonce(CHUNK,layer,chunk), aad = chunkAad)
 *               of the chunk's floats: floats·4 bytes of ciphertext + a 16-byte tag
 * last   16    trailer: AES-256-GCM tag of an empty message (header key, nonce(TRAILER,0,0), aad = trailerAad)
 * </pre>
 *
 * <p><b>Keys.</b> HKDF-SHA256 (RFC 5869) with the master key as input keying material and the
 * model id as salt; info strings {@code "vessels.vsl.v1 header"} and {@code "vessels.vsl.v1 chunks"}
 * give two independent AES-256 keys. The cfg text is encrypted too: a network's architecture is
 * part of what a model owner protects (layer sizes still leak roughly through the file length).
 *
 * <p><b>Why a nonce is never reused.</b> The model id is 128 random bits drawn afresh for every
 * sealing, so each sealed file has its own pair of keys (a repeat needs ~2^64 sealings). Under the
 * chunk key each (layer, chunk) pair is encrypted exactly once, and the nonce is that pair; under
 * the header key the header and the trailer use two different domain bytes. So no (key, nonce)
 * pair ever encrypts two messages, which is all AES-GCM requires.
 *
 * <p><b>What the associated data binds.</b> A chunk's AAD is its model id, layer index, chunk
 * index, the layer's chunk count and the model's total chunk count: a chunk moved to another
 * position, another layer or another model fails authentication, as does one whose neighbours
 * were dropped. The chunk table is inside the authenticated header and fixes the exact file
 * length, so a missing or extra byte anywhere is caught at open, and the authenticated trailer
 * marks the end (truncation at a chunk boundary plus a forged length still fails).
 */
final class SealedFormat {
    static final byte[] MAGIC = {(byte) 0x89, 'V', 'S', 'L', '\r', '\n', 0x1A, '\n'};
    static final int MAJOR = 1, MINOR = 0;
    static final int PREFIX_BYTES = 32;
    static final int TAG_BYTES = 16;
    static final int TAG_BITS = 128;
    static final int NONCE_BYTES = 12;
    /** A cfg is a few KB; a larger header length is a corrupt or hostile file, refused before allocating. */
    static final int MAX_HEADER_BYTES = 16 << 20;
    /**
     * Default chunk: 64 KiB of parameters (16,384 floats). A chunk's ciphertext and plaintext then
     * stay in a core's L1/L2 while it is decrypted and converted, and a layer's reads split into
     * enough chunks to use every decrypting thread: against 256 KiB chunks, ResNet152's pure
     * decryption fell from 26.2 to 17.0 ms and its overhead over the plain file from +6.8 % to
     * +5.4 %, DenseNet201's from +9.8 % to +2.3 % (2 threads, same run; docs/sealed-models.md).
     * 1 MiB chunks spilled to L3 and cost about twice the CPU per byte.
     */
    static final int DEFAULT_CHUNK_FLOATS = 1 << 14;
    /** Largest chunk we write or accept (64 MiB): bounds what open() allocates for one chunk. */
    static final int MAX_CHUNK_FLOATS = 1 << 24;

    static final byte DOMAIN_HEADER = 1, DOMAIN_CHUNK = 2, DOMAIN_TRAILER = 3;

    private static final byte[] INFO_HEADER = "vessels.vsl.v1 header".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INFO_CHUNKS = "vessels.vsl.v1 chunks".getBytes(StandardCharsets.US_ASCII);

    private SealedFormat() {}

    /** The two per-model keys: [0] header and trailer, [1] chunks. */
    static SecretKey[] deriveKeys(MasterKey master, ModelId id) {
        try {
            KDF hkdf = KDF.getInstance("HKDF-SHA256");
            SecretKey ikm = master.ikm();
            byte[] salt = id.bytes();
            SecretKey header = hkdf.deriveKey("AES",
                    HKDFParameterSpec.ofExtract().addIKM(ikm).addSalt(salt).thenExpand(INFO_HEADER, 32));
            SecretKey chunks = hkdf.deriveKey("AES",
                    HKDFParameterSpec.ofExtract().addIKM(ikm).addSalt(salt).thenExpand(INFO_CHUNKS, 32));
            return new SecretKey[]{header, chunks};
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK without HKDF-SHA256 or AES: " + e, e);
        }
    }

    static GCMParameterSpec nonce(byte domain, int layer, int chunk) {
        byte[] n = new byte[NONCE_BYTES];
        ByteBuffer.wrap(n).put(domain).put((byte) 0).put((byte) 0).put((byte) 0).putInt(layer).putInt(chunk);
        return new GCMParameterSpec(TAG_BITS, n);
    }

    static byte[] chunkAad(ModelId id, int layer, int chunk, int layerChunks, long totalChunks) {
        return ByteBuffer.allocate(4 + ModelId.BYTES + 4 + 4 + 4 + 8)
                .put(new byte[]{'V', 'S', 'L', 'C'}).put(id.bytes())
                .putInt(layer).putInt(chunk).putInt(layerChunks).putLong(totalChunks).array();
    }

    static byte[] trailerAad(ModelId id, int layers, long totalChunks, long bodyEnd) {
        return ByteBuffer.allocate(4 + ModelId.BYTES + 4 + 8 + 8)
                .put(new byte[]{'V', 'S', 'L', 'E'}).put(id.bytes())
                .putInt(layers).putLong(totalChunks).putLong(bodyEnd).array();
    }

    static byte[] prefix(ModelId id, int headerCiphertextBytes) {
        return ByteBuffer.allocate(PREFIX_BYTES).put(MAGIC).putShort((short) MAJOR).putShort((short) MINOR)
                .put(id.bytes()).putInt(headerCiphertextBytes).array();
    }

    static Cipher gcm() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK without AES/GCM: " + e, e);
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK without SHA-256", e);
        }
    }

    static int chunkCount(long floats, int chunkFloats) {
        long n = (floats + chunkFloats - 1) / chunkFloats;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("too many chunks: " + n);
        return (int) n;
    }

    static long chunkCiphertextBytes(int floats) {
        return (long) floats * Float.BYTES + TAG_BYTES;
    }
}
