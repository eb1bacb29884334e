package dev.vessels.enclave.seal;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import dev.vessels.core.VesselsException;

/**
 * The encrypted header of a {@code .vsl} file (layout in {@link SealedFormat}).
 *
 * @param cfgSha256   [32] SHA-256 of the UTF-8 cfg text: the model's architecture identity
 * @param chunkFloats parameters per chunk (the last chunk of a layer may be shorter)
 * @param layerFloats [layers] parameter count of each layer
 * @param layerChunks [layers] chunk count of each layer (ceil(layerFloats / chunkFloats))
 * @param synthetic   whether the sealed parameters came from the seeded generator
 * @param source      where the parameters came from when sealed (a weights path or synthetic:SEED)
 * @param cfgText     the Darknet cfg, so the network is parsed from the sealed file itself
 */
record SealedHeader(byte[] cfgSha256, int chunkFloats, long[] layerFloats, int[] layerChunks, boolean synthetic,
                    String source, String cfgText) {

    long totalChunks() {
        long n = 0;
        for (int c : layerChunks) n += c;
        return n;
    }

    int layers() {
        return layerFloats.length;
    }

    /** Bytes of all chunk ciphertexts of one layer. */
    long layerBytes(int layer) {
        long floats = layerFloats[layer];
        return floats * Float.BYTES + (long) layerChunks[layer] * SealedFormat.TAG_BYTES;
    }

    byte[] encode() {
        byte[] src = source.getBytes(StandardCharsets.UTF_8);
        byte[] cfg = cfgText.getBytes(StandardCharsets.UTF_8);
        if (src.length > 0xFFFF) throw new IllegalArgumentException("source description too long");
        int size = 32 + 4 + 4 + 8 + layers() * 12 + 1 + 2 + src.length + 4 + cfg.length;
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(cfgSha256).putInt(chunkFloats).putInt(layers()).putLong(totalChunks());
        for (int i = 0; i < layers(); i++) b.putLong(layerFloats[i]).putInt(layerChunks[i]);
        b.put((byte) (synthetic ? 1 : 0)).putShort((short) src.length).put(src).putInt(cfg.length).put(cfg);
        return b.array();
    }

    /**
     * Decodes an authenticated header. Authentication already passed, so a failure here means a
     * writer of another version, not tampering; it is still checked field by field.
     */
    static SealedHeader decode(byte[] plain, String file) {
        try {
            ByteBuffer b = ByteBuffer.wrap(plain);
            byte[] sha = new byte[32];
            b.get(sha);
            int chunkFloats = b.getInt();
            int layers = b.getInt();
            long total = b.getLong();
            if (chunkFloats < 1 || chunkFloats > SealedFormat.MAX_CHUNK_FLOATS) throw bad(file, "chunk size " + chunkFloats);
            if (layers < 1 || (long) layers * 12 > b.remaining()) throw bad(file, "layer count " + layers);
            long[] floats = new long[layers];
            int[] chunks = new int[layers];
            long sum = 0;
            for (int i = 0; i < layers; i++) {
                floats[i] = b.getLong();
                chunks[i] = b.getInt();
                if (floats[i] < 0 || chunks[i] != SealedFormat.chunkCount(floats[i], chunkFloats)) {
                    throw bad(file, "layer " + i + " has " + floats[i] + " parameters in " + chunks[i] + " chunks");
                }
                sum += chunks[i];
            }
            if (sum != total) throw bad(file, "chunk table sums to " + sum + ", header says " + total);
            boolean synthetic = switch (b.get()) {
                case 0 -> false;
                case 1 -> true;
                default -> throw bad(file, "synthetic flag");
            };
            byte[] src = new byte[Short.toUnsignedInt(b.getShort())];
            b.get(src);
            int cfgLen = b.getInt();
            if (cfgLen < 0 || cfgLen != b.remaining()) throw bad(file, "cfg length " + cfgLen);
            byte[] cfg = new byte[cfgLen];
            b.get(cfg);
            if (!java.security.MessageDigest.isEqual(sha, SealedFormat.sha256(cfg))) throw bad(file, "cfg hash");
            return new SealedHeader(sha, chunkFloats, floats, chunks, synthetic,
                    new String(src, StandardCharsets.UTF_8), new String(cfg, StandardCharsets.UTF_8));
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw bad(file, "truncated fields");
        }
    }

    private static VesselsException bad(String file, String what) {
        return new VesselsException(file + ": sealed model header is authentic but malformed (" + what
                + "); was it written by another version of Vessels?");
    }
}
