package dev.vessels.enclave.run;

import dev.vessels.core.exec.ParamProvider;
import dev.vessels.core.layers.ConvolutionalLayer;
import dev.vessels.core.layers.Layer;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * The Vessels executor inside an enclave. The data region is the planned arena itself: tensors,
 * each layer's bounded workspace and its parameter slot, at the plan's offsets.
 *
 * <p>Per layer it reports: the reads of its inputs in the arena; each on-demand parameter piece as
 * an OCALL (the copy from untrusted memory) followed by the write of the slot it fills, as the
 * layer asks for them; the workspace tiles its convolution builds (written by im2col, then read
 * by the GEMM, once per weight piece and tile, exactly as {@link ConvolutionalLayer#forward} uses
 * them: none on the fused path, none for pointwise convolutions); and the write of its output.
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

    /** Wraps the on-demand provider so every piece it serves is reported when the layer asks for it. */
    ParamProvider tracing(ParamProvider onDemand) {
        return new ParamProvider() {
            @Override
            public int params(int layer, long start, int count) {
                int off = onDemand.params(layer, start, count);
                ocall();
                touch(floats(off), floats(count), true);
                return off;
            }

            @Override
            public float[] array() {
                return onDemand.array();
            }

            @Override
            public long maxChunkFloats() {
                return onDemand.maxChunkFloats();
            }

            @Override
            public boolean synthetic() {
                return onDemand.synthetic();
            }

            @Override
            public String describe() {
                return onDemand.describe();
            }

            @Override
            public void close() {
                onDemand.close();
            }
        };
    }

    @Override
    public void beforeLayer(Layer l) {
        if (l.aliasesInput()) return; // dropout, cost: the executor runs nothing
        for (int k = 0; k < l.inputCount(); k++) read(output(l.input(k)));
    }

    @Override
    public void afterLayer(Layer l) {
        if (l.aliasesInput()) return;
        if (l instanceof ConvolutionalLayer c) workspace(c);
        write(output(l.index()));
    }

    /** Mirrors the workspace use of ConvolutionalLayer.forward under this plan's bounds. */
    private void workspace(ConvolutionalLayer c) {
        if (c.pointwise()) return;
        int i = c.index();
        int groups = c.groups();
        long kg = (long) (c.inShape().c() / groups) * c.kernelH() * c.kernelW();
        long mg = c.filters() / groups;
        int outH = c.outShape().h(), outW = c.outShape().w();
        long spatial = (long) outH * outW;
        long chunk = Math.max(kg, plan.maxChunkFloats() / kg * kg);
        long rowsPerChunk = Math.min(mg, chunk / kg);
        if (rowsPerChunk >= mg) return; // fused im2col+GEMM: the unfolded input goes straight into GEMM panels
        long wsFloats = plan.workspaceFloats(i);
        long wsOff = floats(plan.workspaceOffset(i));
        long pieces = (mg + rowsPerChunk - 1) / rowsPerChunk;
        if (wsFloats >= kg * spatial) {
            // the whole column matrix, built once per group and read by every weight piece
            Range ws = new Range(wsOff, floats(kg * spatial));
            for (int g = 0; g < groups; g++) {
                write(ws);
                for (long p = 0; p < pieces; p++) read(ws);
            }
            return;
        }
        long tileRows = Math.max(1, Math.min(outH, wsFloats / (kg * outW)));
        for (int g = 0; g < groups; g++) {
            for (long p = 0; p < pieces; p++) {
                for (long oy0 = 0; oy0 < outH; oy0 += tileRows) {
                    long rows = Math.min(outH, oy0 + tileRows) - oy0;
                    Range tile = new Range(wsOff, floats(rows * outW * kg));
                    write(tile);
                    read(tile);
                }
            }
        }
    }
}
