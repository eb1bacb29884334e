package dev.vessels.core.layers;

import dev.vessels.core.cfg.Section;

/**
 * Darknet's {@code [crop]} at inference: a centred crop_height × crop_width window, and, unless
 * {@code noadjust=1}, x → 2x − 1. Flip, shift, angle, saturation and exposure act only in training.
 */
public final class CropLayer extends Layer {
    private final boolean noadjust;

    public CropLayer(int index, Shape in, int ch, int cw, boolean noadjust, int inputLayer) {
        super(index, in, new Shape(in.c(), ch, cw), new int[]{inputLayer});
        this.noadjust = noadjust;
    }

    static CropLayer parse(Section s, int index, Shape in, int inputLayer) {
        s.ignore("flip", "angle", "saturation", "exposure", "shift");
        int ch = s.getInt("crop_height", 1), cw = s.getInt("crop_width", 1);
        if (ch < 1 || cw < 1 || ch > in.h() || cw > in.w()) {
            throw s.error("crop_height", "crop " + cw + "x" + ch + " does not fit in the input " + in);
        }
        return new CropLayer(index, in, ch, cw, s.getInt("noadjust", 0) != 0, inputLayer);
    }

    /** False: the crop also maps x to 2x − 1. */
    public boolean noadjust() { return noadjust; }

    @Override
    public String kind() {
        return "crop";
    }

    @Override
    public String describe() {
        return String.format("%25s %s   ->  %s", "", dims(in), dims(out));
    }

    @Override
    public void forward(LayerContext ctx) {
        float scale = noadjust ? 1 : 2, trans = noadjust ? 0 : -1;
        int dh = (in.h() - out.h()) / 2, dw = (in.w() - out.w()) / 2;
        float[] x = ctx.in(0), y = ctx.out();
        int xo = ctx.inOff(0), o = ctx.outOff();
        for (int c = 0; c < in.c(); c++) {
            for (int i = 0; i < out.h(); i++) {
                int row = xo + (c * in.h() + i + dh) * in.w() + dw;
                for (int j = 0; j < out.w(); j++) y[o++] = x[row + j] * scale + trans;
            }
        }
    }
}
