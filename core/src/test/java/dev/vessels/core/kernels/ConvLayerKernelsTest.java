package dev.vessels.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vessels.core.exec.Parallel;
import dev.vessels.core.layers.Activation;
import dev.vessels.core.layers.ConvolutionalLayer;
import dev.vessels.core.layers.LayerContext;
import dev.vessels.core.layers.Shape;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import org.assertj.core.data.Offset;

/**
 * The convolution layer on the fast kernels (fused im2col+GEMM with the batch-norm/activation
 * epilogue, or im2col + chunked GEMM when weights stream in pieces): whole and streamed weights
 * give the same bits, and both match the plain kernels.
 */
class ConvLayerKernelsTest {
    private static final Parallel TWO = new Parallel(2);

    @AfterContainer
    static void closePool() {
        TWO.close();
    }

    /** Parameters in one array, served in pieces of at most {@code chunk} floats through a slot. */
    static class Ctx implements LayerContext {
        final float[] x, y, params, ws, slot;
        final long chunk;
        final Parallel par;

        Ctx(float[] x, float[] y, float[] params, long wsFloats, long chunk, Parallel par) {
            this.x = x;
            this.y = y;
            this.params = params;
            this.ws = new float[(int) wsFloats + 3];
            this.chunk = chunk;
            this.slot = new float[(int) Math.min(chunk, params.length) + 5];
            this.par = par;
        }

        public float[] in(int k) { return x; }
        public int inOff(int k) { return 1; }
        public float[] out() { return y; }
        public int outOff() { return 2; }

        public int params(long start, int count) {
            assertThat((long) count).isLessThanOrEqualTo(Math.max(chunk, 0));
            java.util.Arrays.fill(slot, Float.NaN); // an earlier piece must not be used any more
            System.arraycopy(params, (int) start, slot, 5, count);
            return 5;
        }

        /**
         * Pieces through {@link #params}, rows split over the threads (ParamProvider's default): a
         * convolution on a one-pixel map streams its filter rows as a connected layer does.
         */
        public void streamParams(long start, int rows, int rowFloats, Parallel par,
                                 dev.vessels.core.exec.ParamProvider.RowBlock body) {
            int per = dev.vessels.core.exec.ParamProvider.rowsPerPiece(chunk, rowFloats, rows);
            for (int r0 = 0; r0 < rows; r0 += per) {
                int n = Math.min(per, rows - r0), off = params(start + (long) r0 * rowFloats, n * rowFloats), first = r0;
                par.forRange(n, (lo, hi) -> body.rows(off + lo * rowFloats, first + lo, hi - lo));
            }
        }

        public float[] paramArray() { return slot; }
        public long maxParamChunkFloats() { return chunk; }
        public float[] ws() { return ws; }
        public int wsOff() { return 3; }
        public Parallel parallel() { return par; }
    }

    @Property(tries = 60)
    void streamedAndWholeWeightsGiveTheSameBitsAndMatchPlain(
            @ForAll @IntRange(min = 1, max = 3) int groups, @ForAll @IntRange(min = 1, max = 4) int cPerGroup,
            @ForAll @IntRange(min = 1, max = 9) int fPerGroup, @ForAll @IntRange(min = 3, max = 20) int hw,
            @ForAll @IntRange(min = 1, max = 3) int size, @ForAll @IntRange(min = 1, max = 2) int stride,
            @ForAll boolean pad, @ForAll boolean batchNorm, @ForAll Activation act, @ForAll boolean twoThreads,
            @ForAll long seed) {
        int c = groups * cPerGroup, filters = groups * fPerGroup, p = pad ? size / 2 : 0;
        Assume.that(hw + 2 * p >= size);
        ConvolutionalLayer layer = new ConvolutionalLayer(0, new Shape(c, hw, hw), filters, groups, size, size, stride,
                stride, p, p, batchNorm, act, -1);
        Shape out = layer.outShape();
        int kg = cPerGroup * size * size, spatial = out.h() * out.w();
        float[] params = KernelData.uniform(seed, (int) (layer.headFloats() + layer.weightFloats()), 1f);
        if (batchNorm) for (int f = 0; f < filters; f++) params[3 * filters + f] = Math.abs(params[3 * filters + f]) + .1f;
        float[] x = KernelData.uniform(seed + 1, 1 + c * hw * hw, 2f);
        Parallel par = twoThreads ? TWO : Parallel.SERIAL;

        float[] whole = new float[2 + filters * spatial], streamed = whole.clone();
        layer.forward(new Ctx(x, whole, params, layer.workspaceFloats(), Long.MAX_VALUE / 4, par));
        layer.forward(new Ctx(x, streamed, params, layer.workspaceFloats(), Math.max(kg, 4L * filters), par));
        assertThat(streamed).isEqualTo(whole);

        // The plain reference: im2col, Darknet's GEMM loop, batch norm or bias, activation.
        float[] ref = new float[2 + filters * spatial];
        long h = layer.headFloats();
        float[] col = new float[kg * spatial];
        for (int g = 0; g < groups; g++) {
            Im2col.im2colPlain(x, 1 + g * cPerGroup * hw * hw, cPerGroup, hw, hw, size, size, stride, stride, p, p,
                    out.h(), out.w(), col, 0);
            Gemm.gemmPlain(fPerGroup, spatial, kg, params, (int) h + g * fPerGroup * kg, kg, col, 0, spatial, ref,
                    2 + g * fPerGroup * spatial, spatial, false);
        }
        if (batchNorm) {
            ChannelOps.batchNormPlain(ref, 2, filters, spatial, params, filters, 2 * filters, 3 * filters, 0);
        } else {
            ChannelOps.addBiasPlain(ref, 2, filters, spatial, params, 0);
        }
        Activations.applyPlain(act, ref, 2, filters * spatial);
        for (int i = 0; i < ref.length; i++) {
            if (Float.isNaN(ref[i])) {
                assertThat(whole[i]).isNaN();
            } else if (!Float.isInfinite(ref[i])) {
                assertThat(whole[i]).as("element %d", i).isCloseTo(ref[i], Offset.offset(1e-3f * (1 + Math.abs(ref[i]))));
            }
        }
    }
}
