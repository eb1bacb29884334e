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
                    assertThat(v.plan().workspace()).isEmpty();
                    assertThat(v.plan().workspaceFloats()).isZero();
                    ExecutorEquivalenceTest.assertBitIdentical(expected, v.predict(x));
                    assertThat(Executors.heldBytes(v))
                            .isEqualTo(plan.arenaFloats() * 4 + threads * Gemm.scratchBytesPerThread());
                }
            }
        }
    }

    @Test
    void aNetworkWithoutConvolutionsRunsNoGemmAndHoldsNoScratch() {
        Network net = GraphsAccess.cfg("[net]\nwidth=4\nheight=4\nchannels=1\n[maxpool]\nsize=2\nstride=2\n");
        assertThat(Executors.kernelScratchBytes(net, 4)).isZero();
        assertThat(Executors.kernelScratchBytes(3)).isEqualTo(3 * Gemm.scratchBytesPerThread());
    }
}
