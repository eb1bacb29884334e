package dev.vessels.core;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

import dev.vessels.core.cfg.CfgException;
import dev.vessels.core.cfg.CfgReader;
import dev.vessels.core.cfg.Section;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.layers.Layers;
import dev.vessels.core.layers.Shape;

/**
 * A parsed network: the input shape and the layers in cfg order, with every shape, parameter range
 * and scratch need known, and no tensor allocated. Prediction always runs at batch 1;
 * {@link #cfgBatch()} (batch / subdivisions) is kept because Darknet sizes its buffers by it.
 *
 * @param name     where it came from (a file path or a zoo name), for messages
 * @param input    the network input, C×H×W
 * @param layers   the layers, index = position
 * @param cfgBatch batch / subdivisions from [net]
 */
public record Network(String name, Shape input, List<Layer> layers, int cfgBatch) {

    public static Network parse(Path cfg) {
        return parse(cfg.toString(), CfgReader.read(cfg));
    }

    /** Parses cfg text (a built-in zoo cfg, a sealed model's cfg); {@code name} prefixes every error. */
    public static Network parse(String name, String cfgText) {
        try {
            return parse(name, CfgReader.read(name, new java.io.StringReader(cfgText)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e); // a StringReader does not fail
        }
    }

    public static Network parse(String name, List<Section> sections) {
        Section net = sections.get(0);
        if (!net.type().equals("net") && !net.type().equals("network")) {
            throw net.error("the first section must be [net], got [" + net.type() + "]");
        }
        net.ignore("learning_rate", "momentum", "decay", "time_steps", "notruth", "random", "adam", "B1", "B2", "eps",
                "max_crop", "min_crop", "max_ratio", "min_ratio", "center", "clip", "angle", "aspect", "saturation",
                "exposure", "hue", "policy", "burn_in", "power", "step", "scale", "steps", "scales", "gamma",
                "max_batches", "seen", "jitter", "mosaic", "letter_box", "flip");
        int batch = net.getInt("batch", 1);
        int subdivisions = net.getInt("subdivisions", 1);
        int h = net.getInt("height", 0);
        int w = net.getInt("width", 0);
        int c = net.getInt("channels", 0);
        int inputs = net.getInt("inputs", h * w * c);
        net.checkKnown();
        if (batch < 1 || subdivisions < 1) throw net.error("batch", "batch and subdivisions must be >= 1");
        Shape in;
        if (h > 0 && w > 0 && c > 0) {
            in = new Shape(c, h, w);
        } else if (h == 0 && w == 0 && c == 0 && inputs > 0) {
            in = new Shape(inputs, 1, 1);
        } else {
            throw net.error("[net] needs width=, height= and channels= (all >= 1), or inputs=");
        }
        if (sections.size() < 2) throw net.error("no layers after [net]");
        List<Layer> layers = new java.util.ArrayList<>();
        Shape cur = in;
        for (int i = 1; i < sections.size(); i++) {
            Section s = sections.get(i);
            if (s.type().equals("net") || s.type().equals("network")) {
                throw s.error("[" + s.type() + "] may only be the first section");
            }
            Layer l = Layers.parse(s, layers.size(), cur, layers);
            layers.add(l);
            cur = l.outShape();
        }
        Network n = new Network(name, in, List.copyOf(layers), Math.max(1, batch / subdivisions));
        if (n.outputIndex() < 0) throw new CfgException(name, net.line(), "the network has only [cost] layers");
        return n;
    }

    /** The layer whose output prediction returns: the last one that is not [cost] (Darknet's rule). */
    public int outputIndex() {
        for (int i = layers.size() - 1; i >= 0; i--) {
            if (!layers.get(i).kind().equals("cost")) return i;
        }
        return -1;
    }

    public Shape outputShape() {
        return layers.get(outputIndex()).outShape();
    }

    public long paramFloats() {
        long n = 0;
        for (Layer l : layers) n += l.paramFloats();
        return n;
    }

    public double bflops() {
        double f = 0;
        for (Layer l : layers) f += l.bflops();
        return f;
    }

    /** Prints the layer table, Darknet style, with each layer's parameter count added. */
    public void printTable(PrintWriter out) {
        out.printf("layer     filters    size              input                output           params    BFLOPs%n");
        for (Layer l : layers) {
            out.printf("%5d %-10s %-62s %10d %9.3f%n", l.index(), l.kind(), l.describe(), l.paramFloats(), l.bflops());
        }
        out.printf("Total: %d layers, %d parameters (%.1f MB), %.3f BFLOPs%n", layers.size(), paramFloats(),
                paramFloats() * 4 / 1048576.0, bflops());
        out.flush();
    }
}
