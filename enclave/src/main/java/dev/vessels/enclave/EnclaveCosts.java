package dev.vessels.enclave;

/**
 * What an enclave (or a whole platform) has paid so far. A platform says whether its figures are
 * {@code emulated} (computed from published costs by a model of the hardware) or measured on real
 * hardware; {@link #toString()} says it too, and so must every report built from these numbers.
 *
 * @param platform        the platform's name, e.g. {@code emulated-sgx}
 * @param emulated        true when the figures come from an emulation, not from hardware
 * @param committedBytes  EPC committed (SGX1: the whole enclave, from build to destroy)
 * @param pageSwaps       secure page swaps: reloads of evicted pages (ELDU)
 * @param pageEvictions   pages written out (EWB)
 * @param bytesPagedIn    bytes reloaded into the EPC
 * @param bytesPagedOut   bytes written out of the EPC
 * @param transitions     ECALLs and OCALLs
 * @param buildNanos      time to build the enclave(s)
 * @param pagingNanos     time spent paging after the build
 * @param transitionNanos time spent in transitions
 */
public record EnclaveCosts(String platform, boolean emulated, long committedBytes, long pageSwaps, long pageEvictions,
                           long bytesPagedIn, long bytesPagedOut, long transitions, long buildNanos, long pagingNanos,
                           long transitionNanos) {

    /** "emulated" or "measured": the label any figure from this record must carry. */
    public String label() {
        return emulated ? "emulated" : "measured";
    }

    /** Paging plus transitions: what the enclave adds to a prediction's compute time. */
    public long overheadNanos() {
        return pagingNanos + transitionNanos;
    }

    /** The costs incurred since {@code earlier} (committed bytes: the current value). */
    public EnclaveCosts since(EnclaveCosts earlier) {
        return new EnclaveCosts(platform, emulated, committedBytes, pageSwaps - earlier.pageSwaps,
                pageEvictions - earlier.pageEvictions, bytesPagedIn - earlier.bytesPagedIn,
                bytesPagedOut - earlier.bytesPagedOut, transitions - earlier.transitions, buildNanos - earlier.buildNanos,
                pagingNanos - earlier.pagingNanos, transitionNanos - earlier.transitionNanos);
    }

    @Override
    public String toString() {
        return String.format("%s costs (%s): %d bytes EPC committed, %d page swaps, %d evictions, %d transitions, "
                        + "build %.3f ms, paging %.3f ms, transitions %.3f ms",
                platform, label(), committedBytes, pageSwaps, pageEvictions, transitions, buildNanos / 1e6,
                pagingNanos / 1e6, transitionNanos / 1e6);
    }
}
