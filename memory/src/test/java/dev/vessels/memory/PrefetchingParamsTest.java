package dev.vessels.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.Prediction;
import dev.vessels.core.kernels.Gemm;
import dev.vessels.core.weights.ParamSource;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.weights.WeightsFile;
import dev.vessels.core.zoo.ModelZoo;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * Prefetching (double-buffered) parameters give the same bits as the baseline on every prediction,
 * serve every piece after the first prediction from a prefetch, and stay correct when the request
 * sequence changes. The all-resident measurement variant is bit-identical too.
 */
class PrefetchingParamsTest {
    static final Path CFG = ExecutorEquivalenceTest.CFG;

    @ParameterizedTest
    @ValueSource(strings = {"tiny-classifier", "tiny-yolo"})
    void prefetchingAndResidentVariantsAreBitIdenticalOnEveryPrediction(String model) {
        Network net = ModelZoo.open(model); // small: a fresh JVM's first predictions run interpreted
        SyntheticWeights w = new SyntheticWeights(net, 1);
        float[] x = ExecutorEquivalenceTest.input(net);
        Prediction base;
        try (Executor b = Executors.create("baseline", net, w, 2)) {
            base = b.predict(x);
        }
        // Small pieces (1 Ki floats): the convolutions stream their weights through the two slots.
        long defaultPieces = 0;
        for (MemoryPlan plan : new MemoryPlan[] {MemoryPlan.of(net), MemoryPlan.of(net, 1024)}) {
            try (Executor v = Executors.vesselsPrefetching(net, w, 2, plan)) {
                PrefetchingParams p = (PrefetchingParams) v.params();
                ExecutorEquivalenceTest.assertBitIdentical(base, v.predict(x));
                long pieces = p.misses(); // the first prediction reads and records every piece
                assertThat(p.hits()).isZero();
                // Each convolution asks for its head (biases, batch norm), then its weights (per
                // group); with 1 Ki slots the larger ones stream in more pieces.
                long convs = net.layers().stream().filter(l -> l.paramFloats() > 0).count();
                assertThat(pieces).isGreaterThanOrEqualTo(2 * convs).isGreaterThan(defaultPieces);
                defaultPieces = pieces;
                ExecutorEquivalenceTest.assertBitIdentical(base, v.predict(x));
                ExecutorEquivalenceTest.assertBitIdentical(base, v.predict(x));
                // The second prediction's first piece is read synchronously (it ends the recording);
                // every later piece, across the wrap into the third prediction, was prefetched.
                assertThat(p.misses()).isEqualTo(pieces + 1);
                assertThat(p.hits()).isEqualTo(2 * pieces - 1);
                assertThat(Executors.heldBytes(v)).isEqualTo(plan.arenaFloats() * 4 + 2 * plan.maxSlotFloats() * 4
                        + 2 * Gemm.scratchBytesPerThread()); // two threads' packing scratch
            }
        }
        try (Executor r = Executors.vesselsResident(net, w, 2, MemoryPlan.of(net))) {
            ExecutorEquivalenceTest.assertBitIdentical(base, r.predict(x));
            assertThat(Executors.heldBytes(r)).isEqualTo(MemoryPlan.of(net).arenaFloats() * 4 + net.paramFloats() * 4
                    + Executors.kernelScratchBytes(2));
        }
    }

    @Test
    void aChangedRequestSequenceFallsBackToSynchronousReads(@TempDir Path dir) {
        Network net = Network.parse(CFG.resolve("yolov3-tiny.cfg"));
        SyntheticWeights syn = new SyntheticWeights(net, 5);
        Path file = dir.resolve("w.weights");
        syn.write(file);
        float[] want = new float[64];
        try (WeightsFile wf = WeightsFile.open(file, net); PrefetchingParams p = new PrefetchingParams(wf, MemoryPlan.of(net))) {
            int[][] seqA = {{0, 0, 16}, {0, 16, 32}, {2, 0, 64}, {4, 8, 8}};
            int[][] seqB = {{0, 0, 16}, {2, 4, 60}, {4, 0, 16}};
            for (int[][] seq : new int[][][] {seqA, seqA, seqA, seqB, seqA}) {
                for (int[] r : seq) {
                    int off = p.params(r[0], r[1], r[2]);
                    syn.read(r[0], r[1], r[2], want, 0);
                    for (int i = 0; i < r[2]; i++) {
                        assertThat(p.array()[off + i]).as("layer %d float %d", r[0], r[1] + i).isEqualTo(want[i]);
                    }
                }
            }
            assertThat(p.hits()).as("seqA replayed from its second run until seqB diverged").isEqualTo(3 + 4 + 1);
            assertThat(p.misses()).isEqualTo(4 + 1 + 2 + 4);
        }
    }

    @Test
    void aReadFailureOnTheReaderThreadReachesTheCaller() {
        Network net = Network.parse(CFG.resolve("yolov3-tiny.cfg"));
        SyntheticWeights syn = new SyntheticWeights(net, 5);
        ParamSource failsInBackground = new ParamSource() {
            @Override public Network network() { return net; }
            @Override public void read(int layer, long start, int count, float[] dst, int dstOff) {
                if (Thread.currentThread().getName().equals("vessels-prefetch")) throw new dev.vessels.core.VesselsException("disk gone");
                syn.read(layer, start, count, dst, dstOff);
            }
            @Override public String describe() { return "fails on the reader thread"; }
            @Override public boolean synthetic() { return true; }
        };
        try (PrefetchingParams p = new PrefetchingParams(failsInBackground, MemoryPlan.of(net))) {
            p.params(0, 0, 16);
            p.params(2, 0, 16);
            p.params(0, 0, 16); // ends the recording; the reader now fetches (2, 0, 16) and fails
            assertThatThrownBy(() -> p.params(2, 0, 16)).hasMessage("disk gone");
        }
    }
}
