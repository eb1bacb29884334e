package dev.vessels.bench.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.Parallel;
import dev.vessels.core.exec.Prediction;
import dev.vessels.core.exec.ResidentParams;
import dev.vessels.core.exec.SeparateBuffers;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.zoo.ModelZoo;

/**
 * The ONNX exporter is validated the way the side-by-side harness relies on: ONNX Runtime running
 * the exported file must compute what Vessels computes on the same weights and input. Small nets
 * only (milliseconds); skipped with a message where ORT's native library cannot load.
 */
class OnnxExportTest {
    static final double TOLERANCE = 1e-4;

    @TempDir
    Path dir;

    @BeforeAll
    static void requireOrt() {
        String why = null;
        try {
            OrtModel.version();
        } catch (Throwable t) {
            why = "ONNX Runtime's native library did not load here (" + t + "): exporter tests skipped";
        }
        assumeTrue(why == null, why);
    }

    /** Crop (2x−1), a 1×3 kernel with strides 1,2, Darknet max pooling, local average pooling, a concat,
     *  batch norm + tanh, upsampling, dropout, a batch-normalised logistic connected layer and a grouped,
     *  tempered softmax. */
    static final String MIXED = """
            [net]
            width=20
            height=18
            channels=3
            [crop]
            crop_width=16
            crop_height=14
            [convolutional]
            filters=8
            size_x=3
            size_y=1
            stride_x=2
            stride_y=1
            pad=1
            activation=relu
            [maxpool]
            size=3
            stride=2
            [local_avgpool]
            size=3
            stride=1
            [route]
            layers=-1,-2
            [convolutional]
            batch_normalize=1
            filters=6
            size=3
            stride=1
            pad=1
            activation=tanh
            [upsample]
            stride=2
            [dropout]
            probability=.5
            [connected]
            output=12
            batch_normalize=1
            activation=logistic
            [softmax]
            groups=2
            temperature=2
            """;

    @Test
    void mixedLayersMatchVessels() {
        check(Network.parse("mixed", MIXED), 1);
    }

    @Test
    void shortcutsAcrossShapesMatchVessels() {
        // ResNet's Darknet cfgs add a 64-channel map onto a 256-channel one (only the first 64 channels);
        // Darknet also subsamples a larger map and drops surplus channels.
        check(Network.parse("shortcuts", """
                [net]
                width=8
                height=8
                channels=3
                [convolutional]
                filters=4
                size=3
                pad=1
                activation=leaky
                [convolutional]
                filters=8
                size=1
                activation=linear
                [shortcut]
                from=-2
                activation=leaky
                [convolutional]
                filters=8
                size=3
                stride=2
                pad=1
                activation=leaky
                [shortcut]
                from=-2
                [convolutional]
                filters=3
                size=1
                activation=linear
                [shortcut]
                from=-2
                """), 4);
    }

    @Test
    void tinyClassifierMatchesVessels() {
        // Batch norm folded into convolutions, a grouped convolution, a shortcut, global average pool.
        check(ModelZoo.open("tiny-classifier"), 2);
    }

    @Test
    void tinyYoloHeadsMatchVessels() {
        // [yolo] layers are not exported: their inputs (the head convolutions) are the graph outputs.
        Network net = ModelZoo.open("tiny-yolo");
        OnnxExport.Exported e = check(net, 3);
        assertThat(e.outputLayers()).containsExactlyElementsOf(java.util.Arrays.stream(Executor.yoloLayers(net))
                .mapToObj(y -> net.layers().get(y).input(0)).toList());
    }

    @Test
    void refusesWhatItCannotExport() {
        Network net = Network.parse("elu", "[net]\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nfilters=4\nsize=3\nactivation=elu\n");
        assertThatThrownBy(() -> OnnxExport.export(net, new SyntheticWeights(net, 1), dir.resolve("elu.onnx")))
                .isInstanceOf(VesselsException.class)
                .hasMessageContaining("layer 0 (conv)")
                .hasMessageContaining("activation elu");
    }

    private OnnxExport.Exported check(Network net, long seed) {
        SyntheticWeights w = new SyntheticWeights(net, seed);
        OnnxExport.Exported e = OnnxExport.export(net, w, dir.resolve("net.onnx"));
        float[] x = new float[(int) net.input().size()];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        int[] keep = e.outputLayers().stream().mapToInt(Integer::intValue).toArray();
        Prediction p;
        try (Executor ex = new Executor("check", net, new SeparateBuffers(net), new ResidentParams(w), Parallel.SERIAL, keep)) {
            p = ex.predict(x);
        }
        float[][] ort;
        try (OrtModel m = new OrtModel(e, 1)) {
            ort = m.run(x, net.input());
        }
        assertThat(ort.length).as("graph outputs").isEqualTo(keep.length);
        for (int k = 0; k < keep.length; k++) {
            float[] ours = keep[k] == net.outputIndex() ? p.output() : p.kept().get(keep[k]);
            assertThat(ort[k]).as("output %d (layer %d) length", k, keep[k]).hasSameSizeAs(ours);
            double maxRef = 0, maxDiff = 0;
            for (int i = 0; i < ours.length; i++) {
                maxRef = Math.max(maxRef, Math.abs(ours[i]));
                maxDiff = Math.max(maxDiff, Math.abs((double) ours[i] - ort[k][i]));
            }
            assertThat(maxRef).as("layer %d output is not all zero", keep[k]).isGreaterThan(0);
            assertThat(maxDiff).as("layer %d: max |ORT - Vessels| vs max |Vessels| %s", keep[k], maxRef)
                    .isLessThanOrEqualTo(TOLERANCE * maxRef);
        }
        return e;
    }
}
