package dev.vessels.enclave.sgx;

import dev.vessels.enclave.MemoryTracer;

/**
 * Turns an executor's (offset, length, write) reports into EPC page touches: the enclave's data
 * region starts {@code dataBase} bytes into its EPC range (after the runtime's pages), and each
 * access touches every 4 KiB page it overlaps, in ascending order. OCALLs become transitions.
 */
public final class PageTouchTracer implements MemoryTracer {
    private final EpcEmulator epc;
    private final EpcRegion region;
    private final long dataBase;   // page-aligned byte offset of the data region within the enclave
    private final long dataBytes;  // declared data size; accesses must stay inside it

    public PageTouchTracer(EpcEmulator epc, EpcRegion region, long dataBase, long dataBytes) {
        if (dataBase % EpcConfig.PAGE_BYTES != 0) throw new IllegalArgumentException("data region must be page-aligned");
        if (dataBase + dataBytes > region.bytes()) throw new IllegalArgumentException("data region exceeds the enclave");
        this.epc = epc;
        this.region = region;
        this.dataBase = dataBase;
        this.dataBytes = dataBytes;
    }

    @Override
    public void touch(long offset, long length, boolean write) {
        if (length <= 0) return;
        if (offset < 0 || offset + length > dataBytes) {
            // an executor reporting outside its declared buffers is a bug in the executor, not user input
            throw new IllegalArgumentException(region + ": access [" + offset + ", " + (offset + length)
                    + ") outside the declared " + dataBytes + " data bytes");
        }
        epc.touch(region, dataBase + offset, length, write);
    }

    @Override
    public void ocall() {
        epc.transition(region, 1);
    }
}
