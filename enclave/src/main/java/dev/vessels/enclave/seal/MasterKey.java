package dev.vessels.enclave.seal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * A 256-bit master key for sealing models. It never encrypts anything itself: per-model keys are
 * derived from it with HKDF ({@link SealedFormat}). {@link #toString()} shows only a fingerprint,
 * so a key cannot leak into logs or error messages by accident.
 */
public final class MasterKey {
    public static final int BYTES = 32;

    private final byte[] key; // [32] raw key material; zeroed by destroy()
    private boolean destroyed;

    private MasterKey(byte[] key) {
        this.key = key;
    }

    /** Copies {@code raw}, which must be exactly 32 bytes. */
    public static MasterKey of(byte[] raw) {
        if (raw.length != BYTES) throw new IllegalArgumentException("a master key has 32 bytes, got " + raw.length);
        return new MasterKey(raw.clone());
    }

    /** The key as HKDF input keying material. */
    synchronized SecretKey ikm() {
        if (destroyed) throw new IllegalStateException("master key was destroyed");
        return new SecretKeySpec(key, "HKDF-IKM");
    }

    synchronized String hex() {
        if (destroyed) throw new IllegalStateException("master key was destroyed");
        return HexFormat.of().formatHex(key);
    }

    /**
     * A short public identifier: the first 8 bytes of SHA-256("vessels-key-fingerprint" ‖ key). It
     * lets users tell keys apart without revealing them (a 64-bit prefix of a hash says nothing
     * usable about a 256-bit key).
     */
    public synchronized String fingerprint() {
        if (destroyed) return "destroyed";
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update("vessels-key-fingerprint".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(md.digest(key), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK without SHA-256", e);
        }
    }

    /** Overwrites the key material; the key is unusable afterwards. */
    public synchronized void destroy() {
        Arrays.fill(key, (byte) 0);
        destroyed = true;
    }

    @Override
    public String toString() {
        return "MasterKey[fingerprint " + fingerprint() + "]";
    }
}
