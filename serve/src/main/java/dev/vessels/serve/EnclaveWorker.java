package dev.vessels.serve;

import dev.vessels.core.exec.Prediction;

/**
 * One enclave with an executor loaded in it, serving one prediction at a time. The scheduler only
 * sees this and {@link WorkerFactory}, so how predictions report their memory to the platform can
 * change without touching scheduling.
 */
public interface EnclaveWorker {
    String model();

    /** EPC bytes this enclave commits (0 once destroyed). */
    long committedBytes();

    /** One prediction inside the enclave; any exception is a fault of this enclave. */
    Prediction predict(float[] input);

    /** Tears the enclave down and releases its EPC; idempotent. */
    void destroy();
}
