package dev.vessels.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.Prediction;
import dev.vessels.core.weights.ParamSource;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.weights.WeightsFile;
import dev.vessels.memory.plan.GraphsAccess;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * Convolution weights too large for one piece are served by columns (whole K blocks of the GEMM,
 * every filter) where the source reads blocks of columns cheaply, a mapped weights file: the bits
 * are the baseline's, every parameter is read once, and where columns are not cheap the same
 * layers are served by filter rows instead, with the same bits.
 */
class OnDemandColumnsTest {
    // L0 pointwise 300→40 (K = 300: 2 blocks of 150), L1 3×3 40→64 with batch norm (K = 360: 2 of
    // 180), L2 3×3 64→32 in 2 groups (per group 16 filters, K = 288: 2 of 144).
    static final String CFG = """
            [net]
            width=10
            height=10
            channels=300
            [convolutional]
            filters=40
            size=1
            stride=1
            pad=0
            activation=leaky
            [convolutional]
            batch_normalize=1
            filters=64
            size=3
            stride=1
            pad=1
            activation=leaky
            [convolutional]
            groups=2
            filters=32
            size=3
            stride=1
            pad=1
            activation=linear
            """;

    /** A weights file's reads, counting the blocks of columns; {@code cheap} overrides whether they are cheap. */
    static final class Counting implements ParamSource {
        final WeightsFile file;
        final boolean cheap;
        final AtomicInteger columnReads = new AtomicInteger();

        Counting(WeightsFile file, boolean cheap) {
            this.file = file;
            this.cheap = cheap;
        }

        @Override public Network network() { return file.network(); }
        @Override public void read(int layer, long start, int count, float[] dst, int dstOff) {
            file.read(layer, start, count, dst, dstOff);
        }
        @Override public void readColumns(int layer, long start, int rows, int rowFloats, int col0, int cols, float[] dst,
                                          int dstOff) {
            columnReads.incrementAndGet();
            file.readColumns(layer, start, rows, rowFloats, col0, cols, dst, dstOff);
        }
        @Override public boolean cheapColumnReads() { return cheap && file.cheapColumnReads(); }
        @Override public boolean concurrentReads() { return true; }
        @Override public String describe() { return file.describe(); }
        @Override public boolean synthetic() { return false; }
    }

    /** The test input: a fixed ramp of values in [-0.3, 0.7). */
    static float[] input(Network net) {
        float[] x = new float[(int) net.input().size()];
        for (int i = 0; i < x.length; i++) x[i] = (i % 17) / 17f - 0.3f;
        return x;
    }

    /** Writes synthetic weights (seed 5) to {@code file}, and returns the baseline's prediction with them. */
    static Prediction writeAndPredictBaseline(Network net, Path file, float[] x) {
        SyntheticWeights syn = new SyntheticWeights(net, 5);
        syn.write(file);
        try (Executor b = Executors.create("baseline", net, syn, 1)) {
            return b.predict(x);
        }
    }

    /**
     * Slot 11520 floats: L0 and L1 by columns (one K block a piece), L2 in one piece. Slot 2304: L0
     * and L1 by rows (one K block of every filter does not fit), L2 by columns, group by group.
     */
    @ParameterizedTest
    @CsvSource({"11520, 1", "11520, 2", "2304, 1", "2304, 2"})
    void servedByColumnsWithTheBaselinesBitsReadingEachParameterOnce(long slot, int threads, @TempDir Path dir) {
        Network net = GraphsAccess.cfg(CFG);
        Path file = dir.resolve("w.weights");
        float[] x = input(net);
        Prediction base = writeAndPredictBaseline(net, file, x);
        MemoryPlan plan = MemoryPlan.of(net, slot);
        assertThat(plan.maxChunkFloats()).isEqualTo(slot);
        for (boolean cheap : new boolean[]{true, false}) {
            try (WeightsFile wf = WeightsFile.open(file, net)) {
                Counting src = new Counting(wf, cheap);
                try (Executor v = Executors.vessels(net, src, threads, plan)) {
                    ExecutorEquivalenceTest.assertBitIdentical(base, v.predict(x));
                    ExecutorEquivalenceTest.assertBitIdentical(base, v.predict(x)); // and again, the slot reused
                    OnDemandParams params = (OnDemandParams) v.params();
                    assertThat(params.floatsRead()).isEqualTo(2 * net.paramFloats());
                }
                if (cheap && wf.mapped()) {
                    assertThat(src.columnReads.get()).as("blocks of columns read, slot %d", slot).isPositive();
                } else {
                    assertThat(src.columnReads.get()).as("not cheap: served by rows").isZero();
                }
            }
        }
    }

    /**
     * From a real mapped weights file, served straight (no wrapper): every convolution's GEMM packs
     * its weights from the mapping ({@code inPlaceReads} counts them: one per convolution a
     * prediction), whatever the slot bound, with the baseline's bits at 1 and 2 threads; the slot
     * only serves the heads. Where mapping is unavailable (not Linux) the file is read through the
     * slot and nothing is served in place.
     */
    @ParameterizedTest
    @CsvSource({"11520, 1", "11520, 2", "2304, 1", "2304, 2"})
    void aMappedFileIsReadInPlaceByTheGemmWithTheBaselinesBits(long slot, int threads, @TempDir Path dir) {
        Network net = GraphsAccess.cfg(CFG);
        Path file = dir.resolve("w.weights");
        float[] x = input(net);
        Prediction base = writeAndPredictBaseline(net, file, x);
        try (WeightsFile wf = WeightsFile.open(file, net);
             Executor v = Executors.vessels(net, wf, threads, MemoryPlan.of(net, slot))) {
            ExecutorEquivalenceTest.assertBitIdentical(base, v.predict(x));
            ExecutorEquivalenceTest.assertBitIdentical(base, v.predict(x));
            OnDemandParams params = (OnDemandParams) v.params();
            assertThat(params.floatsRead()).isEqualTo(2 * net.paramFloats());
            long convs = net.layers().stream().filter(l -> l.kind().equals("conv")).count();
            assertThat(params.inPlaceReads()).as("weight matrices read in place").isEqualTo(wf.mapped() ? 2 * convs : 0);
            assertThat(params.inPlace() != null).isEqualTo(wf.mapped());
        }
    }

    /** A listener that sees every piece in the slot (the enclave trace) keeps the slot copy. */
    @org.junit.jupiter.api.Test
    void aReadListenerKeepsTheSlotCopy(@TempDir Path dir) {
        Network net = GraphsAccess.cfg(CFG);
        SyntheticWeights syn = new SyntheticWeights(net, 5);
        Path file = dir.resolve("w.weights");
        syn.write(file);
        AtomicInteger pieces = new AtomicInteger();
        long[] floats = {0};
        try (WeightsFile wf = WeightsFile.open(file, net);
             Executor v = Executors.vessels(net, wf, 1, MemoryPlan.of(net, 11520), (layer, off, count) -> {
                 pieces.incrementAndGet();
                 floats[0] += count;
             })) {
            v.predict(new float[(int) net.input().size()]);
            assertThat(((OnDemandParams) v.params()).inPlaceReads()).isZero();
            assertThat(floats[0]).as("every parameter went through the slot").isEqualTo(net.paramFloats());
        }
    }

    /** A weights file cut short after it was opened: the convolution read in place says so, naming the file. */
    @org.junit.jupiter.api.Test
    void aFileCutShortAfterOpeningIsReportedNotRead(@TempDir Path dir) throws java.io.IOException {
        Network net = GraphsAccess.cfg(CFG);
        Path file = dir.resolve("w.weights");
        new SyntheticWeights(net, 5).write(file);
        try (WeightsFile wf = WeightsFile.open(file, net);
             Executor v = Executors.vessels(net, wf, 1, MemoryPlan.of(net, 11520))) {
            org.junit.jupiter.api.Assumptions.assumeTrue(wf.mapped(), "weights files are mapped here");
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                    java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(ch.size() - 4); // the last convolution's last weight
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> v.predict(new float[(int) net.input().size()]))
                    .isInstanceOf(dev.vessels.core.VesselsException.class)
                    .hasMessageContaining(file.toString()).hasMessageContaining("ended early");
            assertThat(((OnDemandParams) v.params()).inPlaceReads()).as("the first two read in place").isEqualTo(2);
        }
    }
}
