package dev.vessels.core.detect;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.layers.YoloLayer;

/**
 * Turns [yolo] layer outputs into detections as pjreddie's Darknet does ({@code get_network_boxes}
 * → {@code get_yolo_detections} → {@code correct_yolo_boxes}, the 2018 tree the Debian package
 * builds): every [yolo] layer in network order, in each every grid cell (row-major) and in each
 * cell every anchor of the layer's mask; a candidate whose objectness is above the threshold
 * becomes a detection, its class probabilities objectness × class score kept only when above the
 * threshold. Boxes are then mapped from the letterboxed network input back to the original image.
 *
 * <p>The arithmetic follows Darknet's C types (float, with double where the C code has an
 * {@code exp} or a {@code 2.} literal) so that boxes agree with Darknet's to the last bits that
 * the C compiler's own rounding allows.
 */
public final class YoloDecoder {
    private YoloDecoder() {}

    /** Darknet's {@code detector test} default {@code -thresh}. */
    public static final float DEFAULT_THRESH = 0.5f;

    /** The class count of {@code net}'s first [yolo] layer (what {@code do_nms_sort} is given). */
    public static int classes(Network net) {
        for (Layer l : net.layers()) if (l instanceof YoloLayer y) return y.classes();
        throw new IllegalArgumentException(net.name() + " has no [yolo] layer");
    }

    /**
     * Detections of every [yolo] layer of {@code net}, boxes corrected for the letterbox.
     *
     * @param yoloOutputs each [yolo] layer's output by layer index ({@code Prediction.kept()} with
     *                    {@code Executor.yoloLayers(net)})
     * @param imageW      the original image's width in pixels (before letterboxing)
     * @param imageH      its height
     * @param relative    boxes relative to the image (0..1; what {@code detector test} uses) or in pixels
     */
    public static List<Detection> decode(Network net, Map<Integer, float[]> yoloOutputs, int imageW, int imageH,
                                         float thresh, boolean relative) {
        if (imageW < 1 || imageH < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + imageW + "x" + imageH);
        }
        int netW = net.input().w(), netH = net.input().h();
        List<Detection> all = new ArrayList<>();
        boolean any = false;
        for (Layer l : net.layers()) {
            if (!(l instanceof YoloLayer y)) continue;
            any = true;
            float[] out = yoloOutputs.get(l.index());
            if (out == null) {
                throw new IllegalArgumentException("no output kept for [yolo] layer " + l.index() + " of " + net.name());
            }
            List<Detection> dets = layerDetections(y, out, netW, netH, thresh);
            all.addAll(correctBoxes(dets, imageW, imageH, netW, netH, relative));
        }
        if (!any) throw new VesselsException(net.name() + " has no [yolo] layer: it is not a YOLO detector");
        return all;
    }

    /**
     * One [yolo] layer's detections, boxes relative to the network input (Darknet's
     * {@code get_yolo_detections} before its {@code correct_yolo_boxes} call).
     *
     * @param out  the layer's output, [mask.length][4 + 1 + classes][h][w] (x, y already logistic)
     * @param netW the network input width, which anchor widths are relative to
     */
    public static List<Detection> layerDetections(YoloLayer l, float[] out, int netW, int netH, float thresh) {
        int lw = l.outShape().w(), lh = l.outShape().h(), plane = lw * lh;
        int classes = l.classes();
        int[] mask = l.mask();
        float[] anchors = l.anchors();
        if (out.length != l.outShape().size()) {
            throw new IllegalArgumentException("[yolo] layer " + l.index() + " output has " + out.length + " floats, expected "
                    + l.outShape().size());
        }
        List<Detection> dets = new ArrayList<>();
        for (int i = 0; i < plane; i++) {
            int row = i / lw, col = i % lw;
            for (int n = 0; n < mask.length; n++) {
                int base = n * plane * (4 + 1 + classes) + i; // entry 0 of anchor n at cell i
                float objectness = out[base + 4 * plane];
                // Darknet: "if (objectness <= thresh) continue;" -- so a NaN objectness is kept.
                if (objectness <= thresh) continue;
                Box b = yoloBox(out, base, plane, anchors, mask[n], col, row, lw, lh, netW, netH);
                float[] probs = new float[classes];
                for (int j = 0; j < classes; j++) {
                    float prob = objectness * out[base + (5 + j) * plane];
                    probs[j] = prob > thresh ? prob : 0;
                }
                dets.add(new Detection(b, objectness, probs));
            }
        }
        return dets;
    }

    /** Darknet's {@code get_yolo_box}: cell offset plus logistic x, y; anchor × e^tw, e^th. */
    static Box yoloBox(float[] x, int index, int stride, float[] anchors, int anchor, int col, int row, int lw, int lh,
                       int netW, int netH) {
        float bx = (col + x[index]) / lw;
        float by = (row + x[index + stride]) / lh;
        // C: exp() is double, so the product is formed in double and rounded once to float.
        float bw = (float) (Math.exp(x[index + 2 * stride]) * anchors[2 * anchor] / netW);
        float bh = (float) (Math.exp(x[index + 3 * stride]) * anchors[2 * anchor + 1] / netH);
        return new Box(bx, by, bw, bh);
    }

    /**
     * Darknet's {@code correct_yolo_boxes}: undoes the letterbox (the image was scaled to fit
     * {@code netW × netH} keeping its aspect ratio and centred), giving boxes relative to the image,
     * or in its pixels when {@code relative} is false.
     */
    public static List<Detection> correctBoxes(List<Detection> dets, int imageW, int imageH, int netW, int netH,
                                               boolean relative) {
        int newW, newH; // size of the image inside the letterbox, integer-divided as Darknet does
        if ((float) netW / imageW < (float) netH / imageH) {
            newW = netW;
            newH = (imageH * netW) / imageW;
        } else {
            newH = netH;
            newW = (imageW * netH) / imageH;
        }
        List<Detection> out = new ArrayList<>(dets.size());
        for (Detection d : dets) {
            Box b = d.box();
            // C: "(netw - new_w)/2./netw" is double; "(float)new_w/netw" is float, promoted.
            float x = (float) ((b.x() - (netW - newW) / 2. / netW) / (double) ((float) newW / netW));
            float y = (float) ((b.y() - (netH - newH) / 2. / netH) / (double) ((float) newH / netH));
            float w = b.w() * ((float) netW / newW);
            float h = b.h() * ((float) netH / newH);
            if (!relative) {
                x *= imageW;
                w *= imageW;
                y *= imageH;
                h *= imageH;
            }
            out.add(new Detection(new Box(x, y, w, h), d.objectness(), d.probs()));
        }
        return out;
    }
}
