package dev.vessels.core.layers;

import java.util.ArrayList;
import java.util.List;

import dev.vessels.core.cfg.Section;
import dev.vessels.core.exec.Parallel;
import dev.vessels.core.exec.ParamProvider;
import dev.vessels.core.kernels.ConvGeometry;
import dev.vessels.core.kernels.Epilogue;
import dev.vessels.core.kernels.Gemm;
import dev.vessels.core.kernels.Gemv;
import dev.vessels.core.kernels.GroupConv;
import dev.vessels.core.kernels.Winograd;

/**
 * Darknet's {@code [convolutional]}: grouped 2-D convolution as im2col + GEMM per group, then
 * batch norm (or bias) and the activation. Weights are {@code [filters][c/groups][kh][kw]}.
 *
 * <p>Vessels extension for non-square kernels (InceptionV3's 1×7, 7×1, 1×3, 3×1): {@code size_x}
 * and {@code size_y} override {@code size} per axis, {@code stride_x}/{@code stride_y} (as in
 * AlexeyAB's Darknet) override {@code stride}, and {@code padding_x}/{@code padding_y} override
 * {@code padding}; {@code pad=1} still means half the kernel on each axis. A cfg without these keys
 * means exactly what it means to Darknet.
 */
public final class ConvolutionalLayer extends Layer {
    private final int filters, groups;
    private final int kh, kw;   // kernel rows, columns
    private final int sh, sw;   // strides
    private final int ph, pw;   // zero padding on each side
    private final boolean batchNorm;
    private final Activation activation;
    private final int cg;       // input channels per group: c / groups
    private final int mg;       // filters per group: filters / groups
    private final int kg;       // GEMM depth: cg * kh * kw
    private final int spatial;  // out.h * out.w: GEMM width
    private final ConvGeometry geometry; // one group's input as an im2col (for the fused kernel)

    public ConvolutionalLayer(int index, Shape in, int filters, int groups, int kh, int kw, int sh, int sw, int ph, int pw,
                              boolean batchNorm, Activation activation, int inputLayer) {
        super(index, in, new Shape(filters, (in.h() + 2 * ph - kh) / sh + 1, (in.w() + 2 * pw - kw) / sw + 1),
                new int[]{inputLayer});
        this.filters = filters;
        this.groups = groups;
        this.kh = kh;
        this.kw = kw;
        this.sh = sh;
        this.sw = sw;
        this.ph = ph;
        this.pw = pw;
        this.batchNorm = batchNorm;
        this.activation = activation;
        this.cg = in.c() / groups;
        this.mg = filters / groups;
        this.kg = cg * kh * kw;
        this.spatial = out.h() * out.w();
        this.geometry = new ConvGeometry(cg, in.h(), in.w(), kh, kw, sh, sw, ph, pw, out.h(), out.w());
    }

    static ConvolutionalLayer parse(Section s, int index, Shape in, int inputLayer) {
        s.ignore("binary", "xnor", "flipped", "dot");
        int filters = s.getInt("filters", 1);
        int groups = s.getInt("groups", 1);
        int size = s.getInt("size", 1);
        int kh = s.getInt("size_y", size);
        int kw = s.getInt("size_x", size);
        int stride = s.getInt("stride", 1);
        int sh = s.getInt("stride_y", stride);
        int sw = s.getInt("stride_x", stride);
        int pad = s.getInt("pad", 0);
        int padding = s.getInt("padding", 0);
        int ph = s.getInt("padding_y", padding);
        int pw = s.getInt("padding_x", padding);
        if (pad != 0) {
            ph = kh / 2;
            pw = kw / 2;
        }
        boolean bn = s.getInt("batch_normalize", 0) != 0;
        Activation act = LayerParsers.activation(s, "logistic");
        if (s.getInt("binary", 0) != 0 || s.getInt("xnor", 0) != 0) {
            throw s.error("binary/xnor convolutions are not supported");
        }
        if (s.getInt("flipped", 0) != 0) throw s.error("flipped=1 convolution weights are not supported");
        if (filters < 1) throw s.error("filters", "filters must be >= 1, got " + filters);
        if (kh < 1 || kw < 1) throw s.error("size", "size must be >= 1, got " + kh + "x" + kw);
        if (sh < 1 || sw < 1) throw s.error("stride", "stride must be >= 1");
        if (ph < 0 || pw < 0) throw s.error("padding", "padding must be >= 0");
        if (groups < 1 || in.c() % groups != 0 || filters % groups != 0) {
            throw s.error("groups", "groups=" + groups + " must divide both the input channels (" + in.c()
                    + ") and filters (" + filters + ")");
        }
        if (in.h() + 2 * ph < kh || in.w() + 2 * pw < kw) {
            throw s.error("size", "kernel " + kw + "x" + kh + " is larger than the padded input " + in);
        }
        return new ConvolutionalLayer(index, in, filters, groups, kh, kw, sh, sw, ph, pw, bn, act, inputLayer);
    }

    public int filters() { return filters; }
    public int groups() { return groups; }
    public int kernelH() { return kh; }
    public int kernelW() { return kw; }
    public int strideH() { return sh; }
    public int strideW() { return sw; }
    public int padH() { return ph; }
    public int padW() { return pw; }
    public boolean batchNormalize() { return batchNorm; }
    public Activation activation() { return activation; }

    /** Floats before the weights: biases, then (batch norm) scales, rolling mean, rolling variance. */
    public long headFloats() {
        return (batchNorm ? 4L : 1L) * filters;
    }

    public long weightFloats() {
        return (long) filters * kg;
    }

    @Override
    public List<ParamSegment> paramSegments() {
        List<ParamSegment> l = new ArrayList<>();
        l.add(new ParamSegment("biases", filters));
        if (batchNorm) {
            l.add(new ParamSegment("scales", filters));
            l.add(new ParamSegment("rolling_mean", filters));
            l.add(new ParamSegment("rolling_variance", filters));
        }
        l.add(new ParamSegment("weights", weightFloats()));
        return l;
    }

    /**
     * K blocks of the GEMM per piece when the weights are served by columns (0: served by filter
     * rows): where the executor serves blocks of columns cheaply, the GEMM takes K blocks
     * ({@link Gemm#servesKBlocks}), and one block of every filter of a group fits a piece. Pieces
     * then hold as many blocks as fit, balanced.
     */
    private int blocksPerPiece(LayerContext ctx) {
        if (!ctx.servesParamColumns() || !Gemm.servesKBlocks(spatial)) return 0;
        int kb = Gemm.kBlocks(kg), widest = Math.ceilDiv(kg, kb); // blocks differ by at most one column
        long fit = ctx.maxParamChunkFloats() / ((long) mg * widest);
        return (int) Math.min(kb, fit);
    }

    /**
     * Whether the layer runs as a GEMV ({@link Gemv}) rather than a GEMM: one output pixel, no
     * groups, and a kernel that covers the whole unpadded input (a classifier's 1×1 convolution on
     * the 1×1 map after global pooling: ResNet, ResNeXt, DenseNet, Darknet53), so the input is
     * already the GEMM's one column. With N=1 the GEMM streams the weights through its packing at a
     * few GB/s (ResNeXt152's 2048→1000: 2.8 ms); the GEMV streams them at the memory's speed. Every
     * executor takes the same path, so their outputs stay identical. {@code
     * -Dvessels.conv.gemv=false} keeps the GEMM (A/B runs).
     */
    public boolean matVec() {
        return GEMV && groups == 1 && spatial == 1 && ph == 0 && pw == 0 && kh == in.h() && kw == in.w();
    }

    private static final boolean GEMV = !"false".equals(System.getProperty("vessels.conv.gemv"));

    /**
     * Whether the layer runs Winograd's F(2×2, 3×3) ({@link Winograd}): one group, 3×3, stride 1,
     * pad 1, within the kernel's channel range. Every executor and every way of serving the weights
     * (whole, in row pieces, in place from a mapping) takes it, so outputs stay identical across
     * executors; {@code -Dvessels.conv.winograd=false} keeps im2col+GEMM (A/B runs).
     */
    public boolean winograd() {
        return groups == 1 && Winograd.serves(filters, geometry);
    }

    /**
     * Floats of workspace {@link Winograd} may use for {@code threads} threads: a planned executor
     * reserves them in its arena for this layer's step (0 when the layer does not run Winograd).
     */
    public long kernelWorkspaceFloats(int threads) {
        return winograd() ? Winograd.workspaceFloats(filters, geometry, threads) : 0;
    }

    /** Workspace floats usable from {@code ctx.wsOff()}: what the plan says, within the array. */
    private static long wsAvailable(LayerContext ctx) {
        float[] ws = ctx.ws();
        return ws == null ? 0 : Math.min(ctx.wsFloats(), ws.length - (long) ctx.wsOff());
    }

    /** 1×1, stride 1, no padding: the input already is the GEMM's B matrix. */
    public boolean pointwise() {
        return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
    }

    @Override
    public long workspaceFloats() {
        return pointwise() ? 0 : (long) kg * spatial;
    }

    @Override
    public double bflops() {
        return 2.0 * filters * kg * spatial / 1e9;
    }

    @Override
    public String kind() {
        return "conv";
    }

    @Override
    public String describe() {
        String k = kh == kw ? String.format("%2d x%2d", kw, kh) : String.format("%2d x%2d", kw, kh);
        String st = sh == sw ? String.format("/%2d", sw) : String.format("/%d,%d", sw, sh);
        String f = groups > 1 ? String.format("%5d/%2d", filters, groups) : String.format("%5d   ", filters);
        return String.format("%s %s %s  %s   ->  %s", f, k, st, dims(in), dims(out));
    }

    /**
     * The weights read in place from a mapped weights file ({@link LayerContext#paramSegment}): the
     * GEMM packs A straight from the mapping, so the weights are read once, inside the packing, as
     * the resident executor reads them from its array, instead of being copied into the parameter
     * slot (which here holds the head only) and read again. No piece bound applies, so the layer
     * runs exactly the resident executor's GEMMs: one per group, the groups of a grouped convolution
     * over the threads. Bit-identical to it (and to pieces from the slot): the segment GEMM packs A
     * where the float[] one may read it in place, with the same FMA chains (GemmTest).
     */
    private void forwardInPlace(LayerContext ctx, java.lang.foreign.MemorySegment seg, float[] x, int xOff, float[] y,
                                int yOff, Epilogue e, long wBase) {
        int a = ctx.paramsInPlace(wBase, weightFloats()); // checks the file still holds them
        try {
            gemmsInPlace(ctx, seg, a, x, xOff, y, yOff, e);
        } catch (InternalError err) {
            // The JVM's report of a fault in a mapping: the file was cut short after the check above.
            throw new dev.vessels.core.VesselsException("layer " + index() + " (conv): cannot read its weights: the weights file"
                    + " changed since it was opened");
        }
    }

    private void gemmsInPlace(LayerContext ctx, java.lang.foreign.MemorySegment seg, int a, float[] x, int xOff, float[] y,
                              int yOff, Epilogue e) {
        if (winograd()) {
            Winograd.conv(filters, seg, a, geometry, x, xOff, y, yOff, ctx.ws(), ctx.wsOff(), wsAvailable(ctx), ctx.parallel(), e,
                    0);
            return;
        }
        int plane = cg * in.h() * in.w();
        if (directGroups()) {
            // The direct kernel copies each group's few weights out of the mapping itself. One
            // thread: a plain loop (a capturing lambda would allocate on every call).
            if (ctx.parallel().threads() > 1) {
                ctx.parallel().forRange(groups, (g0, g1) -> directInPlace(seg, a, x, xOff, y, yOff, e, g0, g1));
            } else {
                directInPlace(seg, a, x, xOff, y, yOff, e, 0, groups);
            }
            return;
        }
        if (groups > 1 && !pointwise() && ctx.parallel().threads() > 1) {
            ctx.parallel().forRange(groups, (g0, g1) -> {
                for (int g = g0; g < g1; g++) {
                    int row = g * mg;
                    Gemm.conv(mg, seg, a + row * kg, kg, geometry, x, xOff + g * plane, y, yOff + row * spatial, spatial,
                            false, null, e, row);
                }
            });
            return;
        }
        for (int g = 0; g < groups; g++) {
            int row = g * mg;
            if (pointwise()) {
                Gemm.gemm(mg, spatial, kg, seg, a + row * kg, kg, x, xOff + g * plane, spatial, y, yOff + row * spatial,
                        spatial, false, ctx.parallel(), e, row);
            } else {
                Gemm.conv(mg, seg, a + row * kg, kg, geometry, x, xOff + g * plane, y, yOff + row * spatial, spatial, false,
                        ctx.parallel(), e, row);
            }
        }
    }

    /**
     * Whether the groups run the direct kernel ({@link GroupConv}: few filters per group, where the
     * GEMM's 8-row tile and im2col packing waste most of the time) rather than one GEMM each.
     * Bit-identical either way; {@code -Dvessels.conv.directGrouped=false} turns it off.
     */
    private boolean directGroups() {
        return groups > 1 && GroupConv.ENABLED && GroupConv.serves(mg, geometry);
    }

    /** Groups [g0, g1) on the direct kernel, every group's weights in {@code a} from {@code aOff}. */
    private void direct(float[] a, int aOff, float[] x, int xOff, float[] y, int yOff, Epilogue e, int g0, int g1) {
        int plane = cg * in.h() * in.w();
        for (int g = g0; g < g1; g++) {
            int row = g * mg;
            GroupConv.conv(mg, a, aOff + row * kg, kg, geometry, x, xOff + g * plane, y, yOff + row * spatial, spatial, e, row);
        }
    }

    /** {@link #direct} with the weights in a mapped segment, from float {@code a}. */
    private void directInPlace(java.lang.foreign.MemorySegment seg, int a, float[] x, int xOff, float[] y, int yOff,
                               Epilogue e, int g0, int g1) {
        int plane = cg * in.h() * in.w();
        for (int g = g0; g < g1; g++) {
            int row = g * mg;
            GroupConv.conv(mg, seg, a + row * kg, kg, geometry, x, xOff + g * plane, y, yOff + row * spatial, spatial, e, row);
        }
    }

    @Override
    public void forward(LayerContext ctx) {
        // Batch norm (or bias) and the activation run inside the GEMM, on each finished tile. The
        // epilogue copies the per-filter head, so the weight pieces may reuse its parameter slot.
        int h = ctx.params(0, (int) headFloats());
        float[] p = ctx.paramArray();
        Epilogue e = Epilogue.forThisThread();
        if (batchNorm) {
            e.setBatchNorm(p, h + filters, h + 2 * filters, h + 3 * filters, h, filters, activation);
        } else {
            e.setBias(p, h, filters, activation);
        }
        FusedResidual r = ctx.fusedResidual();
        if (r == null) {
            forward(ctx, ctx.out(), ctx.outOff(), e);
            return;
        }
        // The shortcut that follows, on each finished block of C: C is laid out as the output tensor
        // (row f at f·spatial), so from's element sits at the same distance from its base.
        e.setResidual(r.from(), r.fromOff() - r.outOff(), r.alpha(), r.beta(), r.activation());
        try {
            forward(ctx, r.out(), r.outOff(), e);
        } finally {
            e.clearResidual();
        }
    }

    /** The GEMMs, writing the output (with {@code e} applied) to y from {@code yOff}. */
    private void forward(LayerContext ctx, float[] y, int yOff, Epilogue e) {
        float[] x = ctx.in(0);
        int xOff = ctx.inOff(0);
        long wBase = headFloats();
        java.lang.foreign.MemorySegment seg = ctx.paramSegment();
        if (matVec()) {
            MatVec.forward(this, ctx, filters, kg, wBase, x, xOff, y, yOff, e);
            return;
        }
        if (seg != null) {
            forwardInPlace(ctx, seg, x, xOff, y, yOff, e, wBase);
            return;
        }
        int rowsPerChunk = ParamProvider.rowsPerPiece(ctx.maxParamChunkFloats(), kg, mg); // whole filters per piece
        boolean allInOnePiece = ParamProvider.rowsPerPiece(ctx.maxParamChunkFloats(), kg, filters) == filters;
        if (winograd()) {
            // Pieces of whole filter rows, balanced (never K blocks: the Winograd GEMMs' depth is
            // the channels, not the im2col rows); each output row's bits do not depend on the piece.
            int pieces = Math.ceilDiv(filters, rowsPerChunk), per = Math.ceilDiv(filters, pieces);
            for (int r0 = 0; r0 < filters; r0 += per) {
                int rows = Math.min(per, filters - r0);
                int aOff = ctx.params(wBase + (long) r0 * kg, rows * kg);
                Winograd.conv(rows, ctx.paramArray(), aOff, geometry, x, xOff, y, yOff + r0 * spatial, ctx.ws(), ctx.wsOff(),
                        wsAvailable(ctx), ctx.parallel(), e, r0);
            }
            return;
        }
        if (directGroups() && rowsPerChunk >= mg) {
            // Direct grouped convolution: the groups over the threads when all weights come in one
            // piece, else group by group, each group's weights one piece (a planned executor's
            // bounded slot). Each group is the same single-threaded kernel either way.
            int plane = cg * in.h() * in.w();
            if (allInOnePiece) {
                int aOff = ctx.params(wBase, filters * kg);
                float[] a = ctx.paramArray();
                if (ctx.parallel().threads() > 1) {
                    ctx.parallel().forRange(groups, (g0, g1) -> direct(a, aOff, x, xOff, y, yOff, e, g0, g1));
                } else {
                    direct(a, aOff, x, xOff, y, yOff, e, 0, groups); // no capturing lambda: nothing allocated
                }
            } else {
                for (int g = 0; g < groups; g++) {
                    int row = g * mg;
                    int aOff = ctx.params(wBase + (long) row * kg, mg * kg);
                    GroupConv.conv(mg, ctx.paramArray(), aOff, kg, geometry, x, xOff + g * plane, y, yOff + row * spatial,
                            spatial, e, row);
                }
            }
            return;
        }
        if (groups > 1 && !pointwise() && allInOnePiece && ctx.parallel().threads() > 1) {
            // Grouped convolution (ResNeXt: 32 groups of 4–32 filters): every group's weights in one
            // piece and the groups split over the threads, one fork/join for the layer instead of one
            // per small GEMM. Each group is the same single-threaded fused GEMM whatever the split, so
            // the result does not depend on the thread count.
            int aOff = ctx.params(wBase, filters * kg);
            float[] a = ctx.paramArray();
            ctx.parallel().forRange(groups, (g0, g1) -> {
                for (int g = g0; g < g1; g++) {
                    int row = g * mg;
                    Gemm.conv(mg, a, aOff + row * kg, kg, geometry, x, xOff + g * cg * in.h() * in.w(), y,
                            yOff + row * spatial, spatial, false, null, e, row);
                }
            });
            return;
        }
        int byColumns = rowsPerChunk < mg ? blocksPerPiece(ctx) : 0;
        for (int g = 0; g < groups; g++) {
            int xg = xOff + g * cg * in.h() * in.w();
            if (byColumns > 0) {
                // Too large for one piece, and the parameters can be served by columns: pieces of
                // whole K blocks of the GEMM, every filter of the group, so the input is unfolded
                // and packed once per K block as with all weights at once (by filter rows, every
                // piece would pack all of it again: Darknet53's 3×3×512×1024 convolutions come in 9
                // pieces). Bit-identical: the same operations on every output, in the same order.
                int kb = Gemm.kBlocks(kg), pieces = Math.ceilDiv(kb, byColumns);
                long rowBase = wBase + (long) g * mg * kg;
                for (int t = 0; t < pieces; t++) {
                    int q0 = kb * t / pieces, q1 = kb * (t + 1) / pieces;
                    int c0 = Gemm.kBlockStart(kg, q0), cols = Gemm.kBlockStart(kg, q1) - c0;
                    int aOff = ctx.paramColumns(rowBase, mg, kg, c0, cols);
                    if (pointwise()) {
                        Gemm.gemmBlocks(mg, spatial, kg, q0, q1, ctx.paramArray(), aOff, cols, x, xg, spatial, y,
                                yOff + g * mg * spatial, spatial, false, ctx.parallel(), e, g * mg);
                    } else {
                        Gemm.convBlocks(mg, q0, q1, ctx.paramArray(), aOff, cols, geometry, x, xg, y, yOff + g * mg * spatial,
                                spatial, false, ctx.parallel(), e, g * mg);
                    }
                }
                continue;
            }
            if (!pointwise()) {
                // The fused im2col+GEMM packs the unfolded input straight into GEMM panels, never
                // writing a workspace. Weights served in pieces (a planned executor bounds its
                // parameter slot) run one fused GEMM per piece, pieces of balanced size: each output
                // row's sums are the same whichever piece computes it, so the result is bit-identical
                // to one piece (and to im2col + GEMM, which this replaced for pieces: rebuilding the
                // column matrix and packing it again per piece cost ResNet152 ~25 ms a prediction).
                int pieces = (mg + rowsPerChunk - 1) / rowsPerChunk, per = (mg + pieces - 1) / pieces;
                for (int r0 = 0; r0 < mg; r0 += per) {
                    int rows = Math.min(per, mg - r0), row = g * mg + r0;
                    int aOff = ctx.params(wBase + (long) row * kg, rows * kg);
                    Gemm.conv(rows, ctx.paramArray(), aOff, kg, geometry, x, xg, y, yOff + row * spatial, spatial,
                            false, ctx.parallel(), e, row);
                }
                continue;
            }
            // Pointwise: the input is already the GEMM's B matrix.
            for (int r0 = 0; r0 < mg; r0 += rowsPerChunk) {
                int rows = Math.min(rowsPerChunk, mg - r0);
                int row = g * mg + r0;
                int aOff = ctx.params(wBase + (long) row * kg, rows * kg);
                Gemm.gemm(rows, spatial, kg, ctx.paramArray(), aOff, kg, x, xg, spatial,
                        y, yOff + row * spatial, spatial, false, ctx.parallel(), e, row);
            }
        }
    }
}
