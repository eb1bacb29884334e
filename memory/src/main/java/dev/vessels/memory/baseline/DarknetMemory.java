package dev.vessels.memory.baseline;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import dev.vessels.core.Network;
import dev.vessels.core.layers.AvgPoolLayer;
import dev.vessels.core.layers.BatchNormLayer;
import dev.vessels.core.layers.ConnectedLayer;
import dev.vessels.core.layers.ConvolutionalLayer;
import dev.vessels.core.layers.CostLayer;
import dev.vessels.core.layers.CropLayer;
import dev.vessels.core.layers.DropoutLayer;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.layers.MaxPoolLayer;
import dev.vessels.core.layers.SoftmaxLayer;
import dev.vessels.core.layers.YoloLayer;
import dev.vessels.memory.plan.Lifetimes;

/**
 * What Darknet (pjreddie's tree, as Debian packages it) allocates for a network at prediction, a
 * pure function of the spec: every buffer its {@code make_*_layer} functions and
 * {@code parse_network_cfg} calloc, at the cfg's batch (batch / subdivisions), and how much of each
 * a batch-1 prediction touches ({@code set_batch_network(net, 1)} shrinks the loops, not the
 * allocations).
 *
 * <p>Touched ("resident") at prediction: all parameters (random-initialised, then read from the
 * file); the image and every layer output; every {@code delta}, because {@code forward_network}
 * zero-fills it before each layer; the batch-norm copy {@code x} of the pre-normalisation output;
 * max-pool {@code indexes}; the im2col workspace up to the largest convolution with a kernel larger
 * than 1 (Darknet's {@code l.size == 1} skips im2col). Allocated but never touched: weight/bias/scale
 * update buffers, batch-norm {@code mean/variance} and their deltas, {@code x_norm}, dropout's
 * {@code rand}, softmax's {@code loss}, the cost layer's output, {@code net->input}/{@code net->truth},
 * the workspace share only 1×1 convolutions would need, and the batch&gt;1 tail of every buffer.
 */
public final class DarknetMemory {
    /** Touched from the layer that first touches it to the last; -1, -1 when never touched. */
    public record Buffer(int layer, Category category, String name, long allocatedBytes, long residentBytes,
                         int firstTouch, int lastTouch) {}

    private final Network net;
    private final List<Buffer> buffers;
    private final long workspaceResidentFloats;

    private DarknetMemory(Network net, List<Buffer> buffers, long wsResident) {
        this.net = net;
        this.buffers = List.copyOf(buffers);
        this.workspaceResidentFloats = wsResident;
    }

    public static DarknetMemory of(Network net) {
        int batch = net.cfgBatch();
        int last = net.layers().size() - 1;
        Lifetimes lt = Lifetimes.analyze(net);
        List<Buffer> b = new ArrayList<>();
        long in = net.input().size();
        int inLast = lt.tensorOf(-1).last();
        b.add(new Buffer(-1, Category.ACTIVATIONS, "image", in * 4, in * 4, 0, inLast));
        b.add(new Buffer(-1, Category.ACTIVATIONS, "net.input", batch * in * 4, 0, -1, -1));
        long truths = net.outputShape().size();
        b.add(new Buffer(-1, Category.TRAINING_ONLY, "net.truth", batch * truths * 4, 0, -1, -1));
        long wsAlloc = 0, wsTouched = 0;
        int wsFirst = -1, wsLast = -1;
        for (Layer l : net.layers()) {
            int i = l.index();
            long out = l.outShape().size();
            long inputs = l.inShape().size();
            if (l instanceof DropoutLayer) {
                // Shares the previous layer's output and delta (parse.c); forward_network zero-fills that delta again.
                b.add(new Buffer(i, Category.TRAINING_ONLY, "rand", batch * inputs * 4, 0, -1, -1));
                continue;
            }
            if (l instanceof CostLayer) {
                b.add(new Buffer(i, Category.TRAINING_ONLY, "output", batch * inputs * 4, 0, -1, -1));
                b.add(new Buffer(i, Category.TRAINING_ONLY, "delta", batch * inputs * 4, inputs * 4, i, i));
                continue;
            }
            int outLast = lt.tensorOf(i).last();
            b.add(new Buffer(i, Category.ACTIVATIONS, "output", batch * out * 4, out * 4, i, outLast));
            if (!(l instanceof CropLayer)) {
                b.add(new Buffer(i, Category.TRAINING_ONLY, "delta", batch * out * 4, out * 4, i, i));
            }
            if (l.paramFloats() > 0) {
                b.add(new Buffer(i, Category.PARAMETERS, "parameters", l.paramFloats() * 4, l.paramFloats() * 4, i, i));
            }
            if (l instanceof ConvolutionalLayer c) {
                long n = c.filters();
                b.add(new Buffer(i, Category.TRAINING_ONLY, "weight_updates+bias_updates", (c.weightFloats() + n) * 4, 0, -1, -1));
                if (c.batchNormalize()) bnTraining(b, i, batch, n, out);
                long ws = (long) c.outShape().h() * c.outShape().w() * c.kernelH() * c.kernelW() * c.inShape().c() / c.groups();
                wsAlloc = Math.max(wsAlloc, ws);
                if (c.kernelH() * c.kernelW() != 1) {
                    wsTouched = Math.max(wsTouched, ws);
                    if (wsFirst < 0) wsFirst = i;
                    wsLast = i;
                }
            } else if (l instanceof ConnectedLayer c) {
                long n = c.outputs();
                b.add(new Buffer(i, Category.TRAINING_ONLY, "weight_updates+bias_updates", ((long) c.inputs() * n + n) * 4, 0, -1, -1));
                if (c.batchNormalize()) bnTraining(b, i, batch, n, out);
            } else if (l instanceof BatchNormLayer) {
                bnTraining(b, i, batch, l.outShape().c(), out);
            } else if (l instanceof MaxPoolLayer) {
                b.add(new Buffer(i, Category.TRAINING_ONLY, "indexes", batch * out * 4, out * 4, i, i));
            } else if (l instanceof SoftmaxLayer) {
                b.add(new Buffer(i, Category.TRAINING_ONLY, "loss", batch * inputs * 4, 0, -1, -1));
            } else if (l instanceof YoloLayer y) {
                long anchors = y.anchors().length;
                b.add(new Buffer(i, Category.PARAMETERS, "biases (anchors)", anchors * 4, anchors * 4, i, i));
                b.add(new Buffer(i, Category.TRAINING_ONLY, "bias_updates", 2L * y.mask().length * 4, 0, -1, -1));
            } else if (l instanceof AvgPoolLayer) {
                // output and delta only
            }
        }
        b.add(new Buffer(-1, Category.WORKSPACE, "workspace", wsAlloc * 4, wsTouched * 4, wsFirst, wsLast));
        return new DarknetMemory(net, b, wsTouched);
    }

    /** scale_updates, mean, variance, mean_delta, variance_delta (never touched), x (touched), x_norm (not). */
    private static void bnTraining(List<Buffer> b, int i, int batch, long channels, long out) {
        b.add(new Buffer(i, Category.TRAINING_ONLY, "bn statistics and updates", 5 * channels * 4, 0, -1, -1));
        b.add(new Buffer(i, Category.TRAINING_ONLY, "x", batch * out * 4, out * 4, i, i));
        b.add(new Buffer(i, Category.TRAINING_ONLY, "x_norm", batch * out * 4, 0, -1, -1));
    }

    public Network network() {
        return net;
    }

    public List<Buffer> buffers() {
        return buffers;
    }

    /** The workspace floats Darknet's im2col touches (its largest non-1×1 convolution). */
    public long workspaceResidentFloats() {
        return workspaceResidentFloats;
    }

    public Map<Category, Long> residentByCategory() {
        Map<Category, Long> m = new EnumMap<>(Category.class);
        for (Category c : Category.values()) m.put(c, 0L);
        for (Buffer x : buffers) m.merge(x.category(), x.residentBytes(), Long::sum);
        return m;
    }

    public Map<Category, Long> allocatedByCategory() {
        Map<Category, Long> m = new EnumMap<>(Category.class);
        for (Category c : Category.values()) m.put(c, 0L);
        for (Buffer x : buffers) m.merge(x.category(), x.allocatedBytes(), Long::sum);
        return m;
    }

    /** Bytes touched by a prediction: everything Darknet holds resident, for the whole run. */
    public long residentBytes() {
        return buffers.stream().mapToLong(Buffer::residentBytes).sum();
    }

    public long allocatedBytes() {
        return buffers.stream().mapToLong(Buffer::allocatedBytes).sum();
    }

    /** Resident bytes of one named kind of buffer (e.g. "delta", "x", "indexes", "output"). */
    public long residentBytes(String name) {
        return buffers.stream().filter(x -> x.name().equals(name)).mapToLong(Buffer::residentBytes).sum();
    }
}
