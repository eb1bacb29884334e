package dev.vessels.enclave.run;

import dev.vessels.core.layers.Layer;
import dev.vessels.core.layers.RouteLayer;
import dev.vessels.memory.Executors;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * The Vessels executor inside an enclave. The data region is the planned arena (tensors and each
 * layer's parameter slot, at the plan's offsets) followed by the GEMM's packing buffers, one set per
 * prediction thread ({@link Executors#kernelScratchBytes(dev.vessels.core.Network, int)}): an
 * enclave running the executor holds them too, and SGX1 commits every page at build.
 *
 * <p>Per layer it reports: the reads of its inputs in the arena; each on-demand parameter piece as
 * an OCALL (the copy from untrusted memory) followed by the write of the slot it fills, as the
 * layer asks for them; the write of its planned workspace, if any (a Winograd convolution's
 * transform buffers, which it fills whole); and the write of its output (a route: only of the
 * inputs it copies, reading only those; the others are concatenated in place). The packing buffers' accesses are not reported: how much of them a layer touches is the
 * GEMM's blocking (a 3×3×3 convolution packs ~0.1 MB of its 1.1 MB), and reporting the whole region
 * per convolution made tiny nets page in small EPCs for accesses the kernels never make. They are
 * committed at build (SGX1) and so counted in the peak EPC; under EPC pressure, paging figures are
 * a lower bound for vessels. At the default 93.5 MiB EPC no vessels model pages either way.
 */
final class VesselsTrace extends Trace {
    private final MemoryPlan plan;
    private final Range scratch; // [arena end, + threads × Gemm.scratchBytesPerThread()); empty without convolutions

    VesselsTrace(MemoryPlan plan, int threads) {
        super(plan.network());
        this.plan = plan;
        this.scratch = new Range(floats(plan.arenaFloats()), Executors.kernelScratchBytes(plan.network(), threads));
    }

    @Override
    long dataBytes() {
        return scratch.offset() + scratch.length();
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
        for (int k = 0; k < l.inputCount(); k++) {
            if (!plan.concatenatedInPlace(l.index(), k)) read(output(l.input(k))); // a route reads only what it copies
        }
    }

    @Override
    public void afterLayer(Layer l) {
        if (l.aliasesInput()) return;
        long ws = plan.workspaceFloats(l.index());
        if (ws > 0) write(new Range(floats(plan.workspaceOffset(l.index())), floats(ws)));
        if (!(l instanceof RouteLayer)) {
            write(output(l.index()));
            return;
        }
        // A route writes only the inputs it copies; those concatenated in place are there already.
        long at = output(l.index()).offset();
        for (int k = 0; k < l.inputCount(); k++) {
            long bytes = output(l.input(k)).length();
            if (!plan.concatenatedInPlace(l.index(), k)) write(new Range(at, bytes));
            at += bytes;
        }
    }
}
