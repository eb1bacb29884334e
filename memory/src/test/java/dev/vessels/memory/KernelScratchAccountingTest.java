package dev.vessels.memory;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.ResidentParams;
import dev.vessels.core.kernels.Gemm;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.memory.baseline.BaselinePlan;
import dev.vessels.memory.plan.GraphsAccess;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * The vessels executor's held bytes are its arena plus one set of GEMM packing buffers per thread,
 * and nothing for an im2col workspace (no kernel uses one: it serves an empty one, so the 3x3
 * convolutions here would fail if any did). The baseline stays Darknet's: no packing scratch.
 */
class KernelScratchAccountingTest {
    @Test
    void vesselsHoldsItsArenaPlusPackingScratchPerThreadAndNoWorkspace() {
        Network net = GraphsAccess.cfg(AllocationFreeTest.CFG);
        assertThat(net.layers().get(0).workspaceFloats()).as("Darknet's im2col workspace").isPositive();
        SyntheticWeights w = new SyntheticWeights(net, 1);
        float[] x = ExecutorEquivalenceTest.input(net);
        MemoryPlan plan = MemoryPlan.of(net);
        try (Executor base = Executors.create("baseline", net, w, 2)) {
            var expected = base.predict(x);
            BaselinePlan bp = (BaselinePlan) base.plan();
            assertThat(Executors.heldBytes(base)).isEqualTo(bp.bytes() + ((ResidentParams) base.params()).bytes());
            for (int threads : new int[]{1, 2}) {
                try (Executor v = Executors.vessels(net, w, threads, plan)) {
                    for (int i = 0; i < net.layers().size(); i++) {
                        assertThat(v.plan().workspaceFloats(i)).as("no Winograd layer, no workspace").isZero();
                    }
                    ExecutorEquivalenceTest.assertBitIdentical(expected, v.predict(x));
                    assertThat(Executors.heldBytes(v))
                            .isEqualTo(plan.arenaFloats() * 4 + threads * Gemm.scratchBytesPerThread());
                }
            }
        }
    }

    /**
     * A Winograd convolution's transform buffers are planned in the arena, for the plan's threads, at
     * its step only and apart from everything live then; the executor holds nothing more than the
     * arena and the GEMM's packing scratch, and computes the baseline's bits on one and two threads.
     */
    @Test
    void winogradWorkspacesArePlannedInTheArena() {
        Network net = GraphsAccess.cfg("[net]\nwidth=16\nheight=16\nchannels=16\n[convolutional]\nfilters=64\nsize=3\n"
                + "stride=1\npad=1\nactivation=leaky\n[convolutional]\nfilters=32\nsize=3\nstride=2\npad=1\n"
                + "activation=leaky\n[convolutional]\nbatch_normalize=1\nfilters=24\nsize=3\nstride=1\npad=1\n"
                + "activation=relu\n[upsample]\nstride=2\n[convolutional]\nfilters=16\nsize=3\nstride=1\npad=1\n"
                + "activation=linear\n");
        var conv = (dev.vessels.core.layers.ConvolutionalLayer) net.layers().get(0);
        assertThat(conv.winograd()).isTrue();
        assertThat(((dev.vessels.core.layers.ConvolutionalLayer) net.layers().get(1)).winograd()).as("stride 2").isFalse();
        SyntheticWeights w = new SyntheticWeights(net, 1);
        float[] x = ExecutorEquivalenceTest.input(net);
        dev.vessels.core.exec.Prediction expected;
        try (Executor base = Executors.create("baseline", net, w, 1)) {
            expected = base.predict(x);
        }
        for (int threads : new int[]{1, 2}) {
            MemoryPlan plan = MemoryPlan.forThreads(net, threads);
            assertThat(plan.threads()).isEqualTo(threads);
            assertThat(plan.workspaceFloats(0)).isEqualTo(conv.kernelWorkspaceFloats(threads)).isPositive();
            assertThat(plan.workspaceFloats(1)).isZero();
            for (int i = 0; i < net.layers().size(); i++) {
                long ws = plan.workspaceFloats(i);
                if (ws == 0) continue;
                long wo = plan.workspaceOffset(i);
                assertThat(wo + ws).isLessThanOrEqualTo(plan.arenaFloats());
                // apart from the step's input and output and its parameter slot
                for (int t : new int[]{net.layers().get(i).input(0), i}) {
                    long to = plan.tensorOffset(t), tn = t < 0 ? net.input().size() : net.layers().get(t).outShape().size();
                    assertThat(to + tn <= wo || wo + ws <= to).as("layer %d's workspace and tensor %d", i, t).isTrue();
                }
                long so = plan.slotOffset(i), sn = plan.slotFloats(i);
                assertThat(so + sn <= wo || wo + ws <= so).as("layer %d's workspace and slot", i).isTrue();
            }
            try (Executor v = Executors.vessels(net, w, threads, plan)) {
                ExecutorEquivalenceTest.assertBitIdentical(expected, v.predict(x));
                ExecutorEquivalenceTest.assertBitIdentical(expected, v.predict(x));
                assertThat(Executors.heldBytes(v)).isEqualTo(plan.arenaFloats() * 4 + threads * Gemm.scratchBytesPerThread());
            }
        }
        assertThat(MemoryPlan.forThreads(net, 2).workspaceFloats(0)).isGreaterThan(MemoryPlan.of(net).workspaceFloats(0));
    }

    @Test
    void aNetworkWithoutConvolutionsRunsNoGemmAndHoldsNoScratch() {
        Network net = GraphsAccess.cfg("[net]\nwidth=4\nheight=4\nchannels=1\n[maxpool]\nsize=2\nstride=2\n");
        assertThat(Executors.kernelScratchBytes(net, 4)).isZero();
        assertThat(Executors.kernelScratchBytes(3)).isEqualTo(3 * Gemm.scratchBytesPerThread());
    }
}
