package dev.vessels.core.detect;

import java.util.Arrays;

/**
 * One candidate object, Darknet's {@code detection}: a box, the objectness, and per class the
 * probability objectness × class score, already zeroed where it is not above the detection
 * threshold (and, after {@link Nms#sortNms}, where a better box of the same class covers it).
 *
 * @param box        centre and size, relative to the image or in pixels (see {@link YoloDecoder})
 * @param objectness the [yolo] layer's logistic objectness
 * @param probs      [classes] per-class probabilities; the array is owned by this detection
 */
public record Detection(Box box, float objectness, float[] probs) {

    public int classes() {
        return probs.length;
    }

    /** The class with the highest probability (the first on ties); -1 when every probability is 0. */
    public int bestClass() {
        int best = -1;
        float p = 0;
        for (int j = 0; j < probs.length; j++) {
            if (probs[j] > p) {
                p = probs[j];
                best = j;
            }
        }
        return best;
    }

    /** The highest class probability, 0 when there is none. */
    public float bestProb() {
        int c = bestClass();
        return c < 0 ? 0 : probs[c];
    }

    /** The same detection with its own copy of the probabilities, for code that zeroes them. */
    Detection copy() {
        return new Detection(box, objectness, probs.clone());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Detection d && box.equals(d.box) && Float.compare(objectness, d.objectness) == 0
                && Arrays.equals(probs, d.probs);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * box.hashCode() + Float.hashCode(objectness)) + Arrays.hashCode(probs);
    }

    @Override
    public String toString() {
        return "Detection[" + box + ", objectness=" + objectness + ", probs=" + Arrays.toString(probs) + "]";
    }
}
