package dev.vessels.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.Prediction;
import dev.vessels.core.kernels.Gemm;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.weights.WeightsFile;
import dev.vessels.memory.plan.GraphsAccess;
import dev.vessels.memory.plan.MemoryPlan;

/** On-demand reading from a real .weights file gives the same bits as all-resident parameters, and reads each parameter once. */
class OnDemandParamsTest {
    @Test
    void readsFromAWeightsFileOnDemandAndMatchesTheBaseline(@TempDir Path dir) {
        Network net = GraphsAccess.cfg(AllocationFreeTest.CFG);
        SyntheticWeights syn = new SyntheticWeights(net, 3);
        Path file = dir.resolve("w.weights");
        syn.write(file);
        float[] x = new float[(int) net.input().size()];
        for (int i = 0; i < x.length; i++) x[i] = (i % 13) / 13f;
        Prediction base;
        try (Executor b = Executors.create("baseline", net, syn, 1)) {
            base = b.predict(x);
        }
        try (WeightsFile wf = WeightsFile.open(file, net);
             Executor v = Executors.vessels(net, wf, 1, MemoryPlan.of(net, 16))) {
            Prediction p = v.predict(x);
            ExecutorEquivalenceTest.assertBitIdentical(base, p);
            OnDemandParams params = (OnDemandParams) v.params();
            // weights are read once; tiling never re-reads them
            assertThat(params.floatsRead()).isEqualTo(net.paramFloats());
            assertThat(params.reads()).isGreaterThan(net.layers().stream().filter(l -> l.paramFloats() > 0).count());
            assertThat(Executors.heldBytes(v)).isEqualTo(MemoryPlan.of(net, 16).arenaFloats() * 4 + Gemm.scratchBytesPerThread());
        }
    }

    @Test
    void unknownExecutorKindIsAOneLineUserError() {
        Network net = GraphsAccess.cfg(AllocationFreeTest.CFG);
        assertThatThrownBy(() -> Executors.create("darknet", net, new SyntheticWeights(net, 1), 1))
                .isInstanceOf(VesselsException.class).hasMessage("unknown executor 'darknet' (expected one of baseline, vessels)");
        assertThatThrownBy(() -> Executors.create("vessels", net, new SyntheticWeights(net, 1), 0))
                .isInstanceOf(VesselsException.class).hasMessageContaining("--threads");
    }
}
