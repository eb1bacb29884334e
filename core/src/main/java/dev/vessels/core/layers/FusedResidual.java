package dev.vessels.core.layers;

/**
 * A same-shape {@code [shortcut]} computed in the epilogue of the convolution that produces its
 * first input: the convolution writes act(alpha·y + beta·from) to {@code out} (the shortcut's
 * output location) instead of its own y, and the executor skips the shortcut's pass. The executor
 * hands it out only where that is safe (see {@link dev.vessels.core.exec.Executor}).
 *
 * @param out     the shortcut's output array; the result's element i at {@code outOff + i}
 * @param from    the shortcut's {@code from} tensor, of the convolution's output shape
 */
public record FusedResidual(float[] out, int outOff, float[] from, int fromOff, float alpha, float beta,
                            Activation activation) {}
