package dev.vessels.core.layers;

import java.lang.foreign.MemorySegment;

import dev.vessels.core.VesselsException;
import dev.vessels.core.exec.ParamProvider;
import dev.vessels.core.exec.Parallel;
import dev.vessels.core.kernels.Epilogue;
import dev.vessels.core.kernels.Gemv;

/**
 * y = W·x for a layer whose weights are a {@code [rows][cols]} matrix among its parameters — a
 * connected layer, or a convolution on a 1×1 map ({@link ConvolutionalLayer#matVec}) — with W
 * served the way the executor serves parameters. One place for the three ways, so the two layers
 * cannot drift apart:
 * <ul>
 * <li><b>in place</b> from a mapped weights file ({@link LayerContext#paramSegment}): blocks of whole
 *     rows of at most {@link #IN_PLACE_BLOCK_FLOATS}, each served just before the GEMV streams it
 *     from the page cache. The mapping unmaps all else when a range that large is served, so no more
 *     of VGG16's 411 MB fc6 is mapped at once than one block;
 * <li><b>streamed per thread</b> (several threads, a product worth splitting): each thread streams
 *     its own rows through its cache in pieces and multiplies each piece at once, so the weights
 *     are read from memory once, with no hand-off between the threads per piece;
 * <li><b>in pieces</b> the executor bounds, one after the other, otherwise.
 * </ul>
 * {@code e} (if not null) is applied to each row by the thread that computed it. Every row is the
 * same arithmetic wherever it falls (Gemv's contract), so all three give the same bits.
 */
final class MatVec {
    /** 16 MiB of weights per block read in place: the mapping's release mark (MappedFile.RELEASE_BYTES). */
    static final long IN_PLACE_BLOCK_FLOATS = 4L << 20;

    private MatVec() {}

    /** y[yOff…] = W·x[xOff…] ({@code e} applied), W the {@code rows×cols} matrix at {@code wBase} in {@code layer}'s parameters. */
    static void forward(Layer layer, LayerContext ctx, int rows, int cols, long wBase, float[] x, int xOff, float[] y, int yOff,
                        Epilogue e) {
        Parallel par = ctx.parallel();
        MemorySegment seg = ctx.paramSegment();
        if (seg != null) {
            int rowsPerBlock = ParamProvider.rowsPerPiece(IN_PLACE_BLOCK_FLOATS, cols, rows);
            try {
                for (int r0 = 0; r0 < rows; r0 += rowsPerBlock) {
                    int n = Math.min(rowsPerBlock, rows - r0);
                    int w = ctx.paramsInPlace(wBase + (long) r0 * cols, (long) n * cols); // checks the file still holds them
                    Gemv.gemv(n, cols, seg, w, x, xOff, y, yOff + r0, par, e, r0);
                }
            } catch (InternalError err) {
                // The JVM's report of a fault in a mapping: the file was cut short after the check.
                throw new VesselsException("layer " + layer.index() + " (" + layer.kind() + "): cannot read its weights: the"
                        + " weights file changed since it was opened");
            }
        } else if (par.threads() > 1 && Gemv.worthSplitting(rows, cols)) {
            float[] w = ctx.paramArray();
            ctx.streamParams(wBase, rows, cols, par,
                    (off, r0, n) -> Gemv.gemv(n, cols, w, off, x, xOff, y, yOff + r0, Parallel.SERIAL, e, r0));
        } else {
            int rowsPerPiece = ParamProvider.rowsPerPiece(ctx.maxParamChunkFloats(), cols, rows);
            for (int r0 = 0; r0 < rows; r0 += rowsPerPiece) {
                int n = Math.min(rowsPerPiece, rows - r0);
                int off = ctx.params(wBase + (long) r0 * cols, n * cols);
                Gemv.gemv(n, cols, ctx.paramArray(), off, x, xOff, y, yOff + r0, Parallel.SERIAL, e, r0);
            }
        }
    }
}
