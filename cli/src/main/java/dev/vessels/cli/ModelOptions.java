package dev.vessels.cli;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.weights.ParamSource;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.weights.WeightsFile;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** Where a model's parameters come from: {@code --weights FILE} or {@code --synthetic-weights SEED} (default seed 1). */
public final class ModelOptions {
    @ArgGroup(exclusive = true)
    Source source = new Source();

    static final class Source {
        @Option(names = "--weights", paramLabel = "FILE", description = "Darknet .weights file for the model.")
        Path weights;

        @Option(names = "--synthetic-weights", paramLabel = "SEED",
                description = "Deterministic synthetic weights with this seed (the default, seed 1, when no --weights).")
        Long seed;
    }

    /** Opens the parameter source for {@code net}; the caller closes it. */
    public ParamSource open(Network net) {
        if (source != null && source.weights != null) {
            if (!Files.isRegularFile(source.weights)) throw new VesselsException(source.weights + ": weights file not found");
            return WeightsFile.open(source.weights, net);
        }
        long seed = source == null || source.seed == null ? 1 : source.seed;
        return new SyntheticWeights(net, seed);
    }

    /** Resolves MODEL: a path to a Darknet cfg, or a built-in zoo name. */
    public static Network network(String model) {
        return Models.resolve(model);
    }
}
