package dev.vessels.enclave.run;

import java.util.HashMap;
import java.util.Map;

import dev.vessels.core.Network;
import dev.vessels.core.layers.BatchNormLayer;
import dev.vessels.core.layers.ConnectedLayer;
import dev.vessels.core.layers.ConvolutionalLayer;
import dev.vessels.core.layers.CostLayer;
import dev.vessels.core.layers.DropoutLayer;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.layers.MaxPoolLayer;
import dev.vessels.core.layers.RouteLayer;
import dev.vessels.core.layers.ShortcutLayer;
import dev.vessels.memory.baseline.DarknetMemory;

/**
 * Darknet inside an enclave. The data region holds every buffer Darknet touches at a batch-1
 * prediction ({@link DarknetMemory}'s resident buffers: image, each layer's output, delta,
 * parameters, batch-norm copy {@code x}, max-pool indexes, yolo anchors, and the im2col workspace
 * Darknet's non-1×1 convolutions touch), one after another in {@link DarknetMemory}'s order, each
 * 16-byte aligned as malloc aligns them. Buffers Darknet allocates but never touches (update
 * buffers, {@code x_norm}, the batch&gt;1 tail) are left out: their pages would never be loaded.
 *
 * <p>Per layer it reports what Darknet's {@code forward_network} touches, in its order: the
 * layer's {@code delta} zero-fill ({@code fill_cpu} before every layer, a dropout refilling its
 * source's), then the layer's forward: for a convolution the output zero-fill, then per group the
 * input slice read and the workspace written by im2col (skipped for 1×1 kernels, which read the
 * input directly), the group's weights and the workspace read and the output slice written, then
 * the batch norm (output copied to {@code x}, statistics read), biases read and the output
 * rewritten (normalise, bias, activation); for the other layers their inputs, parameters, output,
 * and for max pooling its indexes.
 */
final class BaselineTrace extends Trace {
    private static final long ALIGN = 16;

    private final Map<String, Range> buffers = new HashMap<>(); // "layer:name" → range
    private final long bytes;

    BaselineTrace(Network net) {
        super(net);
        long off = 0;
        for (DarknetMemory.Buffer b : DarknetMemory.of(net).buffers()) {
            if (b.residentBytes() == 0) continue;
            off = (off + ALIGN - 1) / ALIGN * ALIGN;
            buffers.put(key(b.layer(), b.name()), new Range(off, b.residentBytes()));
            off += b.residentBytes();
        }
        bytes = off;
    }

    private static String key(int layer, String name) {
        return layer + ":" + name;
    }

    private Range buffer(int layer, String name) {
        return buffers.get(key(layer, name));
    }

    @Override
    long dataBytes() {
        return bytes;
    }

    @Override
    Range output(int layer) {
        if (layer < 0) return buffer(-1, "image");
        Layer l = net.layers().get(layer);
        // dropout and cost keep no output of their own at prediction: they pass their input on
        if (l instanceof DropoutLayer || l instanceof CostLayer) return output(l.input(0));
        return buffer(layer, "output");
    }

    private Range delta(Layer l) {
        if (l instanceof DropoutLayer) return l.input(0) < 0 ? null : delta(net.layers().get(l.input(0)));
        return buffer(l.index(), "delta");
    }

    /** Loading: every parameter segment is one fread, i.e. one OCALL, into the layer's parameter buffer. */
    @Override
    void load() {
        for (Layer l : net.layers()) {
            Range p = buffer(l.index(), "parameters");
            if (p != null) {
                long at = 0;
                for (Layer.ParamSegment s : l.paramSegments()) {
                    ocall();
                    write(p.slice(at, floats(s.floats())));
                    at += floats(s.floats());
                }
            }
            Range anchors = buffer(l.index(), "biases (anchors)");
            if (anchors != null) write(anchors); // parsed from the cfg by make_yolo_layer
        }
    }

    @Override
    public void beforeLayer(Layer l) {
        Range d = delta(l);
        if (d != null) write(d);
        int i = l.index();
        Range out = output(i);
        if (l instanceof DropoutLayer || l instanceof CostLayer) return; // nothing else at prediction
        if (l instanceof ConvolutionalLayer c) {
            conv(c, out);
        } else if (l instanceof ConnectedLayer c) {
            Range p = buffer(i, "parameters");
            long bias = floats(c.outputs()), weights = floats((long) c.inputs() * c.outputs());
            write(out);
            read(output(l.input(0)));
            read(p.slice(bias, weights));
            write(out);
            if (c.batchNormalize()) {
                read(out);
                write(buffer(i, "x"));
                read(p.slice(bias + weights, 3 * bias));
                write(out);
            }
            read(p.slice(0, bias));
            write(out);
        } else if (l instanceof BatchNormLayer) {
            read(output(l.input(0)));
            write(out);
            read(out);
            write(buffer(i, "x"));
            read(buffer(i, "parameters"));
            write(out);
        } else if (l instanceof MaxPoolLayer) {
            read(output(l.input(0)));
            write(out);
            write(buffer(i, "indexes"));
        } else if (l instanceof RouteLayer) {
            long at = 0;
            for (int k = 0; k < l.inputCount(); k++) {
                Range in = output(l.input(k));
                read(in);
                write(out.slice(at, in.length()));
                at += in.length();
            }
        } else if (l instanceof ShortcutLayer) {
            read(output(l.input(0))); // copy_cpu(input → output)
            write(out);
            for (int k = 1; k < l.inputCount(); k++) read(output(l.input(k))); // shortcut_cpu adds `from`
            write(out);
        } else {
            // avgpool, local_avgpool, softmax, upsample, yolo, crop: inputs in, output out
            for (int k = 0; k < l.inputCount(); k++) read(output(l.input(k)));
            Range p = buffer(i, "parameters");
            if (p != null) read(p);
            write(out);
        }
    }

    private void conv(ConvolutionalLayer c, Range out) {
        int i = c.index();
        Range in = output(c.input(0));
        Range p = buffer(i, "parameters");
        int groups = c.groups();
        int cg = c.inShape().c() / groups;
        long spatial = (long) c.outShape().h() * c.outShape().w();
        long inSlice = floats((long) cg * c.inShape().h() * c.inShape().w());
        long kg = (long) cg * c.kernelH() * c.kernelW();
        long mg = c.filters() / groups;
        long head = floats(c.headFloats());
        boolean im2col = c.kernelH() * c.kernelW() != 1; // Darknet: l.size == 1 uses the input as is
        Range ws = buffer(-1, "workspace");
        write(out); // fill_cpu(l.output, 0)
        for (int g = 0; g < groups; g++) {
            Range x = in.slice(g * inSlice, inSlice);
            Range b = x;
            if (im2col) {
                read(x);
                b = ws.slice(0, floats(kg * spatial));
                write(b);
            }
            read(p.slice(head + floats(g * mg * kg), floats(mg * kg)));
            read(b);
            write(out.slice(floats(g * mg * spatial), floats(mg * spatial)));
        }
        long n = floats(c.filters());
        if (c.batchNormalize()) {
            read(out);
            write(buffer(i, "x")); // copy_cpu(l.output → l.x)
            read(p.slice(n, 3 * n)); // scales, rolling mean, rolling variance
            write(out);
        }
        read(p.slice(0, n)); // add_bias
        write(out); // and activate_array
    }
}
