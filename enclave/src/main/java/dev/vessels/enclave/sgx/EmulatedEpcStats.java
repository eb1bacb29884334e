package dev.vessels.enclave.sgx;

/**
 * Emulated EPC counters, of one enclave or of the whole EPC. Every figure is emulated: counts come
 * from the emulator's model of the Linux SGX driver, times from {@link SgxCosts} (not measured).
 *
 * @param committedPages          pages committed (EADDed at build; the EPC the enclave needs)
 * @param residentPages           of those, pages in the EPC now
 * @param emulatedFaults          accesses to an evicted page, each an ELDU reload
 * @param emulatedEvictions       pages written out with EWB (an enclave's: its own pages, whoever caused it)
 * @param emulatedEvictionsCaused EWBs this enclave's allocations triggered (any owner's pages)
 * @param emulatedBytesPagedIn    faults × 4 KiB
 * @param emulatedBytesPagedOut   evictions × 4 KiB
 * @param emulatedTransitions     ECALLs and OCALLs
 * @param emulatedBuildNanos      enclave build time (EADD/EEXTEND, and EWBs needed to make room)
 * @param emulatedPagingNanos     ELDUs of faults plus EWBs caused after the build
 * @param emulatedTransitionNanos transitions × their cost
 */
public record EmulatedEpcStats(long committedPages, long residentPages, long emulatedFaults, long emulatedEvictions,
                               long emulatedEvictionsCaused, long emulatedBytesPagedIn, long emulatedBytesPagedOut,
                               long emulatedTransitions, long emulatedBuildNanos, long emulatedPagingNanos,
                               long emulatedTransitionNanos) {

    /**
     * Secure page swaps: reloads of evicted pages (each preceded by one EWB of the same page), the
     * figure the Vessels paper's "secure paging" column counts.
     */
    public long emulatedPageSwaps() {
        return emulatedFaults;
    }

    /** Paging plus transition time the enclave's threads spend in emulated SGX operations. */
    public long emulatedOverheadNanos() {
        return emulatedPagingNanos + emulatedTransitionNanos;
    }

    @Override
    public String toString() {
        return String.format("emulated EPC: %d pages committed, %d resident, %d faults, %d evictions (%d caused), "
                        + "%d transitions, build %.3f ms, paging %.3f ms, transitions %.3f ms (emulated)",
                committedPages, residentPages, emulatedFaults, emulatedEvictions, emulatedEvictionsCaused,
                emulatedTransitions, emulatedBuildNanos / 1e6, emulatedPagingNanos / 1e6, emulatedTransitionNanos / 1e6);
    }
}
