package dev.vessels.enclave.sgx;

/**
 * Configuration of the emulated EPC.
 *
 * @param capacityPages  usable EPC in 4 KiB pages. SGX1 parts reserve 128 MB of which about
 *                       93.5 MB (23,936 pages) is usable EPC; the rest holds the EPCM and integrity
 *                       metadata (VXAPPS sgx-benchmark reports "EPC 93 M/94 M"). Ice Lake-class parts
 *                       have up to 512 GB per socket: a large value stands in for them.
 * @param lowWatermark   when a page allocation leaves fewer free pages than this, the reclaimer
 *                       (ksgxd) runs (Linux: SGX_NR_LOW_PAGES = 32) …
 * @param highWatermark  … until this many are free (SGX_NR_HIGH_PAGES = 64). Both 0: reclaim only
 *                       when no page is free at all (synchronous reclaim alone).
 * @param mode           count only, or do real work per paging event
 * @param costs          the cost constants
 */
public record EpcConfig(long capacityPages, int lowWatermark, int highWatermark, Mode mode, SgxCosts costs) {
    public static final int PAGE_BYTES = 4096;
    /** 93.5 MiB of usable SGX1 EPC, in pages. */
    public static final long SGX1_USABLE_PAGES = 23_936;
    /** Linux arch/x86/kernel/cpu/sgx/main.c: SGX_NR_LOW_PAGES and SGX_NR_HIGH_PAGES. */
    public static final int LINUX_LOW_WATERMARK = 32, LINUX_HIGH_WATERMARK = 64;

    /** What a paging event does besides being counted. */
    public enum Mode {
        /** Counters and emulated costs only: fast, for tests and estimates. */
        COUNT_ONLY,
        /**
         * Every eviction AES-GCM-encrypts the 4 KiB page into an untrusted backing copy and every
         * reload decrypts and verifies it (the work EWB/ELDU do), every build page is hashed (the
         * work of EEXTEND), and the rest of each event's published cost is spent busy on the CPU,
         * so a thrashing enclave really takes CPU time from its neighbours.
         */
        REAL_WORK
    }

    public EpcConfig {
        if (capacityPages < 1) throw new IllegalArgumentException("EPC capacity must be at least one page");
        if (capacityPages > Integer.MAX_VALUE) throw new IllegalArgumentException("EPC capacity above 8 TiB");
        if (lowWatermark < 0 || highWatermark < lowWatermark || highWatermark >= capacityPages) {
            throw new IllegalArgumentException("watermarks must satisfy 0 <= low <= high < capacity, got " + lowWatermark
                    + "/" + highWatermark + " of " + capacityPages);
        }
        if (mode == null || costs == null) throw new IllegalArgumentException("mode and costs are required");
    }

    /** SGX1 defaults: 93.5 MiB usable, Linux watermarks, SGX1 costs, count only. */
    public static EpcConfig sgx1() {
        return new EpcConfig(SGX1_USABLE_PAGES, LINUX_LOW_WATERMARK, LINUX_HIGH_WATERMARK, Mode.COUNT_ONLY, SgxCosts.SGX1);
    }

    /** {@code mib} MiB of usable EPC (rounded down to whole pages), other settings from {@link #sgx1()}. */
    public static EpcConfig ofMiB(double mib) {
        if (!(mib > 0) || mib > 8 * 1024 * 1024) throw new IllegalArgumentException("EPC size must be > 0 MiB and <= 8 TiB, got " + mib);
        long pages = (long) Math.floor(mib * 256);
        int low = (int) Math.min(LINUX_LOW_WATERMARK, Math.max(0, pages / 4));
        int high = (int) Math.min(LINUX_HIGH_WATERMARK, Math.max(0, pages / 2));
        if (high >= pages) high = low = 0;
        return new EpcConfig(pages, low, high, Mode.COUNT_ONLY, SgxCosts.SGX1);
    }

    public EpcConfig withMode(Mode m) {
        return new EpcConfig(capacityPages, lowWatermark, highWatermark, m, costs);
    }

    public EpcConfig withCosts(SgxCosts c) {
        return new EpcConfig(capacityPages, lowWatermark, highWatermark, mode, c);
    }

    public EpcConfig withWatermarks(int low, int high) {
        return new EpcConfig(capacityPages, low, high, mode, costs);
    }

    public long capacityBytes() {
        return capacityPages * PAGE_BYTES;
    }
}
