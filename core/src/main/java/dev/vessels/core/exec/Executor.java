package dev.vessels.core.exec;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.layers.LayerContext;

/**
 * Runs a network layer by layer. Where tensors live is the {@link BufferPlan}'s business and where
 * parameters come from the {@link ParamProvider}'s, so Darknet-style and planned executors share
 * this loop and the kernels, and compute bit-identical outputs. The forward pass allocates nothing
 * but the result copies.
 */
public final class Executor implements AutoCloseable {
    private final String name;
    private final Network net;
    private final BufferPlan plan;
    private final ParamProvider params;
    private final Parallel parallel;
    private final int[] keep;   // layers whose outputs are copied out besides the output layer
    private final Ctx ctx = new Ctx();
    private LayerObserver observer = LayerObserver.NONE;

    public Executor(String name, Network net, BufferPlan plan, ParamProvider params, Parallel parallel, int[] keep) {
        this.name = name;
        this.net = net;
        this.plan = plan;
        this.params = params;
        this.parallel = parallel;
        this.keep = keep.clone();
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
        for (Layer l : net.layers()) {
            ctx.layer = l;
            plan.beforeLayer(l.index());
            observer.beforeLayer(l);
            if (!l.aliasesInput()) l.forward(ctx);
            observer.afterLayer(l);
        }
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
