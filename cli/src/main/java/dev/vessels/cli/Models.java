package dev.vessels.cli;

import java.nio.file.Path;
import java.util.Locale;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;

/** MODEL arguments: a cfg path, the name of a built-in model, or a sealed model (.vsl). */
final class Models {
    private Models() {}

    static Network resolve(String model) {
        if (isSealed(model)) {
            throw new VesselsException(model + ": a sealed model; open it with --key-file KEY (predict, bench, profile)");
        }
        return dev.vessels.core.zoo.ModelZoo.resolve(model);
    }

    /** A sealed container: named {@code *.vsl}, or any file that starts with the sealed magic. */
    static boolean isSealed(String model) {
        if (model == null || model.isBlank()) return false;
        if (model.toLowerCase(Locale.ROOT).endsWith(".vsl")) return true;
        if (dev.vessels.core.zoo.ModelZoo.isZooName(model)) return false;
        try {
            return dev.vessels.enclave.seal.SealedModel.hasSealedMagic(Path.of(model));
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }
}
