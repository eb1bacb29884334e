package dev.vessels.cli;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;

/** MODEL arguments: a cfg path, or the name of a built-in model. */
final class Models {
    private Models() {}

    static Network resolve(String model) {
        return dev.vessels.core.zoo.ModelZoo.resolve(model);
    }
}
