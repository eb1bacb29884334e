package dev.vessels.enclave.seal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.cfg.CfgReader;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.weights.ParamSource;

/**
 * Writes a sealed model ({@code .vsl}, format in {@link SealedFormat}). The file is written to a
 * temporary sibling and renamed into place only when complete, so a failure never leaves a partial
 * sealed model behind.
 */
public final class SealedModelWriter {
    public static final int DEFAULT_CHUNK_FLOATS = SealedFormat.DEFAULT_CHUNK_FLOATS;

    private SealedModelWriter() {}

    public static SealedSummary seal(String cfgText, ParamSource params, MasterKey key, Path out) {
        return seal(cfgText, params, key, out, DEFAULT_CHUNK_FLOATS);
    }

    /**
     * Seals the network described by {@code cfgText} with the parameters of {@code params} (which
     * must belong to a network of exactly the same layers and parameter counts) under {@code key}.
     *
     * @param chunkFloats parameters per encrypted chunk, 1 … 16,777,216
     */
    public static SealedSummary seal(String cfgText, ParamSource params, MasterKey key, Path out, int chunkFloats) {
        if (chunkFloats < 1 || chunkFloats > SealedFormat.MAX_CHUNK_FLOATS) {
            throw new VesselsException("chunk size must be 1.." + SealedFormat.MAX_CHUNK_FLOATS + " floats, got " + chunkFloats);
        }
        Network src = params.network();
        Network net = parse(cfgText, src.name());
        if (src.layers().size() != net.layers().size()) {
            throw new VesselsException(params.describe() + ": parameters are for " + src.layers().size()
                    + " layers, the cfg has " + net.layers().size());
        }
        int layers = net.layers().size();
        long[] floats = new long[layers];
        int[] chunks = new int[layers];
        for (Layer l : net.layers()) {
            long n = src.layers().get(l.index()).paramFloats();
            if (n != l.paramFloats()) {
                throw new VesselsException(params.describe() + ": layer " + l.index() + " (" + l.kind() + ") has " + n
                        + " parameters, the cfg's has " + l.paramFloats());
            }
            floats[l.index()] = n;
            chunks[l.index()] = SealedFormat.chunkCount(n, chunkFloats);
        }
        byte[] cfgBytes = cfgText.getBytes(StandardCharsets.UTF_8);
        SealedHeader header = new SealedHeader(SealedFormat.sha256(cfgBytes), chunkFloats, floats, chunks,
                params.synthetic(), params.describe(), cfgText);
        ModelId id = ModelId.random();
        Path dir = out.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new VesselsException(out + ": output directory does not exist");
        Path tmp;
        try {
            tmp = Files.createTempFile(dir, "." + out.getFileName() + ".", ".partial");
        } catch (IOException e) {
            throw new VesselsException(out + ": cannot create output: " + e.getMessage());
        }
        boolean done = false;
        try {
            long bytes = write(header, id, params, key, tmp);
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            done = true;
            return new SealedSummary(id, HexFormat.of().formatHex(header.cfgSha256()), layers, net.paramFloats(),
                    header.totalChunks(), chunkFloats, bytes);
        } catch (IOException e) {
            throw new VesselsException(out + ": cannot write sealed model: " + e.getMessage());
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure is the one to report
                }
            }
        }
    }

    private static Network parse(String cfgText, String name) {
        try {
            return Network.parse(name, CfgReader.read(name, new StringReader(cfgText)));
        } catch (IOException e) {
            throw new IllegalStateException("reading a String cannot fail", e);
        }
    }

    private static long write(SealedHeader h, ModelId id, ParamSource params, MasterKey key, Path file)
            throws IOException {
        SecretKey[] keys = SealedFormat.deriveKeys(key, id);
        Cipher gcm = SealedFormat.gcm();
        long total = h.totalChunks();
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            byte[] plainHeader = h.encode();
            int headerCt = plainHeader.length + SealedFormat.TAG_BYTES;
            if (headerCt > SealedFormat.MAX_HEADER_BYTES) throw new VesselsException(file + ": cfg too large to seal");
            byte[] prefix = SealedFormat.prefix(id, headerCt);
            gcm.init(Cipher.ENCRYPT_MODE, keys[0], SealedFormat.nonce(SealedFormat.DOMAIN_HEADER, 0, 0));
            gcm.updateAAD(prefix);
            os.write(prefix);
            os.write(gcm.doFinal(plainHeader));
            long pos = SealedFormat.PREFIX_BYTES + headerCt;

            float[] floats = new float[(int) Math.min(h.chunkFloats(), maxLayerFloats(h))]; // [chunk floats]
            byte[] plain = new byte[floats.length * Float.BYTES];                            // [chunk bytes], LE floats
            byte[] ct = new byte[plain.length + SealedFormat.TAG_BYTES];
            ByteBuffer le = ByteBuffer.wrap(plain).order(ByteOrder.LITTLE_ENDIAN);
            for (int layer = 0; layer < h.layers(); layer++) {
                long n = h.layerFloats()[layer];
                for (int c = 0; c < h.layerChunks()[layer]; c++) {
                    long start = (long) c * h.chunkFloats();
                    int cnt = (int) Math.min(h.chunkFloats(), n - start);
                    params.read(layer, start, cnt, floats, 0);
                    le.clear();
                    le.asFloatBuffer().put(floats, 0, cnt);
                    gcm.init(Cipher.ENCRYPT_MODE, keys[1], SealedFormat.nonce(SealedFormat.DOMAIN_CHUNK, layer, c));
                    gcm.updateAAD(SealedFormat.chunkAad(id, layer, c, h.layerChunks()[layer], total));
                    int len = gcm.doFinal(plain, 0, cnt * Float.BYTES, ct, 0);
                    os.write(ct, 0, len);
                    pos += len;
                }
            }
            gcm.init(Cipher.ENCRYPT_MODE, keys[0], SealedFormat.nonce(SealedFormat.DOMAIN_TRAILER, 0, 0));
            gcm.updateAAD(SealedFormat.trailerAad(id, h.layers(), total, pos));
            byte[] trailer = gcm.doFinal();
            os.write(trailer);
            return pos + trailer.length;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed: " + e, e);
        }
    }

    private static long maxLayerFloats(SealedHeader h) {
        long m = 1;
        for (long f : h.layerFloats()) m = Math.max(m, f);
        return m;
    }
}
