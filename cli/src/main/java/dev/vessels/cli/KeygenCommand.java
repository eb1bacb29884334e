package dev.vessels.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.vessels.enclave.seal.Keys;
import dev.vessels.enclave.seal.MasterKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vessels keygen --out FILE}: a fresh 256-bit sealing key, owner-only, never overwriting. */
@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = "Write a fresh random 256-bit key (64 hex characters) for sealing models, readable by its owner only.")
public final class KeygenCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "Key file to create (must not exist).")
    Path out;

    @Override
    public Integer call() {
        MasterKey key = Keys.generate(out);
        try {
            spec.commandLine().getOut().printf("wrote a 256-bit key to %s (permissions rw-------), fingerprint %s%n"
                    + "keep it safe: models sealed with it cannot be opened without it%n", out, key.fingerprint());
        } finally {
            key.destroy();
        }
        return 0;
    }
}
