package dev.vessels.core.kernels;

/**
 * The shape of one convolution group as an im2col: a c×h×w image, kh×kw kernel, strides sh/sw,
 * zero padding ph/pw on each side, and the oh×ow output. Immutable; a layer builds it once, so
 * passing it per call allocates nothing.
 */
public record ConvGeometry(int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow) {
    public ConvGeometry {
        if (c < 1 || h < 1 || w < 1 || kh < 1 || kw < 1 || sh < 1 || sw < 1 || ph < 0 || pw < 0) {
            throw new IllegalArgumentException("bad convolution geometry " + this);
        }
        if (oh != (h + 2 * ph - kh) / sh + 1 || ow != (w + 2 * pw - kw) / sw + 1 || oh < 1 || ow < 1) {
            throw new IllegalArgumentException("output " + oh + "x" + ow + " does not match geometry " + this);
        }
    }

    /** GEMM depth: rows of the im2col matrix. */
    public int k() {
        return c * kh * kw;
    }

    /** GEMM width: output positions. */
    public int n() {
        return oh * ow;
    }
}
