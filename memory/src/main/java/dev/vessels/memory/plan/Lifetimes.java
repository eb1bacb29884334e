package dev.vessels.memory.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.vessels.core.Network;
import dev.vessels.core.layers.Layer;

/**
 * Lifetime analysis, a pure function of the network: for each tensor (the network input and each
 * layer output that owns a buffer), the first and last step at which it is live. Step {@code i} is
 * the run of layer {@code i}; the network input is live from step 0.
 *
 * <p>Rules: a tensor is born at its producer's step and lives until the last layer that reads it
 * (route and shortcut read several, extending each); a layer that {@link Layer#aliasesInput()
 * aliases its input} (dropout, cost) owns no tensor and its readers read its source; the output
 * layer and every [yolo] layer live to the last step, because their values are copied out after
 * the pass.
 */
public final class Lifetimes {
    /** The network input's tensor id. */
    public static final int INPUT = -1;

    /**
     * @param id        the producing layer, or {@link #INPUT}
     * @param floats    size
     * @param first     step at which it is written (0 for the input)
     * @param last      last step at which it is read (or {@code steps - 1} when kept to the end)
     * @param keptToEnd copied out after the pass: must never be overwritten
     */
    public record Tensor(int id, long floats, int first, int last, boolean keptToEnd) {
        public boolean liveAt(int step) {
            return first <= step && step <= last;
        }
    }

    private final int steps;
    private final int[] source;          // [layers + 1]: source[layer + 1] = tensor id whose buffer the layer's output is
    private final Tensor[] byId;         // [layers + 1]: byId[id + 1], null for aliasing layers
    private final List<Tensor> tensors;  // in id order, input first

    private Lifetimes(int steps, int[] source, Tensor[] byId) {
        this.steps = steps;
        this.source = source;
        this.byId = byId;
        this.tensors = Arrays.stream(byId).filter(t -> t != null).toList();
    }

    public static Lifetimes analyze(Network net) {
        List<Layer> layers = net.layers();
        int n = layers.size();
        int[] source = new int[n + 1];
        source[0] = INPUT;
        for (Layer l : layers) {
            source[l.index() + 1] = l.aliasesInput() ? source[l.input(0) + 1] : l.index();
        }
        long[] floats = new long[n + 1];
        int[] first = new int[n + 1];
        int[] last = new int[n + 1];
        boolean[] kept = new boolean[n + 1];
        floats[0] = net.input().size();
        for (Layer l : layers) {
            int i = l.index();
            floats[i + 1] = l.outShape().size();
            first[i + 1] = i;
            last[i + 1] = i; // written at its own step even if nobody reads it
        }
        for (Layer l : layers) {
            for (int k = 0; k < l.inputCount(); k++) {
                int t = source[l.input(k) + 1];
                last[t + 1] = Math.max(last[t + 1], l.index());
            }
        }
        List<Integer> keep = new ArrayList<>();
        keep.add(net.outputIndex());
        for (Layer l : layers) if (l.kind().equals("yolo")) keep.add(l.index());
        for (int k : keep) {
            int t = source[k + 1];
            kept[t + 1] = true;
            last[t + 1] = n - 1;
        }
        Tensor[] byId = new Tensor[n + 1];
        for (int id = -1; id < n; id++) {
            if (id >= 0 && layers.get(id).aliasesInput()) continue;
            byId[id + 1] = new Tensor(id, floats[id + 1], first[id + 1], last[id + 1], kept[id + 1]);
        }
        return new Lifetimes(n, source, byId);
    }

    public int steps() {
        return steps;
    }

    /** The tensor holding layer {@code layer}'s output ({@link #INPUT} for the input), following aliases. */
    public Tensor tensorOf(int layer) {
        return byId[source[layer + 1] + 1];
    }

    /** Tensors in id order: the input, then each layer that owns its output. */
    public List<Tensor> tensors() {
        return tensors;
    }

    /** The largest sum of live tensor sizes over all steps (no in-place, no alignment). */
    public long maxLiveFloats() {
        long best = 0;
        for (int s = 0; s < steps; s++) {
            long live = 0;
            for (Tensor t : tensors) if (t.liveAt(s)) live += t.floats();
            best = Math.max(best, live);
        }
        return best;
    }
}
