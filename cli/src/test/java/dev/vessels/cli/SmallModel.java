package dev.vessels.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;

import dev.vessels.core.Network;
import dev.vessels.core.weights.SyntheticWeights;

/**
 * The small classifier several CLI tests run (8×8×3 input; conv with batch norm, maxpool, avgpool,
 * connected, softmax): its cfg (the resource {@code small.cfg} beside this class) and synthetic
 * weights (seed 3), written as files.
 */
record SmallModel(Path cfg, Path weights) {
    /** Writes {@code small.cfg} and {@code small.weights} into {@code dir}. */
    static SmallModel write(Path dir) throws IOException {
        Path cfg = dir.resolve("small.cfg");
        try (InputStream in = SmallModel.class.getResourceAsStream("small.cfg")) {
            Files.copy(Objects.requireNonNull(in, "test resource small.cfg"), cfg, StandardCopyOption.REPLACE_EXISTING);
        }
        Path weights = dir.resolve("small.weights");
        new SyntheticWeights(Network.parse(cfg), 3).write(weights);
        return new SmallModel(cfg, weights);
    }
}
