package dev.vessels.serve;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.layers.YoloLayer;
import dev.vessels.core.weights.ParamSource;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.weights.WeightsFile;
import dev.vessels.core.zoo.Labels;
import dev.vessels.core.zoo.ModelZoo;
import dev.vessels.enclave.seal.FileKeyProvider;
import dev.vessels.enclave.seal.SealedModel;

/**
 * A model the service serves: its network, where its parameters come from (each enclave opens its
 * own source, so no source is shared between concurrent predictions), and how to present results.
 *
 * @param name      the name in URLs ({@code /v2/models/NAME})
 * @param network   the parsed network
 * @param params    opens a fresh parameter source; the caller closes it
 * @param weights   where parameters come from, for {@code GET /v2/models/NAME}
 * @param synthetic true when the weights are generated, not trained (results are then meaningless and say so)
 * @param labels    class names for image requests
 * @param sealed    true for a sealed model: each enclave opens and decrypts its own copy, so no host
 *                  copy of the parameters is shared between enclaves
 */
public record ServedModel(String name, Network network, Supplier<ParamSource> params, String weights, boolean synthetic,
                          Labels labels, boolean sealed) {

    /** True for YOLO networks: image requests get detections instead of top classes. */
    public boolean detector() {
        return Executor.yoloLayers(network).length > 0;
    }

    /** Floats in one input tensor: C×H×W. */
    public int inputFloats() {
        return (int) network.input().size();
    }

    /** Floats in the output tensor (the last non-cost layer). */
    public int outputFloats() {
        return (int) network.layers().get(network.outputIndex()).outShape().size();
    }

    /**
     * Parses one {@code --models} entry: {@code NAME} (a zoo model with seeded synthetic weights),
     * {@code NAME=CFG,WEIGHTS} (a Darknet cfg and weights file), {@code NAME=SEALED} (a .vsl written
     * by {@code vessels seal}; needs {@code keyFile}) or {@code NAME=CFG} (a cfg with synthetic weights).
     */
    public static ServedModel parse(String spec, Path keyFile) {
        if (spec == null || spec.isBlank()) throw new VesselsException("--models: empty model entry");
        int eq = spec.indexOf('=');
        String name = eq < 0 ? spec : spec.substring(0, eq);
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new VesselsException("--models " + spec + ": model name '" + name + "' must be letters, digits, '.', '_' or '-'");
        }
        if (eq < 0) {
            if (!ModelZoo.isZooName(name)) {
                throw new VesselsException("--models " + spec + ": '" + name + "' is not a built-in model (" + String.join(", ", ModelZoo.names())
                        + "); give NAME=CFG,WEIGHTS or NAME=SEALED.vsl");
            }
            return synthetic(name, ModelZoo.open(name), ModelZoo.defaultLabels(name).orElse(null));
        }
        String rest = spec.substring(eq + 1);
        String[] parts = rest.split(",", -1);
        if (parts.length == 2) {
            Path cfg = existing(spec, parts[0], "cfg");
            Path weights = existing(spec, parts[1], "weights");
            Network net = Network.parse(cfg);
            WeightsFile.open(weights, net).close(); // fail at startup, not at the first request
            return new ServedModel(name, net, () -> WeightsFile.open(weights, net), weights.toString(), false, labelsFor(net, null), false);
        }
        if (parts.length != 1) throw new VesselsException("--models " + spec + ": expected NAME, NAME=CFG,WEIGHTS or NAME=SEALED");
        Path file = existing(spec, parts[0], "model");
        if (file.toString().endsWith(".cfg")) return synthetic(name, Network.parse(file), null);
        if (keyFile == null) throw new VesselsException("--models " + spec + ": a sealed model needs --key-file KEY");
        FileKeyProvider keys = new FileKeyProvider(keyFile);
        Network net;
        boolean synth;
        try (SealedModel m = SealedModel.open(file, keys)) {
            net = m.network();
            synth = m.synthetic();
        }
        return new ServedModel(name, net, () -> SealedModel.open(file, keys), file.toString(), synth, labelsFor(net, null), true);
    }

    private static ServedModel synthetic(String name, Network net, Labels labels) {
        return new ServedModel(name, net, () -> new SyntheticWeights(net, 1), "synthetic:1", true, labelsFor(net, labels), false);
    }

    private static Labels labelsFor(Network net, Labels given) {
        int classes;
        int[] yolo = Executor.yoloLayers(net);
        if (yolo.length > 0) classes = ((YoloLayer) net.layers().get(yolo[0])).classes();
        else classes = (int) net.layers().get(net.outputIndex()).outShape().size();
        return given != null && given.size() >= classes ? given : Labels.indices(classes);
    }

    private static Path existing(String spec, String s, String what) {
        Path p = Path.of(s);
        if (!Files.isRegularFile(p)) throw new VesselsException("--models " + spec + ": " + what + " file " + s + " not found");
        return p;
    }
}
