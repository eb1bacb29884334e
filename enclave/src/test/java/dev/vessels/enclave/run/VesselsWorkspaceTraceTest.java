package dev.vessels.enclave.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.Parallel;
import dev.vessels.core.layers.ConvolutionalLayer;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.zoo.ModelZoo;
import dev.vessels.enclave.RecordingTracer;
import dev.vessels.memory.OnDemandParams;
import dev.vessels.memory.VesselsPlan;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * The vessels trace reports a convolution's workspace by mirroring ConvolutionalLayer.forward; this
 * checks the mirror against what the kernels really write: the workspace is filled with a sentinel
 * before each layer, and afterwards the floats that changed must be exactly those the trace says
 * were written (none when it reports none; today it reports none for every convolution).
 */
class VesselsWorkspaceTraceTest {
    @Test
    void reportedWorkspaceMatchesWhatTheKernelsWrite() {
        for (String model : List.of("tiny-classifier", "tiny-yolo")) {
            Network net = ModelZoo.open(model);
            // default bounds (fused paths), tiny bounds (weight pieces and row tiles everywhere), and between
            int used = 0;
            for (long[] caps : new long[][]{{MemoryPlan.DEFAULT_SLOT_FLOATS, MemoryPlan.DEFAULT_WORKSPACE_FLOATS}, {64, 256},
                    {600, 5000}}) {
                used += check(net, MemoryPlan.of(net, caps[0], caps[1]), model + " caps " + Arrays.toString(caps));
            }
            // Weight pieces run the fused im2col+GEMM per piece, so no bound makes a convolution
            // unfold its input into the workspace any more.
            assertThat(used).as(model + ": convolutions that wrote their workspace").isZero();
        }
    }

    private static int check(Network net, MemoryPlan plan, String what) {
        VesselsPlan buffers = new VesselsPlan(plan);
        VesselsTrace trace = new VesselsTrace(plan);
        RecordingTracer rec = new RecordingTracer();
        trace.use(rec);
        float[] arena = buffers.arena();
        int[] checked = {0, 0}; // layers checked, of which used a workspace
        try (var src = new SyntheticWeights(net, 1);
             Executor ex = new Executor("vessels", net, buffers, new OnDemandParams(src, buffers, Parallel.SERIAL, trace::pieceRead), Parallel.SERIAL,
                     new int[0])) {
            ex.setObserver(new Executor.LayerObserver() {
                int mark;

                @Override
                public void beforeLayer(Layer l) {
                    trace.beforeLayer(l);
                    if (l instanceof ConvolutionalLayer) {
                        int off = (int) plan.workspaceOffset(l.index());
                        Arrays.fill(arena, off, off + (int) plan.workspaceFloats(l.index()), Float.NaN);
                    }
                }

                @Override
                public void afterLayer(Layer l) {
                    mark = rec.events().size();
                    trace.afterLayer(l);
                    if (!(l instanceof ConvolutionalLayer)) return;
                    long off = plan.workspaceOffset(l.index()), n = plan.workspaceFloats(l.index());
                    if (n == 0) return; // pointwise: no workspace (its offset is meaningless and may equal a tensor's)
                    Trace.Range out = trace.output(l.index());
                    long written = 0; // floats from the workspace start the kernels overwrote (contiguous from 0)
                    for (long k = 0; k < n; k++) if (!Float.isNaN(arena[(int) (off + k)])) written = k + 1;
                    long reported = 0;
                    for (RecordingTracer.Event e : rec.events().subList(mark, rec.events().size())) {
                        boolean isOutput = e.offset() == out.offset() && e.length() == out.length();
                        if (!e.ocall() && e.write() && !isOutput && e.offset() == 4 * off) reported = Math.max(reported, e.length() / 4);
                    }
                    assertThat(reported).as(what + " layer " + l).isEqualTo(written);
                    checked[0]++;
                    if (written > 0) checked[1]++;
                }
            });
            ex.predict(SinglePrediction.input(net));
        }
        assertThat(checked[0]).as(what).isPositive();
        return checked[1];
    }
}
