package dev.vessels.core.zoo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;

/**
 * The built-in models: Darknet cfgs written for Vessels, shipped as resources next to this class
 * ({@code dev/vessels/core/zoo/<name>.cfg}). Eight of the nine paper models are layer-for-layer
 * the networks of Darknet's own cfgs (so Darknet's weights load into them); {@code inceptionv3}
 * is torchvision's InceptionV3 written with the Vessels cfg extensions (docs/cfg-extensions.md).
 * Two small nets serve fast tests.
 */
public final class ModelZoo {
    private ModelZoo() {}

    /** The nine models the Vessels paper evaluated, in the paper's order. */
    public static final List<String> PAPER_MODELS = List.of("alexnet", "vgg16", "resnet101", "resnet152", "resnext152",
            "densenet201", "darknet53", "inceptionv3", "yolov3");

    /** Small nets for fast tests: a 32×32 classifier and a 64×64 two-scale YOLO. */
    public static final List<String> TEST_MODELS = List.of("tiny-classifier", "tiny-yolo");

    private static final List<String> ALL = java.util.stream.Stream.concat(PAPER_MODELS.stream(), TEST_MODELS.stream())
            .toList();

    /** Every built-in name: the paper's nine, then the test nets. */
    public static List<String> names() {
        return ALL;
    }

    public static boolean isZooName(String name) {
        return name != null && ALL.contains(name);
    }

    /** The cfg text of a built-in model. */
    public static String cfgText(String name) {
        requireZooName(name);
        String resource = name + ".cfg";
        try (InputStream in = ModelZoo.class.getResourceAsStream(resource)) {
            if (in == null) {
                // Only a broken build gets here: every name in ALL has a resource (tested).
                throw new IllegalStateException("zoo resource " + resource + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new VesselsException("cannot read built-in model '" + name + "': " + e.getMessage(), e);
        }
    }

    /** A built-in model, parsed; the network's name is the zoo name. */
    public static Network open(String name) {
        return Network.parse(name, cfgText(name));
    }

    /**
     * Resolves a MODEL argument of the CLI: a zoo name or the path of any Darknet cfg. A bare zoo
     * name (no path separator) means the built-in model even if a file of that name happens to be in
     * the working directory; write {@code ./alexnet} to mean the file.
     */
    public static Network resolve(String modelArg) {
        if (modelArg == null || modelArg.isBlank()) throw new VesselsException("no model given: " + choices());
        if (isZooName(modelArg)) return open(modelArg);
        Optional<Path> file = asPath(modelArg);
        if (file.isPresent() && Files.isRegularFile(file.get())) return Network.parse(file.get());
        if (file.isPresent() && Files.isDirectory(file.get())) {
            throw new VesselsException("model '" + modelArg + "' is a directory, not a cfg file");
        }
        throw new VesselsException("unknown model '" + modelArg + "': not a file and not one of: " + String.join(", ", ALL));
    }

    /** Where the built-in labels exist: COCO's 80 class names for yolov3; empty for the rest. */
    public static Optional<Labels> defaultLabels(String name) {
        return "yolov3".equals(name) ? Optional.of(Labels.coco()) : Optional.empty();
    }

    private static Optional<Path> asPath(String s) {
        try {
            return Optional.of(Path.of(s));
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    private static void requireZooName(String name) {
        if (!isZooName(name)) {
            throw new VesselsException("unknown built-in model '" + name + "': " + choices());
        }
    }

    private static String choices() {
        return "expected a cfg file or one of: " + String.join(", ", ALL);
    }
}
