package dev.vessels.enclave;

/**
 * What an executor reports while it runs inside an enclave: the byte ranges of its memory it
 * reads and writes, in order, and every exit to untrusted code. Offsets are relative to the start
 * of the enclave's data region (the executor's buffers laid out as it declared them; the runtime's
 * own code/stack/heap metadata is separate and accounted by the platform).
 *
 * <p>An executor reports per layer, for example: its input ranges (read), the parameter slot it
 * fills (write, after an {@link #ocall()} that fetched the parameters from untrusted storage), the
 * parameter slot and workspace it uses (read/write), and its output range (write). A platform on
 * real hardware ignores the ranges (the CPU pages by itself) and counts nothing extra.
 */
public interface MemoryTracer {
    /** Reports nothing: for runs outside any enclave. */
    MemoryTracer NONE = new MemoryTracer() {
        @Override
        public void touch(long offset, long length, boolean write) {}

        @Override
        public void ocall() {}
    };

    /** The enclave reads ({@code write=false}) or writes bytes [offset, offset+length) of its data region. */
    void touch(long offset, long length, boolean write);

    /** One exit to untrusted code and back (an OCALL), e.g. to read a layer's parameters on demand. */
    void ocall();
}
