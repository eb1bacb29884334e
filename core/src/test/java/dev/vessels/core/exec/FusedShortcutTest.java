package dev.vessels.core.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import dev.vessels.core.Network;
import dev.vessels.core.TestNets;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.weights.SyntheticWeights;

/**
 * A shortcut computed in the epilogue of the convolution before it ({@link Executor}'s fusion)
 * changes no bit of any output, happens exactly where it is safe, and falls back to the two passes
 * where the shortcut's output would overlap what the convolution still reads.
 */
class FusedShortcutTest {
    /**
     * Residual blocks of every kind the fusion must take or leave (layer: what it is). 40×30: more
     * columns than one GEMM column block, so a convolution writing over its own input would read
     * values it has overwritten.
     */
    static final String CFG = """
            [net]
            width=40
            height=30
            channels=3
            [convolutional]
            batch_normalize=1
            filters=8
            size=3
            pad=1
            activation=leaky
            [convolutional]
            batch_normalize=1
            filters=8
            size=1
            activation=leaky
            # 2, 3: a bottleneck's last convolution and its shortcut: fused
            [convolutional]
            batch_normalize=1
            filters=8
            size=3
            pad=1
            activation=linear
            [shortcut]
            from=-3
            activation=leaky
            # 4, 5: bias, relu, then alpha and beta: fused
            [convolutional]
            filters=8
            size=1
            activation=relu
            [shortcut]
            from=-2
            alpha=0.5
            beta=-1.25
            activation=relu
            # 6, 7: the convolution is also read by the route at 9: not fused
            [convolutional]
            batch_normalize=1
            filters=8
            size=3
            pad=1
            activation=leaky
            [shortcut]
            from=-2
            activation=linear
            [convolutional]
            batch_normalize=1
            filters=8
            size=3
            pad=1
            activation=leaky
            [route]
            layers=-1,-3
            # 10, 11: the shortcut adds the convolution to itself: not fused
            [convolutional]
            filters=8
            size=1
            activation=linear
            [shortcut]
            from=-1
            activation=logistic
            # 12, 13: from is twice as large: not fused
            [convolutional]
            batch_normalize=1
            filters=8
            size=3
            stride=2
            pad=1
            activation=leaky
            [shortcut]
            from=-2
            activation=linear
            # 14, 15: grouped, the network's output, a scalar activation: fused
            [convolutional]
            batch_normalize=1
            filters=8
            groups=2
            size=3
            pad=1
            activation=leaky
            [shortcut]
            from=-3
            activation=tanh
            """;
    static final Network NET = TestNets.parse(CFG);
    static final SyntheticWeights W = new SyntheticWeights(NET, 3);
    static final float[] X = input(NET);

    static float[] input(Network net) {
        Random r = new Random(7);
        float[] x = new float[(int) net.input().size()];
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() * 2 - 1;
        return x;
    }

    static Executor executor(BufferPlan plan, Parallel par, int... keep) {
        return new Executor("t", NET, plan, new ResidentParams(W), par, keep);
    }

    /** Output and the layers kept, predicted with the fusion on or off. */
    static Prediction predict(Function<Network, BufferPlan> plan, Parallel par, boolean fuse, int... keep) {
        try (Executor ex = executor(plan.apply(NET), par, keep)) {
            ex.fuseShortcuts(fuse);
            return ex.predict(X);
        }
    }

    static List<Integer> fusedLayers(Executor ex) {
        List<Integer> l = new ArrayList<>();
        for (Layer layer : NET.layers()) if (ex.fusesShortcutAfter(layer.index())) l.add(layer.index());
        return l;
    }

    static void assertSameBits(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            assertThat(Float.floatToRawIntBits(actual[i])).as("element %d", i).isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
    }

    @Test
    void fusesExactlyTheSafePairs() {
        try (Executor ex = executor(new SeparateBuffers(NET), Parallel.SERIAL)) {
            assertThat(fusedLayers(ex)).containsExactly(2, 4, 14);
            ex.fuseShortcuts(false);
            assertThat(fusedLayers(ex)).isEmpty();
        }
        // A convolution whose output the caller keeps is not fused.
        try (Executor ex = executor(new SeparateBuffers(NET), Parallel.SERIAL, 4)) {
            assertThat(fusedLayers(ex)).containsExactly(2, 14);
        }
    }

    @Test
    void aPlanMimickingDarknetFusesNothingOutOfPlace() {
        // Separate arrays: every fused convolution would leave its own buffer unwritten.
        SeparateBuffers own = new SeparateBuffers(NET);
        BufferPlan darknetLike = new BufferPlan() {
            @Override public float[] array(int layer) { return own.array(layer); }
            @Override public int offset(int layer) { return own.offset(layer); }
            @Override public float[] workspace() { return own.workspace(); }
            @Override public int workspaceOffset() { return own.workspaceOffset(); }
            @Override public boolean mimicsDarknet() { return true; }
        };
        try (Executor ex = executor(darknetLike, Parallel.SERIAL)) {
            assertThat(fusedLayers(ex)).isEmpty();
        }
    }

    @Test
    void fusedAndUnfusedPredictionsAreBitIdentical() {
        for (Parallel par : new Parallel[]{Parallel.SERIAL, new Parallel(2)}) {
            Prediction fused = predict(SeparateBuffers::new, par, true, 3, 5, 7);
            Prediction unfused = predict(SeparateBuffers::new, par, false, 3, 5, 7);
            assertSameBits(fused.output(), unfused.output());
            for (int k : new int[]{3, 5, 7}) assertSameBits(fused.kept().get(k), unfused.kept().get(k));
            float max = 0;
            for (float f : fused.output()) max = Math.max(max, Math.abs(f));
            assertThat(max).as("a non-degenerate output").isGreaterThan(0f);
            if (par != Parallel.SERIAL) par.close();
        }
    }

    @Test
    void observersSeeBothLayersInOrder() {
        try (Executor ex = executor(new SeparateBuffers(NET), Parallel.SERIAL)) {
            List<String> calls = new ArrayList<>();
            ex.setObserver(new Executor.LayerObserver() {
                @Override public void beforeLayer(Layer l) { calls.add("before " + l.index()); }
                @Override public void afterLayer(Layer l) { calls.add("after " + l.index()); }
            });
            ex.predict(X);
            List<String> expected = new ArrayList<>();
            for (Layer l : NET.layers()) {
                expected.add("before " + l.index());
                expected.add("after " + l.index());
            }
            assertThat(calls).isEqualTo(expected);
        }
    }

    /** Separate arrays, except that the shortcut at 3 writes where layer {@code shared}'s output is. */
    static final class SharedArray extends OwnArraysPlan {
        SharedArray(Network net, int shared) {
            super(net, (int) largestLayerWorkspace(net));
            for (Layer l : net.layers()) outputs[l.index()] = new float[(int) l.outShape().size()];
            outputs[3] = outputs[shared];
        }
    }

    /**
     * Legal placements for the two passes (each reused tensor is dead once the shortcut writes), that
     * the fused convolution would corrupt: the shortcut's output over its {@code from} (layer 0: the
     * GEMM's sums would overwrite it before the epilogue reads it) or over the convolution's own input
     * (layer 1). Both must fall back, and predict what separate buffers predict.
     */
    @Test
    void overlappingPlacementsFallBack() {
        Prediction reference = predict(SeparateBuffers::new, Parallel.SERIAL, false);
        for (int shared : new int[]{0, 1}) {
            Prediction p = predict(n -> new SharedArray(n, shared), Parallel.SERIAL, true);
            assertSameBits(p.output(), reference.output());
            try (Executor ex = executor(new SharedArray(NET, shared), Parallel.SERIAL)) {
                assertThat(fusedLayers(ex)).as("shortcut 3 written over layer %d", shared).containsExactly(4, 14);
            }
        }
    }

    /** Every tensor in one array at its own offset, except layer 3's, placed at layer {@code at}'s. */
    static final class OneArena implements BufferPlan {
        final float[] arena;
        final int[] off; // [layers + 1]: offset of each output; [0] = the input
        final float[] ws;

        OneArena(Network net, int at) {
            off = new int[net.layers().size() + 1];
            int end = (int) net.input().size();
            for (Layer l : net.layers()) {
                off[l.index() + 1] = end;
                end += (int) l.outShape().size() + 5; // unaligned on purpose
            }
            if (at >= 0) off[3 + 1] = off[at + 1];
            arena = new float[end];
            ws = new float[(int) OwnArraysPlan.largestLayerWorkspace(net)];
        }

        public float[] array(int layer) { return arena; }
        public int offset(int layer) { return off[layer + 1]; }
        public float[] workspace() { return ws; }
        public int workspaceOffset() { return 0; }
    }

    @Test
    void offsetsInOneArrayDecideToo() {
        Prediction reference = predict(SeparateBuffers::new, Parallel.SERIAL, false);
        try (Executor ex = executor(new OneArena(NET, -1), Parallel.SERIAL)) {
            assertThat(fusedLayers(ex)).as("disjoint offsets").containsExactly(2, 4, 14);
            assertSameBits(ex.predict(X).output(), reference.output());
        }
        try (Executor ex = executor(new OneArena(NET, 0), Parallel.SERIAL)) {
            assertThat(fusedLayers(ex)).as("shortcut 3 at from's offset").containsExactly(4, 14);
            assertSameBits(ex.predict(X).output(), reference.output());
        }
    }
}
