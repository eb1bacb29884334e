package dev.vessels.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.vessels.core.exec.Parallel;
import dev.vessels.core.layers.Activation;
import dev.vessels.core.layers.ConvolutionalLayer;
import dev.vessels.core.layers.FusedResidual;
import dev.vessels.core.layers.Shape;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * A convolution whose output map is one pixel and whose kernel covers the whole unpadded input
 * (a classifier's 1×1 convolution after global pooling) runs as a GEMV with the GEMM's epilogue:
 * weights whole, streamed in pieces, or read in place from a segment (a mapped weights file) give
 * the same bits, on one thread or two, with a fused residual too; and they match the GEMM it
 * replaced within float rounding, and the plain loops.
 */
class ConvGemvTest {
    private static final Parallel TWO = new Parallel(2);
    private static final ValueLayout.OfFloat LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @AfterContainer
    static void closePool() {
        TWO.close();
    }

    /** {@link ConvLayerKernelsTest.Ctx} with the parameters also in a segment, read in place from float {@code at}. */
    static final class InPlaceCtx extends ConvLayerKernelsTest.Ctx {
        final MemorySegment seg;
        final int at;
        final java.util.List<Long> served = new java.util.ArrayList<>(); // each range's floats, in order

        InPlaceCtx(float[] x, float[] y, float[] params, Parallel par, MemorySegment seg, int at) {
            super(x, y, params, 0, Long.MAX_VALUE / 4, par);
            this.seg = seg;
            this.at = at;
        }

        @Override
        public MemorySegment paramSegment() { return seg; }

        /** Floats served in place, all ranges together. */
        long inPlaceFloats() { return served.stream().mapToLong(Long::longValue).sum(); }

        @Override
        public int paramsInPlace(long start, long count) {
            served.add(count);
            return at + (int) start;
        }
    }

    /** A context whose convolution computes the shortcut after it: act(alpha·y + beta·from) into {@code out}. */
    static final class ResidualCtx extends ConvLayerKernelsTest.Ctx {
        final FusedResidual r;

        ResidualCtx(float[] x, float[] params, long chunk, Parallel par, FusedResidual r) {
            super(x, new float[0], params, 0, chunk, par);
            this.r = r;
        }

        @Override
        public FusedResidual fusedResidual() { return r; }
    }

    @Test
    void onlyOnePixelUngroupedUnpaddedWholeInputKernelsRouteToTheGemv() {
        assertThat(conv(2048, 1, 1, 1000, 1, 0).matVec()).as("ResNeXt152's classifier").isTrue();
        assertThat(conv(512, 7, 7, 1000, 1, 0).matVec()).as("a 7×7 kernel over a 7×7 map").isTrue();
        assertThat(conv(512, 7, 1, 1000, 1, 0).matVec()).as("49 output pixels").isFalse();
        assertThat(conv(512, 3, 3, 1000, 1, 1).matVec()).as("padded: the column is not the input").isFalse();
        assertThat(conv(512, 1, 1, 1000, 2, 0).matVec()).as("grouped").isFalse();
    }

    private static ConvolutionalLayer conv(int c, int hw, int size, int filters, int groups, int pad) {
        return new ConvolutionalLayer(0, new Shape(c, hw, hw), filters, groups, size, size, 1, 1, pad, pad, false,
                Activation.LINEAR, -1);
    }

    /**
     * A matrix over 16 MiB is served in place in blocks of whole rows, as a connected layer's (the
     * mapping's release mark: no more of it mapped at once than a block), with the same bits.
     */
    @Test
    void aMatrixOverTheReleaseMarkIsServedInPlaceInBlocksOfRowsWithTheSameBits() {
        int c = 4096, filters = 1100; // 4,505,600 weights: 1024 rows (16 MiB) and 76
        ConvolutionalLayer layer = new ConvolutionalLayer(0, new Shape(c, 1, 1), filters, 1, 1, 1, 1, 1, 0, 0, true,
                Activation.LEAKY, -1);
        float[] params = KernelData.uniform(7, (int) (layer.headFloats() + layer.weightFloats()), 1f);
        for (int f = 0; f < filters; f++) params[3 * filters + f] = Math.abs(params[3 * filters + f]) + .1f;
        float[] x = KernelData.uniform(8, 1 + c, 2f);
        float[] whole = new float[2 + filters];
        layer.forward(new ConvLayerKernelsTest.Ctx(x, whole, params, layer.workspaceFloats(), Long.MAX_VALUE / 4, Parallel.SERIAL));
        for (Parallel par : new Parallel[]{Parallel.SERIAL, TWO}) {
            float[] inPlace = new float[2 + filters];
            try (Arena arena = Arena.ofShared()) {
                MemorySegment seg = arena.allocate((long) params.length * Float.BYTES);
                MemorySegment.copy(params, 0, seg, LE, 0, params.length);
                InPlaceCtx ctx = new InPlaceCtx(x, inPlace, params, par, seg, 0);
                layer.forward(ctx);
                assertThat(ctx.served).as("floats served per block").containsExactly(1024L * c, 76L * c);
            }
            assertThat(inPlace).as("in place, %d threads", par.threads()).isEqualTo(whole);
        }
    }

    @Property(tries = 40)
    void wholeStreamedAndInPlaceGiveTheSameBitsAndMatchTheGemm(
            @ForAll @IntRange(min = 1, max = 300) int c, @ForAll @IntRange(min = 1, max = 3) int hw,
            @ForAll @IntRange(min = 1, max = 300) int filters, @ForAll boolean batchNorm, @ForAll Activation act,
            @ForAll @IntRange(min = 1, max = 40) int rowsPerPiece, @ForAll long seed) {
        ConvolutionalLayer layer = new ConvolutionalLayer(0, new Shape(c, hw, hw), filters, 1, hw, hw, 1, 1, 0, 0, batchNorm,
                act, -1);
        assertThat(layer.matVec()).isTrue();
        int kg = c * hw * hw, h = (int) layer.headFloats();
        float[] params = KernelData.uniform(seed, (int) (layer.headFloats() + layer.weightFloats()), 1f);
        if (batchNorm) for (int f = 0; f < filters; f++) params[3 * filters + f] = Math.abs(params[3 * filters + f]) + .1f;
        float[] x = KernelData.uniform(seed + 1, 1 + kg, 2f); // the input from offset 1

        float[] whole = new float[2 + filters];
        layer.forward(new ConvLayerKernelsTest.Ctx(x, whole, params, layer.workspaceFloats(), Long.MAX_VALUE / 4, Parallel.SERIAL));
        for (Parallel par : new Parallel[]{Parallel.SERIAL, TWO}) {
            float[] again = new float[2 + filters], pieces = new float[2 + filters], inPlace = new float[2 + filters];
            layer.forward(new ConvLayerKernelsTest.Ctx(x, again, params, layer.workspaceFloats(), Long.MAX_VALUE / 4, par));
            layer.forward(new ConvLayerKernelsTest.Ctx(x, pieces, params, layer.workspaceFloats(),
                    Math.max(h, (long) rowsPerPiece * kg), par));
            try (Arena arena = Arena.ofShared()) { // two threads read it
                int at = 3; // the weights 12 bytes into the segment: a mapped file's are not aligned either
                MemorySegment seg = arena.allocate((long) (at + params.length) * Float.BYTES);
                for (int i = 0; i < params.length; i++) seg.set(LE, (long) (at + i) * Float.BYTES, params[i]);
                InPlaceCtx ctx = new InPlaceCtx(x, inPlace, params, par, seg, at);
                layer.forward(ctx);
                assertThat(ctx.inPlaceFloats()).as("the weights read in place").isEqualTo(layer.weightFloats());
            }
            assertThat(again).as("%d threads", par.threads()).isEqualTo(whole);
            assertThat(pieces).as("pieces, %d threads", par.threads()).isEqualTo(whole);
            assertThat(inPlace).as("in place, %d threads", par.threads()).isEqualTo(whole);
        }

        // The GEMM it replaced (N = 1, the same epilogue), and the plain loops: within rounding.
        Epilogue e = Epilogue.forThisThread();
        if (batchNorm) e.setBatchNorm(params, filters, 2 * filters, 3 * filters, 0, filters, act);
        else e.setBias(params, 0, filters, act);
        float[] gemm = new float[2 + filters];
        Gemm.gemm(filters, 1, kg, params, h, kg, x, 1, 1, gemm, 2, 1, false, Parallel.SERIAL, e, 0);
        float[] plain = new float[2 + filters];
        Gemv.gemvPlain(filters, kg, params, h, x, 1, plain, 2);
        if (batchNorm) ChannelOps.batchNormPlain(plain, 2, filters, 1, params, filters, 2 * filters, 3 * filters, 0);
        else ChannelOps.addBiasPlain(plain, 2, filters, 1, params, 0);
        Activations.applyPlain(act, plain, 2, filters);
        for (int i = 2; i < whole.length; i++) {
            for (float[] ref : new float[][]{gemm, plain}) {
                if (Float.isNaN(ref[i])) assertThat(whole[i]).isNaN();
                else if (!Float.isInfinite(ref[i])) {
                    assertThat(whole[i]).as("filter %d", i - 2).isCloseTo(ref[i], Offset.offset(1e-4f * (1 + Math.abs(ref[i])) * (1 + kg / 64f)));
                }
            }
        }
    }

    /** A fused shortcut after the classifier convolution: the GEMV's epilogue applies it, with the same bits on any path. */
    @Property(tries = 20)
    void aFusedResidualGivesTheSameBitsOnEveryPath(@ForAll @IntRange(min = 1, max = 200) int c,
                                                   @ForAll @IntRange(min = 8, max = 300) int filters, @ForAll long seed) {
        ConvolutionalLayer layer = new ConvolutionalLayer(0, new Shape(c, 1, 1), filters, 1, 1, 1, 1, 1, 0, 0, true,
                Activation.LEAKY, -1);
        float[] params = KernelData.uniform(seed, (int) (layer.headFloats() + layer.weightFloats()), 1f);
        for (int f = 0; f < filters; f++) params[3 * filters + f] = Math.abs(params[3 * filters + f]) + .1f;
        float[] x = KernelData.uniform(seed + 1, 1 + c, 2f), from = KernelData.uniform(seed + 2, 4 + filters, 1f);
        float[] whole = new float[5 + filters];
        layer.forward(new ResidualCtx(x, params, Long.MAX_VALUE / 4, Parallel.SERIAL,
                new FusedResidual(whole, 5, from, 4, 1f, 1f, Activation.LINEAR)));
        float[] plainY = new float[filters + 2];
        layer.forward(new ConvLayerKernelsTest.Ctx(x, plainY, params, 0, Long.MAX_VALUE / 4, Parallel.SERIAL));
        for (int f = 0; f < filters; f++) {
            assertThat(whole[5 + f]).as("y + from, filter %d", f).isEqualTo(plainY[2 + f] + from[4 + f]);
        }
        for (Parallel par : new Parallel[]{Parallel.SERIAL, TWO}) {
            float[] pieces = new float[5 + filters];
            layer.forward(new ResidualCtx(x, params, Math.max(layer.headFloats(), 3L * c), par,
                    new FusedResidual(pieces, 5, from, 4, 1f, 1f, Activation.LINEAR)));
            assertThat(pieces).as("pieces, %d threads", par.threads()).isEqualTo(whole);
        }
    }
}
