package dev.vessels.cli;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.weights.ParamSource;
import dev.vessels.enclave.seal.FileKeyProvider;
import dev.vessels.enclave.seal.Keys;
import dev.vessels.enclave.seal.MasterKey;
import dev.vessels.enclave.seal.SealedModel;
import dev.vessels.enclave.seal.SealedModelWriter;
import dev.vessels.enclave.seal.SealedSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vessels seal MODEL --weights FILE --key-file KEY --out FILE.vsl}: encrypts the cfg and
 * every layer's parameters into a sealed container, then opens it again and decrypts every chunk,
 * so a sealed file that this command reports as written is known to open with the key.
 */
@Command(name = "seal", mixinStandardHelpOptions = true,
        description = "Seal a model (cfg and weights) into an encrypted, authenticated .vsl container.")
public final class SealCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A built-in model name or a path to a Darknet .cfg.")
    String model;

    @Mixin
    ModelOptions weights = new ModelOptions();

    @Option(names = "--out", paramLabel = "FILE.vsl", required = true, description = "Sealed model to write.")
    Path out;

    @Option(names = "--chunk-floats", paramLabel = "N", defaultValue = "16384",
            description = "Parameters per encrypted chunk (default ${DEFAULT-VALUE}: 64 KiB).")
    int chunkFloats;

    @Override
    public Integer call() {
        // --key-file is ModelOptions' (where it opens sealed models); here it is the sealing key, and required.
        Path keyFile = weights.keyFile;
        if (keyFile == null) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing required option: '--key-file=KEY'");
        if (Models.isSealed(model)) throw new VesselsException(model + ": already sealed; seal a cfg or zoo model with its weights");
        Network net = ModelOptions.network(model);
        String cfg = cfgText(model);
        MasterKey key = Keys.read(keyFile);
        SealedSummary s;
        try (ParamSource params = weights.open(net)) {
            s = SealedModelWriter.seal(cfg, params, key, out, chunkFloats);
        } finally {
            key.destroy();
        }
        try (SealedModel m = SealedModel.open(out, new FileKeyProvider(keyFile))) {
            m.verifyAll();
            spec.commandLine().getOut().printf(
                    "sealed %s (%d layers, %d parameters, weights %s%s) into %s: %d bytes, %d chunks of up to %d floats,"
                            + " model id %s; verified%n",
                    model, s.layers(), s.paramFloats(), m.sealedFrom(), m.synthetic() ? ", synthetic" : "", out,
                    s.fileBytes(), s.chunks(), s.chunkFloats(), s.modelId());
        }
        return 0;
    }

    /**
     * The cfg text to seal: a built-in model's cfg, or the file's text for a cfg path (zoo names
     * first, as {@link dev.vessels.core.zoo.ModelZoo#resolve} does).
     */
    static String cfgText(String model) {
        if (dev.vessels.core.zoo.ModelZoo.isZooName(model)) return dev.vessels.core.zoo.ModelZoo.cfgText(model);
        Path p = Path.of(model);
        if (!Files.isRegularFile(p)) {
            throw new VesselsException("seal: cannot get the cfg text of '" + model + "'; pass a path to its .cfg file");
        }
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw new VesselsException(p + ": not a text cfg file (invalid UTF-8)");
        } catch (IOException e) {
            throw new VesselsException(p + ": cannot read cfg: " + e.getMessage());
        }
    }
}
