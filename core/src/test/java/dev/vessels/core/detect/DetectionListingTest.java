package dev.vessels.core.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.Parallel;
import dev.vessels.core.exec.Prediction;
import dev.vessels.core.exec.ResidentParams;
import dev.vessels.core.exec.SeparateBuffers;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.zoo.Labels;
import dev.vessels.core.zoo.ModelZoo;

class DetectionListingTest {
    @Test
    void detectIsDecodeThenNmsThenTheListingAtDarknetsDefaults() {
        Network net = ModelZoo.open("tiny-yolo");
        int classes = YoloDecoder.classes(net);
        Labels labels = Labels.indices(classes);
        float[] x = new float[(int) net.input().size()];
        for (int i = 0; i < x.length; i++) x[i] = (i % 251) / 251f;
        try (var src = new SyntheticWeights(net, 1);
             Executor ex = new Executor("t", net, new SeparateBuffers(net), new ResidentParams(src), Parallel.SERIAL,
                     Executor.yoloLayers(net))) {
            Prediction p = ex.predict(x);
            List<Detection> raw = YoloDecoder.decode(net, p.kept(), 640, 480, 0.5f, true);
            List<DetectionListing.Entry> expected = DetectionListing.entries(Nms.sortNms(raw, classes, 0.45f), labels, 0.5f,
                    640, 480);
            assertThat(expected).isNotEmpty();
            assertThat(DetectionListing.detect(net, p.kept(), labels, 640, 480)).isEqualTo(expected);
        }
        assertThatThrownBy(() -> YoloDecoder.classes(ModelZoo.open("tiny-classifier"))).hasMessageContaining("no [yolo] layer");
    }

    @Test
    void oneLinePerClassAboveThresholdWithPixelBoxClampedToTheImage() {
        Labels coco = Labels.coco();
        float[] p = new float[80];
        p[16] = 0.994f; // dog
        p[1] = 0.51f;   // bicycle
        p[2] = 0.5f;    // car: not above 0.5
        Detection d = new Detection(new Box(0.25f, 0.5f, 0.75f, 0.5f), 1, p);
        List<DetectionListing.Entry> e = DetectionListing.entries(List.of(d), coco, 0.5f, 640, 480);
        assertThat(e).extracting(DetectionListing.Entry::darknetLine).containsExactly("bicycle: 51%", "dog: 99%");
        // left = (0.25 - 0.375) * 640 = -80 -> 0; right = 0.625 * 640 = 400; top 120; bottom 360
        assertThat(e.get(1)).isEqualTo(new DetectionListing.Entry("dog", 16, 0.994f, 0, 120, 400, 360));
        assertThat(DetectionListing.format(List.of(d), coco, 0.5f, 640, 480)).isEqualTo(
                "bicycle: 51%  (left=0 top=120 right=400 bottom=360)\n"
                        + "dog: 99%  (left=0 top=120 right=400 bottom=360)\n");
    }

    @Test
    void rightAndBottomClampToTheLastPixel() {
        Detection d = new Detection(new Box(0.75f, 0.75f, 1f, 1f), 1, new float[]{0.9f});
        DetectionListing.Entry e = DetectionListing.entries(List.of(d), Labels.indices(1), 0.5f, 100, 50).getFirst();
        assertThat(e).isEqualTo(new DetectionListing.Entry("0", 0, 0.9f, 25, 12, 99, 49));
    }

    @Test
    void percentRoundsHalfToEvenOnTheExactValueLikeGlibc() {
        // Expected values are what glibc's printf("%.0f", p*100) prints for the same float p.
        assertThat(DetectionListing.percent(0.985f)).isEqualTo("98");  // 98.5 exactly: to even
        assertThat(DetectionListing.percent(0.975f)).isEqualTo("98");  // 97.5 exactly: to even
        assertThat(DetectionListing.percent(0.125f)).isEqualTo("12");  // Java's %.0f would say 13
        assertThat(DetectionListing.percent(0.845f)).isEqualTo("84");
        assertThat(DetectionListing.percent(0.865f)).isEqualTo("86");
        assertThat(DetectionListing.percent(0.015f)).isEqualTo("2");
        assertThat(DetectionListing.percent(0.025f)).isEqualTo("2");
        assertThat(DetectionListing.percent(0.995f)).isEqualTo("100");
        assertThat(DetectionListing.percent(1f)).isEqualTo("100");
    }
}
