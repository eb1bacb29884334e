package dev.vessels.enclave.seal;

import java.nio.file.Path;

/** Reads the master key from a key file (64 hex characters; see {@link Keys#read}) on every request. */
public final class FileKeyProvider implements KeyProvider {
    private final Path file;

    public FileKeyProvider(Path file) {
        this.file = file;
    }

    @Override
    public MasterKey masterKey(ModelId model) {
        // Read on every request rather than cached: the key lives in memory only while a model is opened.
        return Keys.read(file);
    }

    @Override
    public String describe() {
        return "key file " + file;
    }
}
