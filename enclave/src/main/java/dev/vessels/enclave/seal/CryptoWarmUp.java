package dev.vessels.enclave.seal;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Brings the JDK's AES-GCM to full speed before a model's first prediction. Until C2 compiles the
 * GCM code the JVM decrypts at well under 100 MB/s (measured on the project machine: 64 MiB of
 * 1 MiB chunks took ~0.9 s cold against ~5 ms warm); the AES-NI/VAES intrinsics only come into
 * play once it is compiled. Many small operations get it compiled quickly (~20,000 × 4 KiB
 * encrypt+decrypt: ~0.25 s), which would otherwise be paid inside the first on-demand loads.
 * Done once per JVM, only for models large enough to matter, with a throwaway key.
 */
final class CryptoWarmUp {
    /** Below this many parameter bytes a cold decryption costs less than the warm-up itself. */
    static final long WORTH_IT_BYTES = 16L << 20;
    private static final int OPS = 20_000, BYTES = 4096;
    private static final long MAX_NANOS = 1_000_000_000L; // bounded on slow machines
    private static volatile boolean done;

    private CryptoWarmUp() {}

    static void ensure(long modelBytes) {
        if (done || modelBytes < WORTH_IT_BYTES) return;
        synchronized (CryptoWarmUp.class) {
            if (done) return;
            try {
                byte[] k = new byte[32];
                new SecureRandom().nextBytes(k);
                SecretKeySpec key = new SecretKeySpec(k, "AES");
                Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
                byte[] pt = new byte[BYTES], ct = new byte[BYTES + 16], out = new byte[BYTES], iv = new byte[12];
                long t0 = System.nanoTime();
                for (int i = 0; i < OPS && System.nanoTime() - t0 < MAX_NANOS; i++) {
                    iv[0] = (byte) i;
                    iv[1] = (byte) (i >>> 8);
                    iv[2] = (byte) (i >>> 16);
                    c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
                    c.doFinal(pt, 0, BYTES, ct, 0);
                    c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, iv));
                    c.doFinal(ct, 0, ct.length, out, 0);
                }
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM warm-up failed", e);
            }
            done = true;
        }
    }
}
