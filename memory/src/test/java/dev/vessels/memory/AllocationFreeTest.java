package dev.vessels.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.Prediction;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * The vessels executor's forward pass allocates nothing but the result copies: the arena is
 * allocated once when the executor is built. Measured with the JVM's per-thread allocation counter
 * around each layer of many warmed-up predictions. Each layer's figure is the minimum over those
 * predictions: an allocation the code makes (a new array, a boxed value, a capturing lambda) happens
 * on every call and so survives the minimum, while the JIT's warm-up states (a Vector API kernel
 * still running as C1 code, which boxes every vector) end once C2 has compiled it. CI once saw
 * 3,072 bytes in such a state; the minimum removes it without hiding a real allocation.
 */
class AllocationFreeTest {
    // Every layer kind the executor serves, small enough for the plain kernels: tiled im2col, streamed
    // weights, batch norm, pooling, route, shortcut in place, upsample, connected, softmax.
    static final String CFG = """
            [net]
            width=16
            height=16
            channels=3
            [convolutional]
            batch_normalize=1
            filters=8
            size=3
            stride=1
            pad=1
            activation=leaky
            [maxpool]
            size=2
            stride=2
            [convolutional]
            filters=8
            size=1
            activation=leaky
            [shortcut]
            from=-2
            [upsample]
            stride=2
            [route]
            layers=-1,0
            [convolutional]
            filters=4
            size=3
            stride=2
            pad=1
            activation=relu
            [connected]
            output=10
            activation=linear
            [softmax]
            """;

    /** Two Winograd convolutions (one with a fused shortcut after it), a GEMM one between. */
    static final String WINOGRAD_CFG = """
            [net]
            width=18
            height=16
            channels=12
            [convolutional]
            batch_normalize=1
            filters=64
            size=3
            stride=1
            pad=1
            activation=leaky
            [convolutional]
            filters=64
            size=1
            activation=leaky
            [convolutional]
            filters=64
            size=3
            stride=1
            pad=1
            activation=linear
            [shortcut]
            from=-3
            activation=relu
            [convolutional]
            filters=8
            size=3
            stride=2
            pad=1
            activation=relu
            """;

    static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /**
     * rows: weights in pieces of filter rows; prefetch: the same, read ahead; columns: convolutions
     * served by columns; in-place: a mapped weights file, convolutions' GEMMs packing their weights
     * straight from the mapping and the connected layer's GEMV reading its rows there (asserted taken).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rows", "prefetch", "columns", "in-place", "winograd"})
    void secondPredictionAllocatesOnlyTheResultCopies(String mode, @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        boolean prefetch = mode.equals("prefetch"), columns = mode.equals("columns"), inPlace = mode.equals("in-place");
        boolean winograd = mode.equals("winograd");
        Network net = dev.vessels.memory.plan.GraphsAccess.cfg(columns ? OnDemandColumnsTest.CFG : winograd ? WINOGRAD_CFG : CFG);
        if (winograd) {
            assertThat(net.layers().stream().filter(l -> l instanceof dev.vessels.core.layers.ConvolutionalLayer c && c.winograd()))
                    .as("Winograd convolutions").hasSize(2);
        }
        dev.vessels.core.weights.ParamSource src;
        if (inPlace) {
            java.nio.file.Path file = dir.resolve("w.weights");
            new SyntheticWeights(net, 1).write(file);
            dev.vessels.core.weights.WeightsFile wf = dev.vessels.core.weights.WeightsFile.open(file, net);
            org.junit.jupiter.api.Assumptions.assumeTrue(wf.mapped(), "weights files are mapped here");
            src = wf;
        } else {
            src = new ArrayParams(new SyntheticWeights(net, 1), columns);
        }
        // A small slot bound so the pass streams weights in pieces (by columns: one K block each).
        MemoryPlan plan = winograd ? MemoryPlan.of(net) : MemoryPlan.of(net, columns ? 11520 : 64);
        float[] x = new float[(int) net.input().size()];
        for (int i = 0; i < x.length; i++) x[i] = (i % 17) / 17f;
        // With prefetch the hand-off to the reader thread (volatile counters, park/unpark) must not allocate either.
        try (src; Executor e = prefetch ? Executors.vesselsPrefetching(net, src, 1, plan) : Executors.vessels(net, src, 1, plan)) {
            if (inPlace) {
                e.predict(x);
                // three convolutions' matrices and the connected layer's rows (one block)
                assertThat(((OnDemandParams) e.params()).inPlaceReads()).as("weights read in place").isEqualTo(4);
            }
            for (int i = 0; i < 2000; i++) e.predict(x);   // warm up (and let the JIT compile the loop)
            // The counter's own call allocates (a few hundred bytes); measure it and take it off.
            long probe = Long.MAX_VALUE;
            for (int i = 0; i < 5; i++) {
                long a0 = allocatedBytes();
                probe = Math.min(probe, allocatedBytes() - a0);
            }
            long[] perLayer = new long[net.layers().size()];
            java.util.Arrays.fill(perLayer, Long.MAX_VALUE);
            long[] current = new long[net.layers().size()];
            long[] t = new long[1];
            e.setObserver(new Executor.LayerObserver() {
                @Override
                public void beforeLayer(dev.vessels.core.layers.Layer l) {
                    t[0] = allocatedBytes();
                }

                @Override
                public void afterLayer(dev.vessels.core.layers.Layer l) {
                    current[l.index()] = allocatedBytes() - t[0];
                }
            });
            // Keep predicting until every layer has been seen allocation-free, for up to a minute. The
            // tiered JIT takes its time over a kernel that a tiny net calls once per prediction
            // (Gemm.packB only serves the one 1×1 layer here): while it still runs C1 code, each
            // Vector API call boxes its vector, 3,072 bytes for that layer per call.
            long deadline = System.nanoTime() + 60_000_000_000L;
            boolean clean = false;
            while (!clean && System.nanoTime() < deadline) {
                for (int r = 0; r < 100; r++) {
                    e.predict(x);
                    for (int i = 0; i < perLayer.length; i++) perLayer[i] = Math.min(perLayer[i], current[i] - probe);
                }
                clean = java.util.Arrays.stream(perLayer).allMatch(v -> v <= 0);
            }
            e.setObserver(null);
            for (int i = 0; i < perLayer.length; i++) {
                assertThat(perLayer[i]).as("bytes allocated by layer %d (%s)", i, net.layers().get(i)).isLessThanOrEqualTo(0);
            }
            long used = Long.MAX_VALUE;
            Prediction p = null;
            for (int r = 0; r < 100; r++) {
                long before = allocatedBytes();
                p = e.predict(x);
                used = Math.min(used, allocatedBytes() - before - probe);
            }
            long outputCopy = 16 + 4L * p.output().length;
            // the result: output copy, the Prediction record, an empty LinkedHashMap
            assertThat(used).as("bytes allocated by one prediction").isLessThanOrEqualTo(outputCopy + 256);
        }
    }
}
