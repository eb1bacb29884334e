package dev.vessels.enclave;

/**
 * Where enclaves come from. Callers (the CLI's {@code reproduce}, the serving scheduler) use only
 * this interface, so a real backend can replace the emulation without changing them:
 * <ul>
 *   <li>{@code emulated-sgx} ({@link EmulatedSgxPlatform}): the executor runs in this JVM and its
 *       reported accesses drive an emulated, shared EPC; every figure is labelled emulated.</li>
 *   <li>a future hardware backend (e.g. Gramine running a Vessels worker JVM): {@code create}
 *       launches the worker with an enclave size from {@link #commitFor}, {@code run} forwards the
 *       prediction over a pipe, the tracer does nothing (the CPU pages by itself), and costs come
 *       from the SGX driver's counters and measured times with {@code emulated = false}.</li>
 * </ul>
 */
public interface TrustedPlatform extends AutoCloseable {
    /** E.g. {@code emulated-sgx}. */
    String name();

    /** True when nothing runs on real trusted hardware; every figure is then emulated. */
    boolean emulated();

    /**
     * True when the platform's costs are spent in wall-clock time on the calling thread (real
     * hardware, or the emulator's real-work mode): a prediction's measured latency already
     * includes them. False when they are only counted: add {@link EnclaveCosts#overheadNanos()}.
     */
    boolean costsInWallTime();

    /** Usable EPC in bytes. */
    long epcCapacityBytes();

    /** EPC bytes an enclave declared with {@code dataBytes} commits (what a scheduler must reserve). */
    long commitFor(long dataBytes);

    /** EPC bytes committed by all live enclaves. */
    long committedBytes();

    /** Builds an enclave for {@code dataBytes} of executor buffers; returns when it is ready to run. */
    Enclave create(String label, long dataBytes);

    /** Totals over every enclave this platform has built. */
    EnclaveCosts costs();

    /** Destroys every live enclave. */
    @Override
    void close();
}
