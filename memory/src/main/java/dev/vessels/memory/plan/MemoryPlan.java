package dev.vessels.memory.plan;

import java.util.ArrayList;
import java.util.List;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.layers.BatchNormLayer;
import dev.vessels.core.layers.ConnectedLayer;
import dev.vessels.core.layers.ConvolutionalLayer;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.layers.RouteLayer;
import dev.vessels.core.layers.ShortcutLayer;
import dev.vessels.core.layers.YoloLayer;
import dev.vessels.memory.plan.ArenaPlanner.Placement;
import dev.vessels.memory.plan.ArenaPlanner.Request;
import dev.vessels.memory.plan.Lifetimes.Tensor;

/**
 * The Vessels memory plan of a network, a pure function of its spec: which tensors share a buffer
 * (in-place layers), each layer's bounded parameter slot, and where everything lives in one arena.
 * Nothing is allocated here; {@link dev.vessels.memory.VesselsPlan} allocates the arena once from
 * {@link #arenaFloats()}.
 *
 * <p>In place: a [shortcut] writes over its first input, and [yolo] and [batchnorm] over their
 * input, when that input's last use is this layer and it is not kept to the end (those kernels
 * copy only when out ≠ in, and read each element before writing it). Convolution, pooling,
 * upsample and route read neighbours or other positions, so they always get a buffer of their own.
 *
 * <p>Concatenation in place: a [route]'s inputs are written where the route's output will hold
 * them, so the route copies nothing. An input whose buffer holds only it (nothing written in place
 * over it) and sits in no other route's buffer becomes a <em>view</em>: its buffer is placed inside
 * the route's, at the floats of the inputs before it ({@link #viewOf}); the route's buffer is then
 * live from the first of them to the last. Chains nest: DenseNet's {@code route -1,-3} holds the
 * new 32 channels and, after them, the previous route, which holds its own. A route of one input
 * is a view the other way round, inside its input's buffer. Only a view and the buffers around it
 * overlap, and each is written (by its producer, or by nothing: a route in place) before it is read.
 *
 * <p>The parameter slot is a per-layer temporary live only at that layer's step, placed in the same
 * arena as the tensors, so it reuses whatever the activations leave free there; parameters are
 * served in pieces of at most {@link #maxChunkFloats()}.
 *
 * <p>No im2col workspace: convolutions run the fused im2col+GEMM, which builds its column rows in
 * the GEMM's per-thread packing scratch ({@link dev.vessels.core.kernels.Gemm#scratchBytesPerThread()}).
 * That scratch lives outside the arena, one per thread, and memory accounting adds it per thread
 * ({@link dev.vessels.memory.Executors#kernelScratchBytes(int)}). Darknet's declared workspace
 * ({@link Layer#workspaceFloats()}) stays in the baseline only. The one planned workspace is a
 * Winograd convolution's transform buffers ({@link ConvolutionalLayer#kernelWorkspaceFloats}, sized
 * for the plan's threads): a temporary of its layer's step, placed like the parameter slot, so it
 * reuses what the activations leave free there.
 */
public final class MemoryPlan {
    /**
     * {@code -Dvessels.plan.routesInPlace=false}: every route copies its inputs into a buffer of its
     * own (A/B runs; results are the same bits either way). Read when a plan is made; not final for probes.
     */
    public static boolean routesInPlace = !"false".equals(System.getProperty("vessels.plan.routesInPlace"));

    /** Default bound of a parameter piece: 512 Ki floats = 2 MiB. */
    public static final long DEFAULT_SLOT_FLOATS = 1L << 19;

    /** Sharing of one buffer by tensors written in place, live over [first, last]. */
    public record Buffer(long floats, int first, int last, List<Integer> tensors) {}

    private final Network net;
    private final Lifetimes lifetimes;
    private final List<Buffer> buffers;
    private final int[] bufferOfLayer;   // [layers + 1]: layer + 1 → buffer index (aliases followed)
    private final boolean[] inPlace;     // [layers]: layer writes over its input
    private final long[] slotFloats;     // [layers]: parameter slot each layer gets (0 if no parameters)
    private final long maxChunk;         // largest parameter piece served at once
    private final int[] viewOf;          // [buffers]: the buffer this one sits inside (a route's), -1 if none
    private final long[] viewAt;         // [buffers]: floats from that buffer's start
    private final long[] bufferOffset;   // [buffers]
    private final long[] slotOffset;     // [layers]
    private final long arenaFloats;
    private final long activationLowerBound;
    private final long[] liveFloats;     // [layers]: tensors + parameter slot + workspace live at each step
    private final int threads;           // threads the kernel workspaces are sized for
    private final long[] wsFloats;       // [layers]: kernel workspace each layer gets (0: none)
    private final long[] wsOffset;       // [layers]

    /** The plan for one prediction thread. */
    public static MemoryPlan of(Network net) {
        return new MemoryPlan(net, DEFAULT_SLOT_FLOATS, 1);
    }

    public static MemoryPlan of(Network net, long slotCapFloats) {
        return new MemoryPlan(net, slotCapFloats, 1);
    }

    /**
     * The plan for predictions on {@code threads} threads: the kernel workspaces (Winograd
     * convolutions' transform buffers, one part per thread) are sized for them. A plan for fewer
     * threads than an executor runs gives those layers fewer parts, never wrong results.
     */
    public static MemoryPlan forThreads(Network net, int threads) {
        return new MemoryPlan(net, DEFAULT_SLOT_FLOATS, threads);
    }

    public static MemoryPlan forThreads(Network net, long slotCapFloats, int threads) {
        return new MemoryPlan(net, slotCapFloats, threads);
    }

    private MemoryPlan(Network net, long slotCap, int threads) {
        if (slotCap < 1) throw new IllegalArgumentException("the slot bound must be >= 1 float");
        if (threads < 1) throw new VesselsException("--threads must be >= 1, got " + threads);
        this.net = net;
        this.threads = threads;
        this.lifetimes = Lifetimes.analyze(net);
        List<Layer> layers = net.layers();
        int n = layers.size();

        // 1. In-place merging: buffers of tensors.
        List<long[]> bufs = new ArrayList<>();          // {floats, first, last}
        List<List<Integer>> members = new ArrayList<>();
        int[] bufOfTensor = new int[n + 1];            // tensor id + 1 → buffer
        inPlace = new boolean[n];
        for (Tensor t : lifetimes.tensors()) {
            int b = -1;
            if (t.id() >= 0 && canWriteInPlace(layers.get(t.id()))) {
                b = bufOfTensor[lifetimes.tensorOf(layers.get(t.id()).input(0)).id() + 1];
                inPlace[t.id()] = true;
                long[] buf = bufs.get(b);
                buf[0] = Math.max(buf[0], t.floats());
                buf[2] = Math.max(buf[2], t.last());
                members.get(b).add(t.id());
            } else {
                b = bufs.size();
                bufs.add(new long[]{t.floats(), t.first(), t.last()});
                members.add(new ArrayList<>(List.of(t.id())));
            }
            bufOfTensor[t.id() + 1] = b;
        }
        int nb = bufs.size();

        // 1b. Concatenation in place: route inputs as views into the route's buffer (in layer
        // order, so a route already holding views can itself become a view of a later route).
        viewOf = new int[nb];
        viewAt = new long[nb];
        java.util.Arrays.fill(viewOf, -1);
        for (Layer l : layers) {
            if (!routesInPlace || !(l instanceof RouteLayer)) continue;
            int r = bufOfTensor[lifetimes.tensorOf(l.index()).id() + 1];
            if (members.get(r).size() != 1) continue; // something writes in place over the route
            if (l.inputCount() == 1) {
                // A route of one input (Inception's branches restart from the module's input,
                // YOLOv3's route -4) is that input: the route's buffer sits inside the input's, which
                // so stays free to be a view in a concatenation.
                Tensor t = lifetimes.tensorOf(l.input(0));
                int b = bufOfTensor[t.id() + 1];
                if (t.id() >= 0 && b != r && members.get(b).size() == 1) viewOf[r] = b;
                continue;
            }
            long at = 0;
            for (int k = 0; k < l.inputCount(); k++) {
                Tensor t = lifetimes.tensorOf(l.input(k));
                int b = bufOfTensor[t.id() + 1];
                if (t.id() >= 0 && b != r && viewOf[b] < 0 && members.get(b).size() == 1 && !within(r, b)) {
                    viewOf[b] = r;
                    viewAt[b] = at;
                }
                at += t.floats();
            }
        }
        // A buffer with views inside is live from the first of them to the last of them.
        for (int b = 0; b < nb; b++) {
            for (int v = b; viewOf[v] >= 0; v = viewOf[v]) {
                long[] outer = bufs.get(viewOf[v]);
                outer[1] = Math.min(outer[1], bufs.get(b)[1]);
                outer[2] = Math.max(outer[2], bufs.get(b)[2]);
            }
        }
        List<Buffer> bl = new ArrayList<>();
        for (int b = 0; b < bufs.size(); b++) {
            long[] v = bufs.get(b);
            bl.add(new Buffer(v[0], (int) v[1], (int) v[2], List.copyOf(members.get(b))));
        }
        buffers = List.copyOf(bl);
        bufferOfLayer = new int[n + 1];
        for (int id = -1; id < n; id++) bufferOfLayer[id + 1] = bufOfTensor[lifetimes.tensorOf(id).id() + 1];

        // 2. Bounded parameter slots.
        long unit = 1;
        for (Layer l : layers) unit = Math.max(unit, minParamPiece(l));
        maxChunk = Math.max(slotCap, unit);
        slotFloats = new long[n];
        // Sized for the weights too, whatever the source: a convolution whose GEMM reads its weights
        // in place from a mapped weights file (OnDemandParams.inPlace) uses only the head of its slot,
        // but the arena still holds the whole slot, and every other source fills it.
        for (Layer l : layers) slotFloats[l.index()] = Math.min(l.paramFloats(), maxChunk);

        // 3. Placement of everything in one arena.
        // One request per outermost buffer; a view is placed with the buffer it sits in.
        List<Request> reqs = new ArrayList<>();
        int[] reqOfBuffer = new int[nb];
        for (int b = 0; b < nb; b++) {
            reqOfBuffer[b] = -1;
            if (viewOf[b] >= 0) continue;
            Buffer buf = buffers.get(b);
            reqOfBuffer[b] = reqs.size();
            reqs.add(new Request(buf.floats(), buf.first(), buf.last()));
        }
        int activations = reqs.size();
        int[] slotReq = stepTemporaries(slotFloats, reqs);
        // Kernel workspaces: like the slot, a temporary of the layer's step only.
        wsFloats = new long[n];
        for (Layer l : layers) if (l instanceof ConvolutionalLayer c) wsFloats[l.index()] = c.kernelWorkspaceFloats(threads);
        int[] wsReq = stepTemporaries(wsFloats, reqs);
        Placement p = ArenaPlanner.place(reqs);
        if (p.arenaFloats() > Integer.MAX_VALUE - 16) {
            throw new VesselsException(net.name() + ": the planned arena needs " + p.arenaFloats()
                    + " floats, more than one Java array holds");
        }
        arenaFloats = p.arenaFloats();
        bufferOffset = new long[nb];
        for (int b = 0; b < nb; b++) {
            long at = 0;
            int o = b;
            for (; viewOf[o] >= 0; o = viewOf[o]) at += viewAt[o];
            bufferOffset[b] = p.offsets()[reqOfBuffer[o]] + at;
        }
        slotOffset = offsets(slotReq, p);
        wsOffset = offsets(wsReq, p);
        activationLowerBound = ArenaPlanner.lowerBound(reqs.subList(0, activations));
        liveFloats = new long[n];
        for (Request r : reqs) for (int s = r.first(); s <= r.last(); s++) liveFloats[s] += r.floats();
    }

    /**
     * Requests for temporaries live at their layer's step only ({@code floats[i]} at step i; none
     * where 0), appended to {@code reqs}: each layer's request index, or -1.
     */
    private static int[] stepTemporaries(long[] floats, List<Request> reqs) {
        int[] req = new int[floats.length];
        for (int i = 0; i < floats.length; i++) {
            req[i] = -1;
            if (floats[i] > 0) {
                req[i] = reqs.size();
                reqs.add(new Request(floats[i], i, i));
            }
        }
        return req;
    }

    /** The placed offset of each layer's request ({@link #stepTemporaries}), 0 where it has none. */
    private static long[] offsets(int[] req, Placement p) {
        long[] off = new long[req.length];
        for (int i = 0; i < req.length; i++) off[i] = req[i] < 0 ? 0 : p.offsets()[req[i]];
        return off;
    }

    /** Whether buffer {@code inner} is {@code outer} or lies, through views, inside it. */
    public boolean within(int inner, int outer) {
        for (int v = inner; v >= 0; v = viewOf[v]) if (v == outer) return true;
        return false;
    }

    private boolean canWriteInPlace(Layer l) {
        if (!(l instanceof ShortcutLayer || l instanceof YoloLayer || l instanceof BatchNormLayer)) return false;
        Tensor in = lifetimes.tensorOf(l.input(0));
        if (in.keptToEnd() || in.last() != l.index() || in.floats() != l.outShape().size()) return false;
        // A shortcut adding its input to itself would read positions it has already overwritten.
        return !(l instanceof ShortcutLayer) || lifetimes.tensorOf(l.input(1)).id() != in.id();
    }

    /** The smallest parameter piece a layer asks for at once: one filter/row, or its head. */
    static long minParamPiece(Layer l) {
        if (l instanceof ConvolutionalLayer c) {
            return Math.max(c.weightFloats() / c.filters(), c.headFloats());
        }
        if (l instanceof ConnectedLayer c) {
            return Math.max(c.inputs(), (c.batchNormalize() ? 3L : 1L) * c.outputs());
        }
        return l.paramFloats();
    }

    public Network network() { return net; }
    public Lifetimes lifetimes() { return lifetimes; }
    public List<Buffer> buffers() { return buffers; }

    /** Arena offset of layer {@code layer}'s output (-1: the network input), aliases followed. */
    public long tensorOffset(int layer) {
        return bufferOffset[bufferOfLayer[layer + 1]];
    }

    public int bufferOf(int layer) {
        return bufferOfLayer[layer + 1];
    }

    public long bufferOffset(int buffer) {
        return bufferOffset[buffer];
    }

    /** The buffer that buffer {@code buffer} sits inside as a route's input (concatenated in place), -1 if none. */
    public int viewOf(int buffer) {
        return viewOf[buffer];
    }

    /**
     * Whether input {@code k} of route layer {@code layer} is already where the route's output
     * holds it (a view), so the route copies nothing for it.
     */
    public boolean concatenatedInPlace(int layer, int k) {
        Layer l = net.layers().get(layer);
        if (!(l instanceof RouteLayer)) return false;
        long at = 0;
        for (int j = 0; j < k; j++) at += lifetimes.tensorOf(l.input(j)).floats();
        return tensorOffset(l.input(k)) == tensorOffset(layer) + at;
    }

    public boolean inPlace(int layer) { return inPlace[layer]; }
    public long slotFloats(int layer) { return slotFloats[layer]; }
    public long slotOffset(int layer) { return slotOffset[layer]; }
    public long maxChunkFloats() { return maxChunk; }
    /** Kernel workspace of layer {@code layer} (0: it runs none) and its arena offset. */
    public long workspaceFloats(int layer) { return wsFloats[layer]; }
    public long workspaceOffset(int layer) { return wsOffset[layer]; }
    /** Threads the workspaces are sized for. */
    public int threads() { return threads; }

    public long maxWorkspaceFloats() {
        return java.util.Arrays.stream(wsFloats).max().orElse(0);
    }
    public long arenaFloats() { return arenaFloats; }
    /** Tensors, the parameter slot and the workspace live at step {@code layer} (the arena's part in use). */
    public long liveFloats(int layer) { return liveFloats[layer]; }

    /**
     * The largest set of activations live at one step, after in-place sharing (a buffer holding
     * views counted whole over its lifetime): no arena holds them in less.
     */
    public long activationLowerBoundFloats() { return activationLowerBound; }

    public long maxSlotFloats() {
        return java.util.Arrays.stream(slotFloats).max().orElse(0);
    }
}
