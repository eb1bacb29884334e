package dev.vessels.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.Prediction;
import dev.vessels.core.layers.ConnectedLayer;
import dev.vessels.core.weights.ParamSource;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.memory.plan.GraphsAccess;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * Fully connected layers stream their weight rows: with two threads and a source that allows
 * concurrent reads, each thread reads its own rows into its own part of the slot and multiplies
 * them at once; otherwise pieces come one after the other. Both give the baseline's bits.
 */
class OnDemandStreamTest {
    static final String CFG = """
            [net]
            width=8
            height=8
            channels=4
            [connected]
            output=300
            activation=leaky
            [connected]
            output=37
            activation=linear
            [softmax]
            """;

    record Block(int layer, int off, int count, Thread thread) {}

    /** The synthetic source, with or without permission to read from several threads at once. */
    static ParamSource source(Network net, boolean concurrent) {
        SyntheticWeights syn = new SyntheticWeights(net, 7);
        return new ParamSource() {
            public void read(int layer, long start, int count, float[] dst, int dstOff) { syn.read(layer, start, count, dst, dstOff); }
            public Network network() { return net; }
            public String describe() { return syn.describe(); }
            public boolean synthetic() { return true; }
            public boolean concurrentReads() { return concurrent; }
        };
    }

    static float[] input(Network net) {
        float[] x = new float[(int) net.input().size()];
        for (int i = 0; i < x.length; i++) x[i] = (i % 11) / 11f - .3f;
        return x;
    }

    @Test
    void eachThreadStreamsItsOwnRowsIntoItsOwnPartOfTheSlotAndTheBitsMatchTheBaseline() {
        Network net = GraphsAccess.cfg(CFG);
        ConnectedLayer fc = (ConnectedLayer) net.layers().get(0);
        MemoryPlan plan = MemoryPlan.of(net, 4096); // a 4096-float slot: 2048 per thread
        float[] x = input(net);
        Prediction base;
        try (Executor b = Executors.baseline(net, source(net, true), 1)) {
            base = b.predict(x);
        }
        List<Block> blocks = java.util.Collections.synchronizedList(new ArrayList<>());
        try (Executor v = Executors.vessels(net, source(net, true), 2, plan,
                (layer, off, count) -> blocks.add(new Block(layer, off, count, Thread.currentThread())))) {
            ExecutorEquivalenceTest.assertBitIdentical(base, v.predict(x));
            OnDemandParams params = (OnDemandParams) v.params();
            assertThat(params.floatsRead()).isEqualTo(net.paramFloats());
        }
        List<Block> weights = blocks.stream().filter(b -> b.layer() == 0 && b.count() % fc.inputs() == 0 && b.count() > fc.outputs()).toList();
        // 300 rows of 256 floats, 150 per thread, 8 rows (2048 floats, the thread's share) per block
        assertThat(weights.stream().mapToLong(Block::count).sum()).isEqualTo((long) fc.outputs() * fc.inputs());
        assertThat(weights).allSatisfy(b -> assertThat(b.count()).isLessThanOrEqualTo(8 * 256));
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        weights.forEach(b -> threads.add(b.thread()));
        assertThat(threads).hasSize(2);
        long slot = plan.slotOffset(0);
        for (Block b : weights) {
            assertThat((long) b.off()).isBetween(slot, slot + plan.slotFloats(0) - b.count());
        }
        // the two threads' regions are disjoint halves of the slot
        assertThat(weights.stream().map(Block::off).distinct().count()).isEqualTo(2);
    }

    @Test
    void aSourceThatReadsOnOneThreadGetsPiecesOneAfterTheOtherWithTheSameBits() {
        Network net = GraphsAccess.cfg(CFG);
        MemoryPlan plan = MemoryPlan.of(net, 4096);
        float[] x = input(net);
        Prediction base;
        try (Executor b = Executors.baseline(net, source(net, false), 2)) {
            base = b.predict(x);
        }
        List<Block> blocks = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread caller = Thread.currentThread();
        try (Executor v = Executors.vessels(net, source(net, false), 2, plan,
                (layer, off, count) -> blocks.add(new Block(layer, off, count, Thread.currentThread())))) {
            ExecutorEquivalenceTest.assertBitIdentical(base, v.predict(x));
        }
        assertThat(blocks).allSatisfy(b -> assertThat(b.thread()).isSameAs(caller));
        assertThat(blocks).allSatisfy(b -> assertThat(b.off()).isEqualTo((int) plan.slotOffset(b.layer())));
    }

    @Test
    void streamingIsBitIdenticalAtOneAndTwoThreadsAndAcrossSlotSizes() {
        Network net = GraphsAccess.cfg(CFG);
        float[] x = input(net);
        Prediction ref;
        try (Executor v = Executors.vessels(net, source(net, true), 1, MemoryPlan.of(net))) {
            ref = v.predict(x);
        }
        for (long slot : new long[]{256, 512 + 16, 4096, 1 << 19}) {
            try (Executor v = Executors.vessels(net, source(net, true), 2, MemoryPlan.of(net, slot))) {
                ExecutorEquivalenceTest.assertBitIdentical(ref, v.predict(x));
            }
        }
    }
}
