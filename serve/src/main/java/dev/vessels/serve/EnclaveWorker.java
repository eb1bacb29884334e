package dev.vessels.serve;

import dev.vessels.core.exec.Prediction;

/**
 * One enclave with an executor loaded in it, serving one prediction at a time. The scheduler only
 * sees this and {@link WorkerFactory}, so how predictions report their memory to the platform can
 * change without touching scheduling.
 */
public interface EnclaveWorker {
    /** The model it serves now. */
    String model();

    /**
     * Makes this idle enclave serve {@code model} from its next prediction on, without a new build:
     * only for factories whose enclaves are {@linkplain WorkerFactory#sharedEnclaves() shared}, and only
     * for a model whose EPC need this enclave's commit covers. Any exception is a fault of this enclave.
     */
    default void switchTo(String model) {
        throw new UnsupportedOperationException("this enclave serves only " + model());
    }

    /** EPC bytes this enclave commits (0 once destroyed). */
    long committedBytes();

    /** One prediction inside the enclave; any exception is a fault of this enclave. */
    Prediction predict(float[] input);

    /** Tears the enclave down and releases its EPC; idempotent. */
    void destroy();
}
