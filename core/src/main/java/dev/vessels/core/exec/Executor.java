package dev.vessels.core.exec;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.layers.ConvolutionalLayer;
import dev.vessels.core.layers.FusedResidual;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.layers.LayerContext;
import dev.vessels.core.layers.ShortcutLayer;

/**
 * Runs a network layer by layer. Where tensors live is the {@link BufferPlan}'s business and where
 * parameters come from the {@link ParamProvider}'s, so Darknet-style and planned executors share
 * this loop and the kernels, and compute bit-identical outputs. The forward pass allocates nothing
 * but the result copies.
 *
 * <p>A same-shape {@code [shortcut]} right after the convolution that produces its first input is
 * computed in that convolution's epilogue ({@link FusedResidual}), which writes the shortcut's output
 * straight to the shortcut's location; the shortcut's own pass is skipped (its observer calls still
 * come, in order). Bit-identical to the two passes. Decided per layer at construction (a plan's
 * locations are fixed), only where safe: see {@link #fusable}. {@code -Dvessels.fuse.shortcut=false}
 * (or {@link #fuseShortcuts(boolean)}) runs the pairs unfused.
 */
public final class Executor implements AutoCloseable {
    private final String name;
    private final Network net;
    private final BufferPlan plan;
    private final ParamProvider params;
    private final Parallel parallel;
    private final int[] keep;   // layers whose outputs are copied out besides the output layer
    private final Ctx ctx = new Ctx();
    private final FusedResidual[] fused; // [layers]: the shortcut convolution i computes in its epilogue, or null
    private boolean fuseShortcuts = !"false".equals(System.getProperty("vessels.fuse.shortcut"));
    private LayerObserver observer = LayerObserver.NONE;

    public Executor(String name, Network net, BufferPlan plan, ParamProvider params, Parallel parallel, int[] keep) {
        this.name = name;
        this.net = net;
        this.plan = plan;
        this.params = params;
        this.parallel = parallel;
        this.keep = keep.clone();
        this.fused = new FusedResidual[net.layers().size()];
        for (Layer l : net.layers()) fused[l.index()] = fusable(l.index());
    }

    /**
     * The residual convolution {@code i} may compute in its epilogue, or null. Needs: layer i + 1 is
     * a same-shape shortcut whose first input is layer i; nothing else reads layer i's output (no
     * other layer, also through an alias, nor the caller: not kept, not the output); and the
     * shortcut's output, written while the convolution runs (partial sums first), overlaps neither
     * the convolution's input, nor {@code from}, nor the workspace, nor the parameters. The last
     * holds where the shortcut's output is the convolution's own location (the planned executor
     * writes shortcuts in place: what the convolution may write anyway), or in an array of its own
     * — but not in a plan that {@linkplain BufferPlan#mimicsDarknet() mimics Darknet}.
     */
    private FusedResidual fusable(int i) {
        java.util.List<Layer> layers = net.layers();
        if (i + 1 >= layers.size() || !(layers.get(i) instanceof ConvolutionalLayer conv)
                || !(layers.get(i + 1) instanceof ShortcutLayer s) || s.input(0) != i
                || !s.fromShape().equals(s.outShape()) || !s.outShape().equals(conv.outShape())) {
            return null;
        }
        for (Layer l : layers) {
            for (int k = 0; k < l.inputCount(); k++) {
                if (source(l.input(k)) == i && (l != s || k != 0)) return null;
            }
        }
        for (int k : keep) if (source(k) == i) return null;
        if (source(net.outputIndex()) == i) return null;
        float[] out = plan.array(s.index());
        int outOff = plan.offset(s.index()), size = (int) s.outShape().size();
        if (overlaps(out, outOff, size, plan.array(conv.input(0)), plan.offset(conv.input(0)), conv.inShape().size())
                || overlaps(out, outOff, size, plan.array(s.input(1)), plan.offset(s.input(1)), size)
                || overlaps(out, outOff, size, plan.workspace(), plan.workspaceOffset(i), plan.workspaceFloats(i))) {
            return null;
        }
        boolean convsOwn = out == plan.array(i) && outOff == plan.offset(i);
        if (!convsOwn && out == params.array()) return null;
        // Darknet's memory behaviour (the baseline) writes every layer's buffer: fused, the
        // convolution's own buffer would stay untouched and the process hold less than Darknet.
        if (!convsOwn && plan.mimicsDarknet()) return null;
        return new FusedResidual(out, outOff, plan.array(s.input(1)), plan.offset(s.input(1)), s.alpha(), s.beta(),
                s.activation());
    }

    /** The layer whose buffer layer {@code layer}'s output is (following aliases); -1: the input. */
    private int source(int layer) {
        while (layer >= 0 && net.layers().get(layer).aliasesInput()) layer = net.layers().get(layer).input(0);
        return layer;
    }

    /** Whether a[off, off+n) and b[bOff, bOff+bn) share an element (bn is clipped to b's end). */
    private static boolean overlaps(float[] a, int off, long n, float[] b, int bOff, long bn) {
        if (a != b) return false;
        long bEnd = Math.min((long) b.length, bOff + Math.min(bn, (long) b.length));
        return off < bEnd && bOff < off + n;
    }

    /** The layers a caller usually wants besides the output: every [yolo] layer. */
    public static int[] yoloLayers(Network net) {
        return net.layers().stream().filter(l -> l.kind().equals("yolo")).mapToInt(Layer::index).toArray();
    }

    public String name() { return name; }
    public Network network() { return net; }
    public ParamProvider params() { return params; }
    public BufferPlan plan() { return plan; }
    public Parallel parallel() { return parallel; }

    /** Turns the shortcut fusion on (the default unless {@code -Dvessels.fuse.shortcut=false}) or off. */
    public void fuseShortcuts(boolean on) {
        fuseShortcuts = on;
    }

    /** Whether convolution {@code layer} computes the shortcut after it (and that shortcut is skipped). */
    public boolean fusesShortcutAfter(int layer) {
        return fuseShortcuts && fused[layer] != null;
    }

    /** Sees each layer before and after it runs (the profiler and the EPC emulator use it). */
    public void setObserver(LayerObserver observer) {
        this.observer = observer == null ? LayerObserver.NONE : observer;
    }

    /** One prediction on a C×H×W planar input of exactly the network's input size. */
    public Prediction predict(float[] input) {
        long need = net.input().size();
        if (input.length != need) {
            throw new VesselsException("input has " + input.length + " floats, " + net.name() + " expects " + need + " ("
                    + net.input().c() + "x" + net.input().h() + "x" + net.input().w() + ")");
        }
        long t0 = System.nanoTime();
        System.arraycopy(input, 0, plan.array(-1), plan.offset(-1), input.length);
        java.util.List<Layer> layers = net.layers();
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            ctx.layer = l;
            ctx.residual = fuseShortcuts ? fused[i] : null;
            plan.beforeLayer(i);
            observer.beforeLayer(l);
            if (!l.aliasesInput()) l.forward(ctx);
            observer.afterLayer(l);
            if (ctx.residual != null) {
                // The convolution wrote the shortcut's output: the shortcut only shows up, in order.
                Layer s = layers.get(++i);
                plan.beforeLayer(i);
                observer.beforeLayer(s);
                observer.afterLayer(s);
            }
        }
        ctx.residual = null;
        long nanos = System.nanoTime() - t0;
        Map<Integer, float[]> kept = new LinkedHashMap<>();
        for (int k : keep) kept.put(k, copyOut(k));
        return new Prediction(copyOut(net.outputIndex()), kept, nanos);
    }

    private float[] copyOut(int layer) {
        int off = plan.offset(layer);
        return Arrays.copyOfRange(plan.array(layer), off, off + (int) net.layers().get(layer).outShape().size());
    }

    @Override
    public void close() {
        params.close();
        if (parallel != Parallel.SERIAL) parallel.close();
    }

    /** Callbacks around each layer. */
    public interface LayerObserver {
        LayerObserver NONE = new LayerObserver() {};

        default void beforeLayer(Layer l) {}

        default void afterLayer(Layer l) {}
    }

    private final class Ctx implements LayerContext {
        Layer layer;
        FusedResidual residual; // the current layer's, when it computes the next shortcut

        @Override
        public FusedResidual fusedResidual() {
            return residual;
        }

        @Override
        public float[] in(int k) {
            return plan.array(layer.input(k));
        }

        @Override
        public int inOff(int k) {
            return plan.offset(layer.input(k));
        }

        @Override
        public float[] out() {
            return plan.array(layer.index());
        }

        @Override
        public int outOff() {
            return plan.offset(layer.index());
        }

        @Override
        public int params(long start, int count) {
            return params.params(layer.index(), start, count);
        }

        @Override
        public void streamParams(long start, int rows, int rowFloats, Parallel par, ParamProvider.RowBlock body) {
            params.stream(layer.index(), start, rows, rowFloats, par, body);
        }

        @Override
        public boolean servesParamColumns() {
            return params.servesColumns();
        }

        @Override
        public int paramColumns(long start, int rows, int rowFloats, int col0, int cols) {
            return params.paramColumns(layer.index(), start, rows, rowFloats, col0, cols);
        }

        @Override
        public java.lang.foreign.MemorySegment paramSegment() {
            return params.inPlace();
        }

        @Override
        public int paramsInPlace(long start, long count) {
            return params.paramsInPlace(layer.index(), start, count);
        }

        @Override
        public float[] paramArray() {
            return params.array();
        }

        @Override
        public long maxParamChunkFloats() {
            return params.maxChunkFloats();
        }

        @Override
        public float[] ws() {
            return plan.workspace();
        }

        @Override
        public int wsOff() {
            return plan.workspaceOffset();
        }

        @Override
        public long wsFloats() {
            return plan.workspaceFloats();
        }

        @Override
        public Parallel parallel() {
            return parallel;
        }
    }
}
