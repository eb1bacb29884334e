package dev.vessels.core.detect;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Non-maximum suppression exactly as pjreddie's Darknet {@code do_nms_sort}, which
 * {@code detector test} runs with 0.45:
 * <ol>
 * <li>detections with objectness exactly 0 are swapped to the end, Darknet's way (which also
 *     reorders the others), and dropped;</li>
 * <li>for each class k in turn, the list is sorted by the probability of class k, descending, with
 *     a stable merge sort (glibc's {@code qsort} is one), and every detection whose probability of k
 *     is still non-zero zeroes that probability in each later detection whose box overlaps its box
 *     with IoU strictly above the threshold. A detection already suppressed for k suppresses nothing.</li>
 * </ol>
 * The result keeps Darknet's final order (sorted by the last class), which is the order
 * {@code detector test} prints in.
 */
public final class Nms {
    private Nms() {}

    /** Darknet's {@code detector test} NMS threshold. */
    public static final float DEFAULT_THRESH = 0.45f;

    /**
     * @param dets    the candidates (not modified)
     * @param classes how many classes to suppress over (Darknet passes the last layer's classes)
     * @param thresh  IoU above which the lower-ranked box of a class is suppressed
     * @return the detections with objectness ≠ 0, in Darknet's final order, with suppressed class
     *         probabilities set to 0
     */
    public static List<Detection> sortNms(List<Detection> dets, int classes, float thresh) {
        Detection[] d = new Detection[dets.size()];
        for (int i = 0; i < d.length; i++) d[i] = dets.get(i).copy();
        // Darknet: move objectness == 0 to the end by swapping with the last live entry.
        int k = d.length - 1;
        for (int i = 0; i <= k; ++i) {
            if (d[i].objectness() == 0) {
                Detection swap = d[i];
                d[i] = d[k];
                d[k] = swap;
                --k;
                --i;
            }
        }
        int total = k + 1;
        Detection[] tmp = new Detection[total];
        for (int c = 0; c < classes; c++) {
            mergeSort(d, tmp, 0, total, c);
            for (int i = 0; i < total; i++) {
                if (d[i].probs()[c] == 0) continue;
                Box a = d[i].box();
                for (int j = i + 1; j < total; j++) {
                    if (a.iou(d[j].box()) > thresh) d[j].probs()[c] = 0;
                }
            }
        }
        return new ArrayList<>(Arrays.asList(d).subList(0, total));
    }

    /**
     * Darknet's {@code nms_comparator} with sort_class = c: negative when {@code a} goes first.
     * Written as Darknet's difference test, not {@code Float.compare}, so NaN behaves as in Darknet.
     */
    static int compare(Detection a, Detection b, int c) {
        float diff = a.probs()[c] - b.probs()[c];
        if (diff < 0) return 1;
        if (diff > 0) return -1;
        return 0;
    }

    /**
     * glibc's {@code msort}: top-down merge sort, left half n/2, taking from the left run while
     * {@code compare <= 0}. Stable, and never fails on an inconsistent comparator (NaN), unlike
     * {@code List.sort}.
     */
    static void mergeSort(Detection[] a, Detection[] tmp, int from, int to, int c) {
        int n = to - from;
        if (n <= 1) return;
        int mid = from + n / 2;
        mergeSort(a, tmp, from, mid, c);
        mergeSort(a, tmp, mid, to, c);
        int i = from, j = mid, t = 0;
        while (i < mid && j < to) tmp[t++] = compare(a[i], a[j], c) <= 0 ? a[i++] : a[j++];
        while (i < mid) tmp[t++] = a[i++];
        // The rest of the right run is already in place.
        System.arraycopy(tmp, 0, a, from, t);
    }
}
