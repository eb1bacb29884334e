package dev.vessels.serve;

import java.util.List;

import dev.vessels.enclave.TrustedPlatform;

/** Launches {@link EnclaveWorker}s and knows, before launching, the EPC each model's enclave commits. */
public interface WorkerFactory extends AutoCloseable {
    List<ServedModel> models();

    /** EPC bytes an enclave of {@code model} commits: from its memory plan, exact, known before launch. */
    long epcNeed(String model);

    /** Builds an enclave for {@code model} and loads its executor; returns when it can predict. */
    EnclaveWorker launch(String model);

    /**
     * As {@link #launch(String)}, committing {@code commitBytes} of EPC (at least {@link #epcNeed}):
     * a {@linkplain #sharedEnclaves() shared} enclave may be built larger than its first model needs,
     * to serve larger models later. Factories without shared enclaves build to the model's need.
     */
    default EnclaveWorker launch(String model, long commitBytes) {
        if (sharedEnclaves()) throw new UnsupportedOperationException("sized launches not implemented");
        return launch(model);
    }

    /** The platform the enclaves live on (for committed EPC and page swaps). */
    TrustedPlatform platform();

    /**
     * True when an idle enclave may serve another model whose EPC need its commit covers
     * ({@link EnclaveWorker#switchTo}): its executor keeps no model state between requests.
     */
    default boolean sharedEnclaves() {
        return false;
    }

    /** Executor kind, e.g. {@code vessels}. */
    String executorKind();

    @Override
    void close();
}
