package dev.vessels.core.detect;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.vessels.core.Network;
import dev.vessels.core.zoo.Labels;

/**
 * The listing Darknet's {@code detector test} prints ({@code draw_detections}): for each detection
 * in order, for each class whose probability is above the threshold, a line {@code "dog: 99%"};
 * Vessels adds the box in image pixels, computed and clamped as Darknet draws it.
 */
public final class DetectionListing {
    private DetectionListing() {}

    /**
     * One printed line.
     *
     * @param label      the class name
     * @param classIndex the class
     * @param prob       its probability
     * @param left       box edges in image pixels, clamped to the image as Darknet draws them
     */
    public record Entry(String label, int classIndex, float prob, int left, int top, int right, int bottom) {
        /** Exactly Darknet's line: {@code printf("%s: %.0f%%\n", names[j], prob*100)}. */
        public String darknetLine() {
            return label + ": " + percent(prob) + "%";
        }

        @Override
        public String toString() {
            return darknetLine() + "  (left=" + left + " top=" + top + " right=" + right + " bottom=" + bottom + ")";
        }
    }

    /**
     * @param dets   detections with boxes relative to the image (as {@code detector test} makes them),
     *               typically after {@link Nms#sortNms}
     * @param labels a name for every class ({@link Labels#indices} when there is no names file)
     * @param thresh the print threshold ({@code detector test}'s {@code -thresh}, default 0.5)
     */
    public static List<Entry> entries(List<Detection> dets, Labels labels, float thresh, int imageW, int imageH) {
        List<Entry> out = new ArrayList<>();
        for (Detection d : dets) {
            Box b = d.box();
            // C: "int left = (b.x-b.w/2.)*im.w;" -- double arithmetic, truncated toward zero.
            int left = (int) ((b.x() - b.w() / 2.) * imageW);
            int right = (int) ((b.x() + b.w() / 2.) * imageW);
            int top = (int) ((b.y() - b.h() / 2.) * imageH);
            int bot = (int) ((b.y() + b.h() / 2.) * imageH);
            if (left < 0) left = 0;
            if (right > imageW - 1) right = imageW - 1;
            if (top < 0) top = 0;
            if (bot > imageH - 1) bot = imageH - 1;
            float[] p = d.probs();
            for (int j = 0; j < p.length; j++) {
                if (p[j] > thresh) out.add(new Entry(labels.name(j), j, p[j], left, top, right, bot));
            }
        }
        return out;
    }

    /**
     * Darknet's {@code detector test} from a prediction's [yolo] outputs ({@code Prediction.kept()}):
     * decode at the default threshold with boxes relative to the image, {@code do_nms_sort}, then
     * the listing at the same threshold.
     */
    public static List<Entry> detect(Network net, Map<Integer, float[]> yoloOutputs, Labels labels, int imageW, int imageH) {
        List<Detection> raw = YoloDecoder.decode(net, yoloOutputs, imageW, imageH, YoloDecoder.DEFAULT_THRESH, true);
        List<Detection> kept = Nms.sortNms(raw, YoloDecoder.classes(net), Nms.DEFAULT_THRESH);
        return entries(kept, labels, YoloDecoder.DEFAULT_THRESH, imageW, imageH);
    }

    /** The listing as text, one {@link Entry#toString()} line each. */
    public static String format(List<Detection> dets, Labels labels, float thresh, int imageW, int imageH) {
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries(dets, labels, thresh, imageW, imageH)) sb.append(e).append('\n');
        return sb.toString();
    }

    /**
     * C's {@code %.0f} of {@code prob*100}: the float product, widened to double, rounded to an
     * integer half-to-even on its exact binary value (glibc's rule; Java's {@code %.0f} rounds half up).
     */
    static String percent(float prob) {
        float pct = prob * 100;
        return new BigDecimal(pct).setScale(0, RoundingMode.HALF_EVEN).toPlainString();
    }
}
