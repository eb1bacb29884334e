package dev.vessels.core.detect;

/**
 * A box by its centre and size, Darknet's {@code box}: relative to the image (0..1) or in pixels,
 * depending on who made it. The overlap arithmetic is Darknet's own ({@code box.c}), in float, so
 * that NMS decisions at the threshold come out as Darknet's do.
 *
 * @param x centre, horizontal
 * @param y centre, vertical
 * @param w width
 * @param h height
 */
public record Box(float x, float y, float w, float h) {

    /** Length of the overlap of two 1-D segments given by centre and length; negative if apart. */
    static float overlap(float x1, float w1, float x2, float w2) {
        float l1 = x1 - w1 / 2;
        float l2 = x2 - w2 / 2;
        float left = l1 > l2 ? l1 : l2; // not Math.max: Darknet's ternary differs on NaN and -0
        float r1 = x1 + w1 / 2;
        float r2 = x2 + w2 / 2;
        float right = r1 < r2 ? r1 : r2;
        return right - left;
    }

    public float intersection(Box b) {
        float ow = overlap(x, w, b.x, b.w);
        float oh = overlap(y, h, b.y, b.h);
        if (ow < 0 || oh < 0) return 0;
        return ow * oh;
    }

    public float union(Box b) {
        return w * h + b.w * b.h - intersection(b);
    }

    /** Intersection over union; NaN for two empty boxes, as in Darknet (0/0). */
    public float iou(Box b) {
        return intersection(b) / union(b);
    }
}
