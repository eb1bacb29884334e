package dev.vessels.core.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.layers.Shape;
import dev.vessels.core.layers.YoloLayer;
import dev.vessels.core.zoo.ModelZoo;

/**
 * Box maths on hand-made [yolo] outputs. Values are chosen to be exact in binary floating point,
 * so the expected boxes are exact.
 */
class YoloDecoderTest {
    // anchors (w,h) in network pixels: 0 = (10,10), 1 = (16,8), 2 = (4,32)
    static final float[] ANCHORS = {10, 10, 16, 8, 4, 32};

    /** A 2×2 grid, masks {1, 2}, 2 classes: 2 × (5 + 2) = 14 channels. */
    static YoloLayer layer() {
        return new YoloLayer(0, new Shape(14, 2, 2), 2, new int[]{1, 2}, ANCHORS, -1);
    }

    /** Index of (anchor slot n, entry, cell row/col) in a [yolo] output: Darknet's entry_index. */
    static int at(int n, int entry, int row, int col) {
        int w = 2, h = 2, classes = 2;
        return n * w * h * (4 + 1 + classes) + entry * w * h + row * w + col;
    }

    static void put(float[] out, int n, int row, int col, float x, float y, float tw, float th, float obj, float... cls) {
        out[at(n, 0, row, col)] = x;
        out[at(n, 1, row, col)] = y;
        out[at(n, 2, row, col)] = tw;
        out[at(n, 3, row, col)] = th;
        out[at(n, 4, row, col)] = obj;
        for (int j = 0; j < cls.length; j++) out[at(n, 5 + j, row, col)] = cls[j];
    }

    @Test
    void boxIsCellOffsetPlusXyAndAnchorTimesExpWh() {
        float[] out = new float[56];
        // anchor slot 0 (= anchor 1, 16x8) at row 0, col 1
        put(out, 0, 0, 1, 0.5f, 0.75f, 0, 0, 0.75f, 1.0f, 0.5f);
        List<Detection> d = YoloDecoder.layerDetections(layer(), out, 32, 32, 0.5f);
        assertThat(d).hasSize(1);
        // x = (1 + 0.5)/2, y = (0 + 0.75)/2, w = 16/32, h = 8/32
        assertThat(d.get(0).box()).isEqualTo(new Box(0.75f, 0.375f, 0.5f, 0.25f));
        assertThat(d.get(0).objectness()).isEqualTo(0.75f);
        // probs: 0.75 * 1.0 kept; 0.75 * 0.5 = 0.375 is not above 0.5 -> 0
        assertThat(d.get(0).probs()).containsExactly(0.75f, 0f);
        assertThat(d.get(0).bestClass()).isZero();
    }

    @Test
    void secondMaskSlotUsesItsAnchorAndRowMajorCell() {
        float[] out = new float[56];
        // anchor slot 1 (= anchor 2, 4x32) at row 1, col 0, w and h doubled by e^ln2
        float ln2 = (float) Math.log(2);
        put(out, 1, 1, 0, 0.25f, 0.5f, ln2, ln2, 1f, 0f, 1f);
        Detection d = YoloDecoder.layerDetections(layer(), out, 32, 64, 0.5f).getFirst();
        assertThat(d.box().x()).isEqualTo(0.125f);       // (0 + 0.25)/2
        assertThat(d.box().y()).isEqualTo(0.75f);        // (1 + 0.5)/2
        assertThat(d.box().w()).isCloseTo(0.25f, within(1e-7f));  // 2 * 4/32
        assertThat(d.box().h()).isCloseTo(1.0f, within(1e-7f));   // 2 * 32/64
        assertThat(d.probs()).containsExactly(0f, 1f);
        assertThat(d.bestClass()).isEqualTo(1);
    }

    @Test
    void orderIsCellsRowMajorThenAnchorsAndObjectnessMustExceedThreshold() {
        float[] out = new float[56];
        put(out, 1, 0, 0, 0, 0, 0, 0, 0.9f, 1, 1);  // cell 0, slot 1
        put(out, 0, 0, 1, 0, 0, 0, 0, 0.8f, 1, 1);  // cell 1, slot 0
        put(out, 0, 0, 0, 0, 0, 0, 0, 0.5f, 1, 1);  // cell 0, slot 0: objectness == thresh -> dropped
        put(out, 1, 1, 1, 0, 0, 0, 0, 0.7f, 1, 1);  // cell 3, slot 1
        List<Detection> d = YoloDecoder.layerDetections(layer(), out, 32, 32, 0.5f);
        assertThat(d).extracting(Detection::objectness).containsExactly(0.9f, 0.8f, 0.7f);
    }

    @Test
    void classProbabilityIsObjectnessTimesScoreZeroedAtOrBelowThreshold() {
        float[] out = new float[56];
        put(out, 0, 0, 0, 0, 0, 0, 0, 0.5f, 1f, 0.5f);
        // thresh 0.25: objectness 0.5 passes; 0.5*1 = 0.5 kept; 0.5*0.5 = 0.25 is not > 0.25
        Detection d = YoloDecoder.layerDetections(layer(), out, 32, 32, 0.25f).getFirst();
        assertThat(d.probs()).containsExactly(0.5f, 0f);
    }

    @Test
    void letterboxCorrectionForAWideImage() {
        // 64x32 image in a 32x32 network: scaled to 32x16, centred with 8 rows of grey above and below.
        Detection in = new Detection(new Box(0.75f, 0.375f, 0.5f, 0.25f), 1, new float[]{1});
        Detection rel = YoloDecoder.correctBoxes(List.of(in), 64, 32, 32, 32, true).getFirst();
        // x unchanged; y = (0.375 - 0.25)/0.5; w unchanged; h = 0.25 * 32/16
        assertThat(rel.box()).isEqualTo(new Box(0.75f, 0.25f, 0.5f, 0.5f));
        Detection px = YoloDecoder.correctBoxes(List.of(in), 64, 32, 32, 32, false).getFirst();
        assertThat(px.box()).isEqualTo(new Box(48f, 8f, 32f, 16f));
    }

    @Test
    void letterboxCorrectionForATallImageUsesDarknetsIntegerDivision() {
        // 30x40 image in 32x32: new_h = 32, new_w = 30*32/40 = 24 -> 4 columns of grey each side.
        Detection in = new Detection(new Box(0.5f, 0.5f, 0.375f, 0.5f), 1, new float[]{1});
        Detection rel = YoloDecoder.correctBoxes(List.of(in), 30, 40, 32, 32, true).getFirst();
        // x = (0.5 - 4/32) / (24/32) = 0.5; w = 0.375 * 32/24 = 0.5
        assertThat(rel.box()).isEqualTo(new Box(0.5f, 0.5f, 0.5f, 0.5f));
        // 33x40: new_w = 33*32/40 = 26.4 -> 26 (integer division), so grey is (32-26)/2 = 3 columns
        Detection odd = YoloDecoder.correctBoxes(List.of(new Detection(new Box(3f / 32, 0.5f, 0.25f, 0.5f), 1,
                new float[]{1})), 33, 40, 32, 32, true).getFirst();
        assertThat(odd.box().x()).isZero();
        assertThat(odd.box().w()).isEqualTo(0.25f * (32f / 26));
    }

    @Test
    void squareImageNeedsNoCorrection() {
        Box b = new Box(0.3f, 0.6f, 0.2f, 0.1f);
        Detection rel = YoloDecoder.correctBoxes(List.of(new Detection(b, 1, new float[]{1})), 500, 500, 608, 608, true)
                .getFirst();
        assertThat(rel.box()).isEqualTo(b);
    }

    @Test
    void decodeWalksEveryYoloLayerInNetworkOrder() {
        Network net = ModelZoo.open("tiny-yolo");
        int[] yolo = Executor.yoloLayers(net);
        YoloLayer coarse = (YoloLayer) net.layers().get(yolo[0]), fine = (YoloLayer) net.layers().get(yolo[1]);
        float[] c = new float[(int) coarse.outShape().size()], f = new float[(int) fine.outShape().size()];
        // coarse 8x8, slot 0 = anchor 3 (20x24): cell (row 2, col 4)
        int plane = 64;
        int i = 2 * 8 + 4;
        c[i] = 0.5f;
        c[plane + i] = 0.5f;
        c[4 * plane + i] = 0.75f;
        c[5 * plane + i] = 1f;
        // fine 16x16, slot 2 = anchor 2 (14x10): cell (row 0, col 0)
        int fp = 256;
        f[2 * fp * 8 + 4 * fp] = 1f;
        f[2 * fp * 8 + 7 * fp] = 1f;
        List<Detection> d = YoloDecoder.decode(net, Map.of(yolo[0], c, yolo[1], f), 64, 64, 0.5f, true);
        assertThat(d).hasSize(2);
        assertThat(d.get(0).box()).isEqualTo(new Box(4.5f / 8, 2.5f / 8, 20f / 64, 24f / 64));
        assertThat(d.get(0).probs()).containsExactly(0.75f, 0f, 0f);
        assertThat(d.get(1).box()).isEqualTo(new Box(0f, 0f, 14f / 64, 10f / 64));
        assertThat(d.get(1).probs()).containsExactly(0f, 0f, 1f);
    }

    @Test
    void decodeRejectsMissingOutputsAndNonDetectors() {
        Network yolo = ModelZoo.open("tiny-yolo");
        assertThatThrownBy(() -> YoloDecoder.decode(yolo, Map.of(), 64, 64, 0.5f, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no output kept for [yolo] layer 11");
        Network cls = ModelZoo.open("tiny-classifier");
        assertThatThrownBy(() -> YoloDecoder.decode(cls, Map.of(), 64, 64, 0.5f, true))
                .isInstanceOf(VesselsException.class).hasMessage("tiny-classifier has no [yolo] layer: it is not a YOLO detector");
        assertThatThrownBy(() -> YoloDecoder.layerDetections(layer(), new float[55], 32, 32, 0.5f))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void decodesARealPredictionOfTinyYolo() {
        Network net = ModelZoo.open("tiny-yolo");
        var p = dev.vessels.core.zoo.ModelZooTest.predict(net);
        float thresh = 0.3f;
        // Darknet's yolo_num_detections: objectness entries above the threshold, over both layers.
        int expected = 0;
        for (int li : Executor.yoloLayers(net)) {
            YoloLayer y = (YoloLayer) net.layers().get(li);
            int plane = y.outShape().w() * y.outShape().h();
            float[] out = p.kept().get(li);
            for (int n = 0; n < y.mask().length; n++) {
                for (int i = 0; i < plane; i++) if (out[n * plane * 8 + 4 * plane + i] > thresh) expected++;
            }
        }
        List<Detection> d = YoloDecoder.decode(net, p.kept(), 640, 480, thresh, true);
        assertThat(expected).as("synthetic weights give candidates").isPositive();
        assertThat(d).hasSize(expected);
        for (Detection x : d) {
            assertThat(x.objectness()).isGreaterThan(thresh);
            assertThat(List.of(x.box().x(), x.box().y(), x.box().w(), x.box().h())).allMatch(Float::isFinite);
            assertThat(x.box().w()).isPositive();
        }
        List<Detection> kept = Nms.sortNms(d, 3, Nms.DEFAULT_THRESH);
        assertThat(kept).hasSizeLessThanOrEqualTo(d.size());
    }
}
