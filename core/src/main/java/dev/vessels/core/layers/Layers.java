package dev.vessels.core.layers;

import java.util.List;

import dev.vessels.core.cfg.Section;

/** Builds a layer from its cfg section: the one place that maps section names to layer classes. */
public final class Layers {
    private Layers() {}

    /** The section names understood, Darknet's aliases included. */
    public static final List<String> SECTIONS = List.of("convolutional", "conv", "connected", "conn", "maxpool", "max",
            "avgpool", "avg", "local_avgpool", "local_avg", "dropout", "softmax", "soft", "cost", "route", "shortcut",
            "upsample", "yolo", "crop", "batchnorm");

    /**
     * @param index    this layer's index
     * @param in       the previous layer's output shape (the network input for layer 0)
     * @param previous the layers built so far
     */
    public static Layer parse(Section s, int index, Shape in, List<Layer> previous) {
        int prev = index - 1; // -1 = the network input
        Layer l = switch (s.type()) {
            case "convolutional", "conv" -> ConvolutionalLayer.parse(s, index, in, prev);
            case "connected", "conn" -> ConnectedLayer.parse(s, index, in, prev);
            case "maxpool", "max" -> MaxPoolLayer.parse(s, index, in, prev);
            case "avgpool", "avg" -> AvgPoolLayer.parse(s, index, in, prev);
            case "local_avgpool", "local_avg" -> LocalAvgPoolLayer.parse(s, index, in, prev);
            case "dropout" -> DropoutLayer.parse(s, index, in, prev);
            case "softmax", "soft" -> SoftmaxLayer.parse(s, index, in, prev);
            case "cost" -> CostLayer.parse(s, index, in, prev);
            case "route" -> RouteLayer.parse(s, index, previous);
            case "shortcut" -> ShortcutLayer.parse(s, index, in, prev, previous);
            case "upsample" -> UpsampleLayer.parse(s, index, in, prev);
            case "yolo" -> YoloLayer.parse(s, index, in, prev);
            case "crop" -> CropLayer.parse(s, index, in, prev);
            case "batchnorm" -> BatchNormLayer.parse(s, index, in, prev);
            default -> throw s.error("unsupported section [" + s.type() + "] (supported: "
                    + String.join(", ", SECTIONS.stream().map(n -> "[" + n + "]").toList()) + ")");
        };
        s.checkKnown();
        if (l.outShape().size() <= 0 || l.outShape().w() <= 0 || l.outShape().h() <= 0) {
            throw s.error("layer " + index + " [" + s.type() + "] would output an empty tensor " + l.outShape()
                    + " from input " + in);
        }
        return l;
    }
}
