package dev.vessels.bench.onnx;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.kernels.ChannelOps;
import dev.vessels.core.layers.Activation;
import dev.vessels.core.layers.AvgPoolLayer;
import dev.vessels.core.layers.BatchNormLayer;
import dev.vessels.core.layers.ConnectedLayer;
import dev.vessels.core.layers.ConvolutionalLayer;
import dev.vessels.core.layers.CostLayer;
import dev.vessels.core.layers.CropLayer;
import dev.vessels.core.layers.DropoutLayer;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.layers.LocalAvgPoolLayer;
import dev.vessels.core.layers.MaxPoolLayer;
import dev.vessels.core.layers.RouteLayer;
import dev.vessels.core.layers.Shape;
import dev.vessels.core.layers.ShortcutLayer;
import dev.vessels.core.layers.SoftmaxLayer;
import dev.vessels.core.layers.UpsampleLayer;
import dev.vessels.core.layers.YoloLayer;
import dev.vessels.core.weights.ParamSource;

/**
 * Writes a parsed Darknet network with its parameters as an ONNX model (IR 8, opset 17), so that
 * ONNX Runtime can run the very network, weights and input Vessels runs. Benchmark module only.
 *
 * <p>Batch norm is folded into the convolution (or connected) weights and bias with Darknet's
 * arithmetic, {@code scale / (sqrt(var) + 1e-6)} — the epsilon outside the square root — in
 * double precision; that is what ORT's own optimiser would do with a BatchNormalization node.
 * Darknet's pooling windows start at −padding/2, so the ONNX pads are padding/2 before and the rest
 * after. A [yolo] layer is not exported: its input (the detection head's convolution) becomes a graph
 * output, as the yolo layer only applies a logistic to some channels. Activations other than
 * linear, relu, leaky, logistic and tanh, and the rarer shortcut shapes, are refused with a message.
 *
 * <p>The weights are streamed to the file (protobuf lengths are computed up front), so a 500 MB
 * VGG16 does not need a second copy in memory.
 */
public final class OnnxExport {
    private static final int OPSET = 17, IR_VERSION = 8;
    private static final int FLOAT = 1, INT64 = 7; // TensorProto.DataType
    private static final int CHUNK_FLOATS = 1 << 22;
    /** The graph input's name: a 1×C×H×W float tensor. */
    public static final String INPUT = "input";

    /**
     * @param file         the .onnx written
     * @param outputs      graph output names, in order
     * @param outputLayers the Vessels layer whose output each graph output equals
     */
    public record Exported(Path file, List<String> outputs, List<Integer> outputLayers) {}

    private interface Filler {
        void write(Sink out) throws IOException;
    }

    private record Init(String name, long[] dims, int type, long count, Filler filler) {
        long bytes() {
            return count * (type == FLOAT ? 4 : 8);
        }

        byte[] header() {
            Pb.Msg m = new Pb.Msg();
            for (long d : dims) m.i64(1, d);
            m.i64(2, type);
            m.str(8, name);
            return m.bytes();
        }

        long size() {
            long b = bytes();
            return header().length + Pb.tagSize(9) + Pb.varintSize(b) + b;
        }
    }

    /** Little-endian floats to the file through one reused byte buffer. */
    private static final class Sink {
        private final OutputStream out;
        private final byte[] buf = new byte[4 * 65536];
        private final ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);

        Sink(OutputStream out) {
            this.out = out;
        }

        void floats(float[] x, int off, int n) throws IOException {
            while (n > 0) {
                int k = Math.min(n, 65536);
                bb.clear();
                bb.asFloatBuffer().put(x, off, k);
                out.write(buf, 0, 4 * k);
                off += k;
                n -= k;
            }
        }

        void longs(long[] x) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(8 * x.length).order(ByteOrder.LITTLE_ENDIAN);
            for (long v : x) b.putLong(v);
            out.write(b.array());
        }
    }

    private final Network net;
    private final ParamSource params;
    private final List<byte[]> nodes = new ArrayList<>();
    private final List<Init> inits = new ArrayList<>();
    private final Map<Integer, String> names = new HashMap<>(); // layer index -> tensor holding its output
    private final Set<String> flat = new HashSet<>();          // tensors that are [1, N] rather than [1, C, H, W]
    private final List<String> outputs = new ArrayList<>();
    private final List<Integer> outputLayers = new ArrayList<>();

    private OnnxExport(Network net, ParamSource params) {
        this.net = net;
        this.params = params;
    }

    /** Exports {@code net} with the parameters of {@code params} to {@code file}. */
    public static Exported export(Network net, ParamSource params, Path file) {
        OnnxExport e = new OnnxExport(net, params);
        e.build();
        try {
            e.write(file);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write " + file + ": " + ex.getMessage(), ex);
        }
        return new Exported(file, List.copyOf(e.outputs), List.copyOf(e.outputLayers));
    }

    private void build() {
        names.put(-1, INPUT);
        for (Layer l : net.layers()) {
            int i = l.index();
            String out = "t" + i;
            switch (l) {
                case ConvolutionalLayer c -> conv(c, in(l, 0), out);
                case ConnectedLayer c -> connected(c, in(l, 0), out);
                case MaxPoolLayer p -> {
                    int pad = p.padding();
                    node("MaxPool", new String[]{spatialIn(l)}, out, ints("kernel_shape", p.size(), p.size()),
                            ints("strides", p.stride(), p.stride()), ints("pads", pad / 2, pad / 2, pad - pad / 2, pad - pad / 2));
                }
                case LocalAvgPoolLayer p -> {
                    int pad = p.padding();
                    node("AveragePool", new String[]{spatialIn(l)}, out, ints("kernel_shape", p.size(), p.size()),
                            ints("strides", p.stride(), p.stride()), ints("pads", pad / 2, pad / 2, pad - pad / 2, pad - pad / 2),
                            intAttr("count_include_pad", 0));
                }
                case AvgPoolLayer p -> node("GlobalAveragePool", new String[]{spatialIn(l)}, out);
                case SoftmaxLayer s -> softmax(s, in(l, 0), out);
                case RouteLayer r -> {
                    if (r.inputCount() == 1) {
                        out = in(l, 0);
                    } else {
                        String[] ins = new String[r.inputCount()];
                        for (int k = 0; k < ins.length; k++) ins[k] = spatialIn(l, k);
                        node("Concat", ins, out, intAttr("axis", 1));
                    }
                }
                case ShortcutLayer s -> shortcut(s, out);
                case UpsampleLayer u -> {
                    String scales = constFloats("t" + i + "_scales", new long[]{4}, 1, 1, u.stride(), u.stride());
                    String up = u.scale() == 1 ? out : out + "_up";
                    node("Resize", new String[]{spatialIn(l), "", scales}, up, strAttr("mode", "nearest"),
                            strAttr("coordinate_transformation_mode", "asymmetric"), strAttr("nearest_mode", "floor"));
                    if (u.scale() != 1) node("Mul", new String[]{up, constFloats(out + "_s", new long[0], u.scale())}, out);
                }
                case CropLayer c -> crop(c, out);
                case BatchNormLayer b -> batchNorm(b, out);
                case DropoutLayer d -> out = in(l, 0);
                case CostLayer c -> out = in(l, 0);
                case YoloLayer y -> {
                    out = in(l, 0);
                    outputs.add(out);
                    outputLayers.add(l.input(0));
                }
                default -> throw unsupported(l, "layer type [" + l.kind() + "] has no ONNX export");
            }
            names.put(i, out);
        }
        if (outputs.isEmpty()) {
            outputs.add(names.get(net.outputIndex()));
            outputLayers.add(net.outputIndex());
        }
    }

    private String in(Layer l, int k) {
        return names.get(l.input(k));
    }

    /** Input k of a layer that needs a C×H×W map, not a flattened vector. */
    private String spatialIn(Layer l, int k) {
        String x = in(l, k);
        if (flat.contains(x)) throw unsupported(l, "its input is a connected layer's vector, not a C×H×W map");
        return x;
    }

    private String spatialIn(Layer l) {
        return spatialIn(l, 0);
    }

    private VesselsException unsupported(Layer l, String why) {
        return new VesselsException(net.name() + ": layer " + l.index() + " (" + l.kind() + "): cannot export to ONNX: " + why);
    }

    private void conv(ConvolutionalLayer c, String x, String out) {
        int f = c.filters();
        float[] head = new float[(int) c.headFloats()];
        params.read(c.index(), 0, head.length, head, 0);
        float[] bias = new float[f];
        double[] k = new double[f];
        for (int j = 0; j < f; j++) {
            if (c.batchNormalize()) {
                k[j] = head[f + j] / ((float) Math.sqrt(head[3 * f + j]) + (double) ChannelOps.BN_EPSILON);
                bias[j] = (float) (head[j] - head[2 * f + j] * k[j]);
            } else {
                k[j] = 1;
                bias[j] = head[j];
            }
        }
        int row = (int) (c.weightFloats() / f);
        int layer = c.index();
        long wBase = c.headFloats();
        String w = "t" + layer + "_w";
        inits.add(new Init(w, new long[]{f, c.inShape().c() / c.groups(), c.kernelH(), c.kernelW()}, FLOAT, c.weightFloats(),
                sink -> scaledRows(sink, layer, wBase, f, row, k)));
        String b = constFloats("t" + layer + "_b", new long[]{f}, bias);
        String pre = c.activation() == Activation.LINEAR ? out : out + "_pre";
        node("Conv", new String[]{spatialIn(c), w, b}, pre, ints("kernel_shape", c.kernelH(), c.kernelW()),
                ints("strides", c.strideH(), c.strideW()), ints("pads", c.padH(), c.padW(), c.padH(), c.padW()),
                intAttr("group", c.groups()));
        activation(c, c.activation(), pre, out);
    }

    private void connected(ConnectedLayer c, String x, String out) {
        int n = c.outputs(), m = c.inputs();
        int layer = c.index();
        float[] bias = new float[n];
        params.read(layer, 0, n, bias, 0);
        double[] k = new double[n];
        java.util.Arrays.fill(k, 1);
        if (c.batchNormalize()) {
            float[] bn = new float[3 * n];
            params.read(layer, n + (long) n * m, 3 * n, bn, 0);
            for (int j = 0; j < n; j++) {
                k[j] = bn[j] / ((float) Math.sqrt(bn[2 * n + j]) + (double) ChannelOps.BN_EPSILON);
                bias[j] = (float) (bias[j] - bn[n + j] * k[j]);
            }
        }
        String a = x;
        if (!flat.contains(x)) {
            a = out + "_flat";
            node("Flatten", new String[]{x}, a, intAttr("axis", 1));
        }
        String w = "t" + layer + "_w";
        inits.add(new Init(w, new long[]{n, m}, FLOAT, (long) n * m, sink -> scaledRows(sink, layer, n, n, m, k)));
        String b = constFloats("t" + layer + "_b", new long[]{n}, bias);
        String pre = c.activation() == Activation.LINEAR ? out : out + "_pre";
        node("Gemm", new String[]{a, w, b}, pre, intAttr("transB", 1));
        activation(c, c.activation(), pre, out);
        flat.add(out);
        flat.add(pre);
    }

    /** Streams {@code rows} rows of {@code row} floats from the layer's parameters at {@code base}, row r times k[r]. */
    private void scaledRows(Sink sink, int layer, long base, int rows, int row, double[] k) throws IOException {
        int per = Math.max(1, CHUNK_FLOATS / row);
        float[] buf = new float[Math.min(rows, per) * row];
        for (int r0 = 0; r0 < rows; r0 += per) {
            int nr = Math.min(per, rows - r0);
            params.read(layer, base + (long) r0 * row, nr * row, buf, 0);
            for (int r = 0; r < nr; r++) {
                double s = k[r0 + r];
                if (s == 1) continue;
                for (int q = r * row; q < (r + 1) * row; q++) buf[q] = (float) (buf[q] * s);
            }
            sink.floats(buf, 0, nr * row);
        }
    }

    private void softmax(SoftmaxLayer s, String x, String out) {
        String a = x;
        if (!flat.contains(x)) {
            a = out + "_flat";
            node("Flatten", new String[]{x}, a, intAttr("axis", 1));
        }
        if (s.temperature() != 1) {
            String t = out + "_t";
            node("Div", new String[]{a, constFloats(out + "_temp", new long[0], s.temperature())}, t);
            a = t;
        }
        long total = s.inShape().size();
        if (s.groups() == 1) {
            node("Softmax", new String[]{a}, out, intAttr("axis", 1));
        } else {
            String g = out + "_g", sm = out + "_sm";
            node("Reshape", new String[]{a, constLongs(out + "_gs", s.groups(), total / s.groups())}, g);
            node("Softmax", new String[]{g}, sm, intAttr("axis", 1));
            node("Reshape", new String[]{sm, constLongs(out + "_fs", 1, total)}, out);
        }
        flat.add(out);
    }

    /**
     * Darknet adds over the overlapping channels and positions only, sampling a larger {@code from}
     * with an integer stride; the other channels of the previous layer's output pass unchanged. With
     * alpha = 1 that is an Add after zero-padding (or slicing) {@code from}'s channels and
     * subsampling its positions. A smaller {@code from} (sampled onto every k-th position) or
     * alpha ≠ 1 across shapes is refused.
     */
    private void shortcut(ShortcutLayer s, String out) {
        Shape from = s.fromShape(), in = s.inShape();
        String a = spatialIn(s, 0), b = spatialIn(s, 1);
        if (!from.equals(in)) {
            if (s.alpha() != 1) throw unsupported(s, "alpha=" + s.alpha() + " with shapes " + from + " and " + in);
            int stride = Math.max(1, from.w() / in.w()), sample = Math.max(1, in.w() / from.w());
            if (sample > 1) throw unsupported(s, "shortcut from a smaller map " + from + " onto " + in);
            if (stride > 1 || from.h() != in.h() || from.w() != in.w()) {
                String sub = out + "_from_sub";
                node("Slice", new String[]{b, constLongs(out + "_sst", 0, 0), constLongs(out + "_sen", (long) in.h() * stride,
                        (long) in.w() * stride), constLongs(out + "_sax", 2, 3), constLongs(out + "_ssp", stride, stride)}, sub);
                b = sub;
            }
            if (from.c() < in.c()) {
                String pad = out + "_from_pad";
                node("Pad", new String[]{b, constLongs(out + "_pads", 0, 0, 0, 0, 0, in.c() - from.c(), 0, 0)}, pad);
                b = pad;
            } else if (from.c() > in.c()) {
                String cut = out + "_from_cut";
                node("Slice", new String[]{b, constLongs(out + "_cst", 0), constLongs(out + "_cen", in.c()),
                        constLongs(out + "_cax", 1)}, cut);
                b = cut;
            }
        }
        if (s.alpha() != 1) {
            node("Mul", new String[]{a, constFloats(out + "_alpha", new long[0], s.alpha())}, out + "_a");
            a = out + "_a";
        }
        if (s.beta() != 1) {
            node("Mul", new String[]{b, constFloats(out + "_beta", new long[0], s.beta())}, out + "_b");
            b = out + "_b";
        }
        String pre = s.activation() == Activation.LINEAR ? out : out + "_pre";
        node("Add", new String[]{a, b}, pre);
        activation(s, s.activation(), pre, out);
    }

    private void crop(CropLayer c, String out) {
        Shape in = c.inShape(), o = c.outShape();
        int dh = (in.h() - o.h()) / 2, dw = (in.w() - o.w()) / 2;
        String x = spatialIn(c);
        String cropped = c.noadjust() ? out : out + "_crop";
        node("Slice", new String[]{x, constLongs(out + "_st", dh, dw), constLongs(out + "_en", dh + o.h(), dw + o.w()),
                constLongs(out + "_ax", 2, 3)}, cropped);
        if (!c.noadjust()) {
            // Darknet's crop at inference maps x to 2x − 1.
            node("Mul", new String[]{cropped, constFloats(out + "_two", new long[0], 2f)}, out + "_x2");
            node("Add", new String[]{out + "_x2", constFloats(out + "_m1", new long[0], -1f)}, out);
        }
    }

    private void batchNorm(BatchNormLayer b, String out) {
        int c = b.inShape().c();
        float[] p = new float[3 * c];
        params.read(b.index(), 0, 3 * c, p, 0);
        float[] k = new float[c], add = new float[c];
        for (int j = 0; j < c; j++) {
            double kk = p[j] / ((float) Math.sqrt(p[2 * c + j]) + (double) ChannelOps.BN_EPSILON);
            k[j] = (float) kk;
            add[j] = (float) (-p[c + j] * kk);
        }
        node("Mul", new String[]{spatialIn(b), constFloats(out + "_k", new long[]{c, 1, 1}, k)}, out + "_m");
        node("Add", new String[]{out + "_m", constFloats(out + "_a", new long[]{c, 1, 1}, add)}, out);
    }

    private void activation(Layer l, Activation a, String x, String out) {
        switch (a) {
            case LINEAR -> {
                if (!x.equals(out)) node("Identity", new String[]{x}, out);
            }
            case RELU -> node("Relu", new String[]{x}, out);
            case LEAKY -> node("LeakyRelu", new String[]{x}, out, floatAttr("alpha", .1f));
            case LOGISTIC -> node("Sigmoid", new String[]{x}, out);
            case TANH -> node("Tanh", new String[]{x}, out);
            default -> throw unsupported(l, "activation " + a.cfgName() + " has no ONNX export");
        }
    }

    // ---- graph building blocks ----

    private String constFloats(String name, long[] dims, float... v) {
        inits.add(new Init(name, dims, FLOAT, v.length, sink -> sink.floats(v, 0, v.length)));
        return name;
    }

    private String constLongs(String name, long... v) {
        inits.add(new Init(name, new long[]{v.length}, INT64, v.length, sink -> sink.longs(v)));
        return name;
    }

    private void node(String op, String[] inputs, String output, Pb.Msg... attrs) {
        Pb.Msg n = new Pb.Msg();
        for (String s : inputs) n.str(1, s);
        n.str(2, output);
        n.str(3, output + "_" + op);
        n.str(4, op);
        for (Pb.Msg a : attrs) n.msg(5, a);
        nodes.add(n.bytes());
    }

    private static Pb.Msg intAttr(String name, long v) {
        return new Pb.Msg().str(1, name).i64(3, v).i64(20, 2);
    }

    private static Pb.Msg floatAttr(String name, float v) {
        return new Pb.Msg().str(1, name).f32(2, v).i64(20, 1);
    }

    private static Pb.Msg strAttr(String name, String v) {
        return new Pb.Msg().str(1, name).str(4, v).i64(20, 3);
    }

    private static Pb.Msg ints(String name, long... v) {
        Pb.Msg m = new Pb.Msg().str(1, name);
        for (long x : v) m.i64(8, x);
        return m.i64(20, 7);
    }

    private static Pb.Msg valueInfo(String name, long[] shape) {
        Pb.Msg tensor = new Pb.Msg().i64(1, FLOAT);
        if (shape != null) {
            Pb.Msg s = new Pb.Msg();
            for (long d : shape) s.msg(1, new Pb.Msg().i64(1, d));
            tensor.msg(2, s);
        }
        return new Pb.Msg().str(1, name).msg(2, new Pb.Msg().msg(1, tensor));
    }

    // ---- the file ----

    private void write(Path file) throws IOException {
        Shape in = net.input();
        List<byte[]> small = new ArrayList<>(); // graph fields other than the initializers, with their field numbers
        List<Integer> fields = new ArrayList<>();
        for (byte[] n : nodes) {
            small.add(n);
            fields.add(1);
        }
        small.add("vessels".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        fields.add(2);
        small.add(valueInfo(INPUT, new long[]{1, in.c(), in.h(), in.w()}).bytes());
        fields.add(11);
        for (String o : outputs) {
            small.add(valueInfo(o, null).bytes());
            fields.add(12);
        }
        long graph = 0;
        for (int i = 0; i < small.size(); i++) graph += Pb.tagSize(fields.get(i)) + Pb.varintSize(small.get(i).length) + small.get(i).length;
        for (Init t : inits) {
            long s = t.size();
            graph += Pb.tagSize(5) + Pb.varintSize(s) + s;
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write(new Pb.Msg().i64(1, IR_VERSION).str(2, "vessels-bench").msg(8, new Pb.Msg().i64(2, OPSET)).bytes());
            Pb.tag(out, 7, Pb.LEN);
            Pb.varint(out, graph);
            for (int i = 0; i < small.size(); i++) {
                Pb.tag(out, fields.get(i), Pb.LEN);
                Pb.varint(out, small.get(i).length);
                out.write(small.get(i));
            }
            Sink sink = new Sink(out);
            for (Init t : inits) {
                byte[] h = t.header();
                long s = t.size();
                Pb.tag(out, 5, Pb.LEN);
                Pb.varint(out, s);
                out.write(h);
                Pb.tag(out, 9, Pb.LEN);
                Pb.varint(out, t.bytes());
                t.filler().write(sink);
            }
        }
    }
}
