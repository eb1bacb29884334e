package dev.vessels.enclave;

/**
 * One enclave on a {@link TrustedPlatform}: built with a declared data size, it runs predictions
 * (ECALLs) until destroyed, and reports the EPC it commits and the costs it has paid.
 * Implementations are thread-safe; several calls may run at once if the caller allows it.
 */
public interface Enclave extends AutoCloseable {
    /** Unique per platform. */
    long id();

    /** What runs in it (a model name), for reports. */
    String label();

    /** Data bytes declared at creation (the executor's buffers). */
    long dataBytes();

    /** EPC bytes committed: data plus the runtime overhead, page-rounded (0 once destroyed). */
    long committedBytes();

    /**
     * Runs {@code call} inside the enclave as one ECALL; the call reports its memory accesses and
     * OCALLs to the tracer it is given. Exceptions from the call propagate unchanged.
     *
     * @throws IllegalStateException if the enclave was destroyed
     */
    <T> T run(EnclaveCall<T> call);

    /** Costs so far: the build, and every run's paging and transitions. */
    EnclaveCosts costs();

    boolean destroyed();

    /** Tears the enclave down and releases its EPC; idempotent. */
    void destroy();

    @Override
    default void close() {
        destroy();
    }
}
