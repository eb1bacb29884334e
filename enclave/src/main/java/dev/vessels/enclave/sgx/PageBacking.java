package dev.vessels.enclave.sgx;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;

import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The untrusted backing store of one enclave's evicted pages, for {@link EpcConfig.Mode#REAL_WORK}:
 * EWB encrypts the 4 KiB page with AES-GCM under a per-enclave key (the CPU's paging key stands
 * behind it in real SGX) and a nonce made of the page number and its eviction version (SGX keeps
 * the version in a Version Array slot, so a stale copy cannot be replayed); ELDU decrypts and
 * verifies it. The emulator does not hold the enclave's real data (it lives in the executor's
 * arrays), so the page plaintext is a pattern naming page and version, checked on reload.
 *
 * <p>Backing memory is off-heap, allocated in blocks of 256 slots as pages are first evicted, as
 * the Linux driver backs evicted pages with shmem: a thrashing enclave costs host RAM, not JVM heap.
 * Not thread-safe: the emulator calls it under its lock.
 */
final class PageBacking implements AutoCloseable {
    private static final int SLOT = EpcConfig.PAGE_BYTES + 16; // ciphertext + GCM tag
    private static final int BLOCK_PAGES = 256;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] blocks;      // [ceil(pages/256)] each [256 × 4112] bytes, lazily allocated
    private final int[] version;               // [pages] evictions so far of each page
    private final SecretKey key;
    private final Cipher gcm;
    private final MessageDigest measurement;   // EEXTEND stand-in
    private final byte[] plain = new byte[EpcConfig.PAGE_BYTES]; // [4096] page being written out / read back
    private final byte[] nonce = new byte[12];

    PageBacking(int pages) {
        blocks = new MemorySegment[(pages + BLOCK_PAGES - 1) / BLOCK_PAGES];
        version = new int[pages];
        try {
            KeyGenerator kg = KeyGenerator.getInstance("AES");
            kg.init(256, new SecureRandom());
            key = kg.generateKey();
            gcm = Cipher.getInstance("AES/GCM/NoPadding");
            measurement = MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK without AES-GCM or SHA-256", e);
        }
    }

    /** EADD + EEXTEND stand-in: measures a zero page into the enclave's running hash. */
    void measure(int page) {
        java.util.Arrays.fill(plain, (byte) 0);
        measurement.update(plain);
    }

    /** EWB: encrypts the page into its backing slot. */
    void writeOut(int page) {
        int v = ++version[page];
        pattern(page, v);
        try {
            gcm.init(Cipher.ENCRYPT_MODE, key, nonce(page, v));
            gcm.doFinal(ByteBuffer.wrap(plain), slot(page));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("emulated EWB failed", e);
        }
    }

    /** ELDU: decrypts and verifies the page's backing copy; a mismatch is an emulator bug. */
    void readBack(int page) {
        int v = version[page];
        try {
            gcm.init(Cipher.DECRYPT_MODE, key, nonce(page, v));
            ByteBuffer in = slot(page);
            int n = gcm.doFinal(in, ByteBuffer.wrap(plain));
            if (n != EpcConfig.PAGE_BYTES || ByteBuffer.wrap(plain).getInt(0) != page || ByteBuffer.wrap(plain).getInt(4) != v) {
                throw new IllegalStateException("emulated ELDU read back the wrong page " + page);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("emulated ELDU failed to verify page " + page, e);
        }
    }

    private ByteBuffer slot(int page) {
        int b = page / BLOCK_PAGES;
        if (blocks[b] == null) blocks[b] = arena.allocate((long) SLOT * BLOCK_PAGES, 64);
        return blocks[b].asSlice((long) (page % BLOCK_PAGES) * SLOT, SLOT).asByteBuffer();
    }

    private GCMParameterSpec nonce(int page, int v) {
        ByteBuffer.wrap(nonce).putInt(0, page).putInt(4, v).putInt(8, 0x45574221); // "EWB!"
        return new GCMParameterSpec(128, nonce);
    }

    private void pattern(int page, int v) {
        ByteBuffer b = ByteBuffer.wrap(plain);
        for (int i = 0; i < plain.length; i += 8) b.putInt(i, page).putInt(i + 4, v);
    }

    @Override
    public void close() {
        arena.close();
    }
}
