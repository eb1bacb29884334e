package dev.vessels.enclave.run;

import dev.vessels.core.layers.ConvolutionalLayer;
import dev.vessels.core.layers.Layer;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * The Vessels executor inside an enclave. The data region is the planned arena itself: tensors,
 * each layer's bounded workspace and its parameter slot, at the plan's offsets.
 *
 * <p>Per layer it reports: the reads of its inputs in the arena; each on-demand parameter piece as
 * an OCALL (the copy from untrusted memory) followed by the write of the slot it fills, as the
 * layer asks for them; and the write of its output. Convolutions touch no workspace: {@link
 * ConvolutionalLayer#forward} runs the fused im2col+GEMM per weight piece (pointwise ones read
 * their input directly), which VesselsWorkspaceTraceTest checks against what the kernels write.
 */
final class VesselsTrace extends Trace {
    private final MemoryPlan plan;

    VesselsTrace(MemoryPlan plan) {
        super(plan.network());
        this.plan = plan;
    }

    @Override
    long dataBytes() {
        return floats(plan.arenaFloats());
    }

    @Override
    Range output(int layer) {
        long size = layer < 0 ? net.input().size() : net.layers().get(layer).outShape().size();
        return new Range(floats(plan.tensorOffset(layer)), floats(size));
    }

    /**
     * An on-demand parameter piece is in the slot: its OCALL (the copy from untrusted memory) and
     * the write of the slot part it filled. Called from every thread streaming a layer's rows.
     */
    void pieceRead(int layer, int off, int count) {
        ocall();
        touch(floats(off), floats(count), true);
    }

    @Override
    public void beforeLayer(Layer l) {
        if (l.aliasesInput()) return; // dropout, cost: the executor runs nothing
        for (int k = 0; k < l.inputCount(); k++) read(output(l.input(k)));
    }

    @Override
    public void afterLayer(Layer l) {
        if (l.aliasesInput()) return;
        write(output(l.index()));
    }
}
