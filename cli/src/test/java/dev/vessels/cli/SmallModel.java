package dev.vessels.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.vessels.core.Network;
import dev.vessels.core.weights.SyntheticWeights;

/**
 * The small classifier several CLI tests run (8×8×3 input; conv with batch norm, maxpool, avgpool,
 * connected, softmax): its cfg and synthetic weights (seed 3), written as files.
 */
record SmallModel(Path cfg, Path weights) {
    static final String CFG = """
            [net]
            width=8
            height=8
            channels=3
            [convolutional]
            batch_normalize=1
            filters=8
            size=3
            pad=1
            activation=leaky
            [maxpool]
            size=2
            stride=2
            [avgpool]
            [connected]
            output=10
            activation=linear
            [softmax]
            """;

    /** Writes {@code small.cfg} and {@code small.weights} into {@code dir}. */
    static SmallModel write(Path dir) throws IOException {
        Path cfg = dir.resolve("small.cfg");
        Files.writeString(cfg, CFG);
        Path weights = dir.resolve("small.weights");
        new SyntheticWeights(Network.parse(cfg), 3).write(weights);
        return new SmallModel(cfg, weights);
    }
}
