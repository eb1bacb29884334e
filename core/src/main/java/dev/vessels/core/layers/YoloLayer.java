package dev.vessels.core.layers;

import dev.vessels.core.cfg.Section;
import dev.vessels.core.kernels.Activations;

/**
 * Darknet's {@code [yolo]} at inference: for each of the {@code mask.length} anchors, logistic on
 * x, y, objectness and the class scores; w and h stay raw (boxes are decoded by
 * {@link dev.vessels.core.detect.YoloDecoder}). Layout per anchor: [x, y, w, h, obj, classes…] planes.
 */
public final class YoloLayer extends Layer {
    private final int classes;
    private final int[] mask;      // anchor indices this scale predicts
    private final float[] anchors; // all anchors, (w, h) pairs in network pixels

    public YoloLayer(int index, Shape in, int classes, int[] mask, float[] anchors, int inputLayer) {
        super(index, in, in, new int[]{inputLayer});
        this.classes = classes;
        this.mask = mask;
        this.anchors = anchors;
    }

    static YoloLayer parse(Section s, int index, Shape in, int inputLayer) {
        s.ignore("jitter", "ignore_thresh", "truth_thresh", "random", "max");
        int classes = s.getInt("classes", 20);
        int total = s.getInt("num", 1);
        int[] mask = s.getInts("mask");
        if (mask == null) {
            mask = new int[total];
            for (int i = 0; i < total; i++) mask[i] = i;
        }
        float[] anchors = s.getFloats("anchors");
        if (anchors == null) anchors = new float[2 * total];
        if (anchors.length < 2 * total) {
            throw s.error("anchors", "num=" + total + " needs " + 2 * total + " anchor values, got " + anchors.length);
        }
        for (int m : mask) {
            if (m < 0 || m >= total) throw s.error("mask", "mask index " + m + " is outside num=" + total);
        }
        if (classes < 1) throw s.error("classes", "classes must be >= 1");
        long expect = (long) mask.length * (classes + 5);
        if (in.c() != expect) {
            throw s.error("classes", "[yolo] with " + mask.length + " masks and classes=" + classes + " needs " + expect
                    + " input channels (filters= of the layer before), got " + in.c());
        }
        return new YoloLayer(index, in, classes, mask, anchors, inputLayer);
    }

    public int classes() { return classes; }
    public int[] mask() { return mask.clone(); }
    public float[] anchors() { return anchors.clone(); }

    @Override
    public String kind() {
        return "yolo";
    }

    @Override
    public String describe() {
        return "";
    }

    @Override
    public void forward(LayerContext ctx) {
        float[] y = ctx.out();
        int o = ctx.outOff();
        if (ctx.in(0) != y || ctx.inOff(0) != o) System.arraycopy(ctx.in(0), ctx.inOff(0), y, o, (int) in.size());
        int plane = in.h() * in.w();
        for (int n = 0; n < mask.length; n++) {
            int base = o + n * plane * (classes + 5);
            Activations.apply(Activation.LOGISTIC, y, base, 2 * plane);
            Activations.apply(Activation.LOGISTIC, y, base + 4 * plane, (1 + classes) * plane);
        }
    }
}
