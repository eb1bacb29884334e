package dev.vessels.enclave.seal;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The random 128-bit identity a sealed model gets when it is sealed. It salts the key derivation,
 * so every sealed file has its own keys even under one master key, and it is bound into every
 * chunk's associated data. It is stored in clear: a key-release service needs it before anything
 * can be decrypted.
 */
public final class ModelId {
    public static final int BYTES = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] id; // [16]

    private ModelId(byte[] id) {
        this.id = id;
    }

    public static ModelId random() {
        byte[] b = new byte[BYTES];
        RANDOM.nextBytes(b);
        return new ModelId(b);
    }

    public static ModelId of(byte[] raw) {
        if (raw.length != BYTES) throw new IllegalArgumentException("a model id has 16 bytes, got " + raw.length);
        return new ModelId(raw.clone());
    }

    public byte[] bytes() {
        return id.clone();
    }

    public String hex() {
        return HexFormat.of().formatHex(id);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelId m && Arrays.equals(id, m.id);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(id);
    }

    @Override
    public String toString() {
        return hex();
    }
}
