package dev.vessels.enclave.seal;

/**
 * Releases the master key that opens a sealed model. Today the key comes from a file
 * ({@link FileKeyProvider}); later an attestation-based provider will release it only to an
 * enclave whose quote a key service accepts. That is why the request names the model: a key
 * service decides per model, and the enclave asks only after it has read the model's id.
 */
public interface KeyProvider {
    /**
     * The master key for the sealed model with this id; throws
     * {@link dev.vessels.core.VesselsException} with a one-line reason if it cannot be had. The
     * caller destroys the returned key when done with it.
     */
    MasterKey masterKey(ModelId model);

    /** Where keys come from, for messages (never the key itself). */
    String describe();
}
