package dev.vessels.enclave.sgx;

/**
 * One enclave's pages in the emulated EPC: a virtual range of {@link #pages()} 4 KiB pages,
 * all committed at build (SGX1 EADDs every page before EINIT) and each either resident in an EPC
 * frame or evicted to untrusted memory. State is guarded by the owning {@link EpcEmulator}.
 */
public final class EpcRegion {
    final long id;
    final String label;
    final int[] frameOf;        // [pages] EPC frame holding each page, or -1 when evicted (or not yet built)
    final PageBacking backing;  // REAL_WORK mode only, else null
    boolean destroyed;
    int resident;
    long faults, evictions, evictionsCaused, transitions;
    long pagingCycles, transitionCycles, buildEwbCycles;
    long buildNanosEadd;

    EpcRegion(long id, String label, int pages, boolean realWork) {
        this.id = id;
        this.label = label;
        frameOf = new int[pages];
        java.util.Arrays.fill(frameOf, -1);
        backing = realWork ? new PageBacking(pages) : null;
    }

    public long id() {
        return id;
    }

    public String label() {
        return label;
    }

    public int pages() {
        return frameOf.length;
    }

    public long bytes() {
        return (long) frameOf.length * EpcConfig.PAGE_BYTES;
    }

    @Override
    public String toString() {
        return "emulated enclave region #" + id + " '" + label + "' (" + pages() + " pages)";
    }
}
