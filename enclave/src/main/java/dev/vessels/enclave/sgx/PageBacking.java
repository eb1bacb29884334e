package dev.vessels.enclave.sgx;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

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
 * <p>Only each evicted page's 16-byte GCM tag is kept, not its 4 KiB ciphertext: the ciphertext is
 * a function of (key, page, version), so ELDU regenerates it (one more AES-GCM pass, standing for
 * reading the copy back from untrusted memory), checks its tag against the one EWB kept, then
 * decrypts and verifies it. Keeping every evicted page's bytes cost as much host RAM as the
 * enclaves' whole overcommit (gigabytes for a few thrashing Darknet-style enclaves) and bought
 * nothing the emulation reports: the time of each paging event is its published cost either way
 * (the crypto, under that cost, is topped up by busy work), and the counts are the same.
 * Not thread-safe: the emulator calls it under its lock.
 */
final class PageBacking implements AutoCloseable {
    private static final int TAG = 16;          // GCM tag bytes
    private static final int BLOCK_PAGES = 4096;

    private final byte[][] tags;                // [ceil(pages/4096)][4096 × 16] tag of each page's last EWB, lazily allocated
    private final int[] version;                // [pages] evictions so far of each page
    private final SecretKey key;
    private final Cipher gcm;                   // EWB's encryptions and ELDU's decryptions
    private final Cipher regen;                 // ELDU's regeneration of the copy EWB wrote: the same (key, nonce,
                                                // plaintext) again, which the JDK refuses on the cipher that encrypted it
    private final MessageDigest measurement;    // EEXTEND stand-in
    private final byte[] plain = new byte[EpcConfig.PAGE_BYTES];        // [4096] page being written out / read back
    private final byte[] sealed = new byte[EpcConfig.PAGE_BYTES + TAG]; // [4096 + 16] its ciphertext and tag
    private final byte[] nonce = new byte[12];

    PageBacking(int pages) {
        tags = new byte[(pages + BLOCK_PAGES - 1) / BLOCK_PAGES][];
        version = new int[pages];
        try {
            KeyGenerator kg = KeyGenerator.getInstance("AES");
            kg.init(256, new SecureRandom());
            key = kg.generateKey();
            gcm = Cipher.getInstance("AES/GCM/NoPadding");
            regen = Cipher.getInstance("AES/GCM/NoPadding");
            measurement = MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK without AES-GCM or SHA-256", e);
        }
    }

    /** EADD + EEXTEND stand-in: measures a zero page into the enclave's running hash. */
    void measure(int page) {
        Arrays.fill(plain, (byte) 0);
        measurement.update(plain);
    }

    /** EWB: encrypts the page and keeps its tag. */
    void writeOut(int page) {
        int v = ++version[page];
        encrypt(gcm, page, v);
        System.arraycopy(sealed, EpcConfig.PAGE_BYTES, tag(page), (page % BLOCK_PAGES) * TAG, TAG);
    }

    /** ELDU: regenerates the page's backing copy, checks its tag, decrypts and verifies it; a mismatch is an emulator bug. */
    void readBack(int page) {
        int v = version[page];
        if (v == 0) throw new IllegalStateException("emulated ELDU of page " + page + ", which was never written out");
        encrypt(regen, page, v);
        byte[] t = tag(page);
        int at = (page % BLOCK_PAGES) * TAG;
        if (!Arrays.equals(sealed, EpcConfig.PAGE_BYTES, EpcConfig.PAGE_BYTES + TAG, t, at, at + TAG)) {
            throw new IllegalStateException("emulated ELDU: page " + page + " version " + v + " does not match its EWB");
        }
        try {
            gcm.init(Cipher.DECRYPT_MODE, key, nonce(page, v));
            int n = gcm.doFinal(sealed, 0, sealed.length, plain, 0);
            if (n != EpcConfig.PAGE_BYTES || ByteBuffer.wrap(plain).getInt(0) != page || ByteBuffer.wrap(plain).getInt(4) != v) {
                throw new IllegalStateException("emulated ELDU read back the wrong page " + page);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("emulated ELDU failed to verify page " + page, e);
        }
    }

    /** Version of the page's last EWB (0: never evicted), for tests. */
    int version(int page) {
        return version[page];
    }

    /** Sets a page's version, for tests that replay a stale copy. */
    void versionForTest(int page, int v) {
        version[page] = v;
    }

    /** Host bytes this backing holds for evicted pages (tags only), for tests. */
    long backingBytes() {
        long n = 0;
        for (byte[] b : tags) if (b != null) n += b.length;
        return n;
    }

    private void encrypt(Cipher c, int page, int v) {
        pattern(page, v);
        try {
            c.init(Cipher.ENCRYPT_MODE, key, nonce(page, v));
            c.doFinal(plain, 0, plain.length, sealed, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("emulated EWB failed", e);
        }
    }

    private byte[] tag(int page) {
        int b = page / BLOCK_PAGES;
        if (tags[b] == null) tags[b] = new byte[BLOCK_PAGES * TAG];
        return tags[b];
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
        // nothing off-heap: the tags go with the region
    }
}
