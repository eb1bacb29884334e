package dev.vessels.cli;


import dev.vessels.core.Network;

/** MODEL arguments: a cfg path, or the name of a built-in model. */
final class Models {
    private Models() {}

    static Network resolve(String model) {
        return dev.vessels.core.zoo.ModelZoo.resolve(model);
    }
}
