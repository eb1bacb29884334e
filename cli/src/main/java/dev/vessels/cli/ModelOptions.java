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

/**
 * Where a model's parameters come from: {@code --weights FILE} or {@code --synthetic-weights SEED}
 * (default seed 1), or, for a sealed model ({@code MODEL} ending in {@code .vsl}), the sealed
 * container itself opened with {@code --key-file KEY}.
 */
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

    @Option(names = "--key-file", paramLabel = "KEY",
            description = "Key file, a 256-bit key as 64 hex characters (see 'vessels keygen'): opens a sealed MODEL (.vsl);"
                    + " for seal, the key to seal with.")
    Path keyFile;

    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec mixee;

    /** Opens the parameter source for {@code net}; the caller closes it. */
    public ParamSource open(Network net) {
        if (source != null && source.weights != null) {
            if (!Files.isRegularFile(source.weights)) throw new VesselsException(source.weights + ": weights file not found");
            return WeightsFile.open(source.weights, net);
        }
        long seed = source == null || source.seed == null ? 1 : source.seed;
        return new SyntheticWeights(net, seed);
    }

    /**
     * Resolves MODEL and opens its parameters, for every kind of MODEL: a zoo name or cfg path (with
     * {@code --weights} or synthetic weights), or a sealed {@code .vsl} (cfg from its authenticated
     * header, each layer's parameters decrypted when the executor asks for them). The caller closes
     * the result.
     */
    public Opened open(String model) {
        if (Models.isSealed(model)) {
            if (source != null && (source.weights != null || source.seed != null)) {
                throw usage(model + ": a sealed model carries its own weights; drop --weights/--synthetic-weights");
            }
            if (keyFile == null) {
                throw usage(model + ": a sealed model needs its key: add --key-file KEY");
            }
            var sealed = dev.vessels.enclave.seal.SealedModel.open(Path.of(model),
                    new dev.vessels.enclave.seal.FileKeyProvider(keyFile));
            return new Opened(sealed.network(), sealed, "sealed " + model);
        }
        if (keyFile != null) {
            throw usage("--key-file is only for sealed models (MODEL.vsl); " + model + " is not one");
        }
        Network net = network(model);
        ParamSource src = open(net);
        return new Opened(net, src, src.describe());
    }

    /** A usage error (exit 2) when run from the command line, a plain one-line error otherwise. */
    private RuntimeException usage(String msg) {
        return mixee == null ? new VesselsException(msg) : new picocli.CommandLine.ParameterException(mixee.commandLine(), msg);
    }

    /**
     * An opened model: the network, its parameters, and how to name them in outputs ("sealed
     * FILE", a weights path, or synthetic:SEED).
     */
    public record Opened(Network network, ParamSource params, String weights) implements AutoCloseable {
        public boolean synthetic() {
            return params.synthetic();
        }

        @Override
        public void close() {
            params.close();
        }
    }

    /** Resolves MODEL: a path to a Darknet cfg, or a built-in zoo name (not a sealed model: see {@link #open(String)}). */
    public static Network network(String model) {
        return Models.resolve(model);
    }
}
