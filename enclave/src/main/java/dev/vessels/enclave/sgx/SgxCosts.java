package dev.vessels.enclave.sgx;

/**
 * The emulated costs of SGX operations: documented, configurable constants with their published
 * sources. They are defaults for an SGX1 machine; every figure computed from them is emulated.
 *
 * @param pageSwapCycles   one secure page swap, EWB (evict: encrypt, MAC, write back, record the
 *                         version) plus ELDU (reload: decrypt, verify) including the kernel path:
 *                         about 40,000 cycles (VAULT, Taassori et al., ASPLOS 2018). Charged half
 *                         at the eviction and half at the reload, so a page evicted and never
 *                         reloaded costs half a swap.
 * @param transitionCycles one enclave transition, ECALL or OCALL through the SDK: 8,200 cycles
 *                         with warm caches to 17,000 cold (HotCalls, Weisse et al., ISCA 2017).
 *                         The default is the cold figure: on-demand parameter reads (OCALLs) follow
 *                         layers that have just streamed megabytes through the caches.
 * @param buildNanosPerMiB enclave build (ECREATE, EADD + 16 × EEXTEND per 4 KB page, EINIT): about
 *                         8 ms per MB on SGX1 while the enclave fits in the EPC (80 MB ≈ 0.65 s;
 *                         VXAPPS sgx-benchmark). Pages evicted during the build cost their EWB on top.
 * @param cpuHz            clock used to turn cycles into time: 3.5 GHz, a typical SGX1 desktop/Xeon
 *                         E3 turbo clock (40,000 cycles ≈ 11.4 µs per page ≈ 350 MB/s of paging).
 */
public record SgxCosts(long pageSwapCycles, long transitionCycles, long buildNanosPerMiB, double cpuHz) {
    /** VAULT (ASPLOS'18): ≈40,000 cycles per EWB+ELDU page swap. */
    public static final long VAULT_PAGE_SWAP_CYCLES = 40_000;
    /** HotCalls (ISCA'17): 8,200 cycles per warm ECALL/OCALL. */
    public static final long HOTCALLS_WARM_TRANSITION_CYCLES = 8_200;
    /** HotCalls (ISCA'17): 17,000 cycles per cold ECALL/OCALL. */
    public static final long HOTCALLS_COLD_TRANSITION_CYCLES = 17_000;
    /** VXAPPS sgx-benchmark: ≈8 ms per MB of enclave build on SGX1 (≈1.9 ms on Ice Lake). */
    public static final long SGX1_BUILD_NANOS_PER_MIB = 8_000_000;
    public static final double DEFAULT_CPU_HZ = 3.5e9;

    public static final SgxCosts SGX1 = new SgxCosts(VAULT_PAGE_SWAP_CYCLES, HOTCALLS_COLD_TRANSITION_CYCLES,
            SGX1_BUILD_NANOS_PER_MIB, DEFAULT_CPU_HZ);

    public SgxCosts {
        if (pageSwapCycles < 0 || transitionCycles < 0 || buildNanosPerMiB < 0) {
            throw new IllegalArgumentException("costs must be >= 0");
        }
        if (!(cpuHz > 0)) throw new IllegalArgumentException("cpuHz must be > 0");
    }

    /** EWB: half a swap. */
    public long ewbCycles() {
        return pageSwapCycles / 2;
    }

    /** ELDU: the other half. */
    public long elduCycles() {
        return pageSwapCycles - pageSwapCycles / 2;
    }

    /** EADD + 16 × EEXTEND of one 4 KB page, in nanoseconds (build cost per MiB / 256). */
    public double buildNanosPerPage() {
        return buildNanosPerMiB / 256.0;
    }

    public double nanos(long cycles) {
        return cycles * 1e9 / cpuHz;
    }
}
