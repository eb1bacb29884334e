package dev.vessels.enclave;

/** Work run inside an enclave (one ECALL), reporting its memory accesses to the tracer it gets. */
@FunctionalInterface
public interface EnclaveCall<T> {
    T call(MemoryTracer tracer);
}
