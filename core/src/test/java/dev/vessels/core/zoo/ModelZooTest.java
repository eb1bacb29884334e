package dev.vessels.core.zoo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.Parallel;
import dev.vessels.core.exec.Prediction;
import dev.vessels.core.exec.ResidentParams;
import dev.vessels.core.exec.SeparateBuffers;
import dev.vessels.core.layers.Shape;
import dev.vessels.core.layers.YoloLayer;
import dev.vessels.core.weights.SyntheticWeights;

public class ModelZooTest {
    static java.util.List<String> allNames() {
        return ModelZoo.names();
    }

    @Test
    void namesAreThePaperModelsThenTheTestNets() {
        assertThat(ModelZoo.PAPER_MODELS).containsExactly("alexnet", "vgg16", "resnet101", "resnet152", "resnext152",
                "densenet201", "darknet53", "inceptionv3", "yolov3");
        assertThat(ModelZoo.names()).startsWith(ModelZoo.PAPER_MODELS.toArray(String[]::new))
                .contains("tiny-classifier", "tiny-yolo").doesNotHaveDuplicates();
        assertThat(ModelZoo.isZooName("resnet152")).isTrue();
        assertThat(ModelZoo.isZooName("resnet152.cfg")).isFalse();
        assertThat(ModelZoo.isZooName("ResNet152")).isFalse();
        assertThat(ModelZoo.isZooName(null)).isFalse();
    }

    @ParameterizedTest
    @MethodSource("allNames")
    void everyZooModelParsesUnderItsOwnName(String name) {
        Network n = ModelZoo.open(name);
        assertThat(n.name()).isEqualTo(name);
        assertThat(n.cfgBatch()).isEqualTo(1);
        String text = ModelZoo.cfgText(name);
        assertThat(text).startsWith("# Vessels model zoo: " + name + " -- ").contains("batch=1", "subdivisions=1");
        // Written for inference: no training schedule in the zoo cfgs.
        assertThat(text).doesNotContain("learning_rate", "momentum", "max_batches");
    }

    @Test
    void inputSizesOfThePaperModels() {
        assertThat(ModelZoo.open("alexnet").input()).isEqualTo(new Shape(3, 227, 227));
        assertThat(ModelZoo.open("vgg16").input()).isEqualTo(new Shape(3, 256, 256));
        assertThat(ModelZoo.open("inceptionv3").input()).isEqualTo(new Shape(3, 299, 299));
        assertThat(ModelZoo.open("yolov3").input()).isEqualTo(new Shape(3, 608, 608));
        for (String n : new String[]{"resnet101", "resnet152", "resnext152", "densenet201", "darknet53"}) {
            assertThat(ModelZoo.open(n).input()).as(n).isEqualTo(new Shape(3, 256, 256));
        }
    }

    @Test
    void resolveTakesZooNamesAndCfgPaths(@TempDir Path dir) throws Exception {
        assertThat(ModelZoo.resolve("darknet53").name()).isEqualTo("darknet53");
        Path cfg = dir.resolve("mine.cfg");
        Files.writeString(cfg, ModelZoo.cfgText("tiny-classifier"));
        Network n = ModelZoo.resolve(cfg.toString());
        assertThat(n.name()).isEqualTo(cfg.toString());
        assertThat(n.layers()).hasSameSizeAs(ModelZoo.open("tiny-classifier").layers());
    }

    @Test
    void resolveRejectsWhatIsNeitherAFileNorAZooName(@TempDir Path dir) {
        assertThatThrownBy(() -> ModelZoo.resolve("resnet50"))
                .isInstanceOf(VesselsException.class)
                .hasMessage("unknown model 'resnet50': not a file and not one of: alexnet, vgg16, resnet101, resnet152, "
                        + "resnext152, densenet201, darknet53, inceptionv3, yolov3, tiny-classifier, tiny-yolo");
        assertThatThrownBy(() -> ModelZoo.resolve(dir.resolve("missing.cfg").toString()))
                .isInstanceOf(VesselsException.class).hasMessageStartingWith("unknown model '");
        assertThatThrownBy(() -> ModelZoo.resolve(dir.toString()))
                .isInstanceOf(VesselsException.class).hasMessage("model '" + dir + "' is a directory, not a cfg file");
        assertThatThrownBy(() -> ModelZoo.resolve(" ")).isInstanceOf(VesselsException.class);
        assertThatThrownBy(() -> ModelZoo.cfgText("nope"))
                .isInstanceOf(VesselsException.class).hasMessageContaining("unknown built-in model 'nope'");
    }

    @Test
    void aBrokenCfgFileIsReportedWithFileAndLine(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("bad.cfg");
        Files.writeString(cfg, "[net]\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nfliters=3\n");
        assertThatThrownBy(() -> ModelZoo.resolve(cfg.toString()))
                .isInstanceOf(VesselsException.class).hasMessage(cfg + ":6: unknown key 'fliters' in [convolutional] "
                        + "(section at line 5)");
    }

    @Test
    void tinyClassifierRunsToAProbabilityDistribution() {
        Network net = ModelZoo.open("tiny-classifier");
        assertThat(net.outputShape()).isEqualTo(new Shape(10, 1, 1));
        float[] out = predict(net).output();
        double sum = 0;
        for (float v : out) {
            assertThat(v).isBetween(0f, 1f);
            sum += v;
        }
        assertThat(sum).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-5));
    }

    @Test
    void tinyYoloHasTwoScalesAndKeepsBothYoloOutputs() {
        Network net = ModelZoo.open("tiny-yolo");
        int[] yolo = Executor.yoloLayers(net);
        assertThat(yolo).hasSize(2);
        YoloLayer coarse = (YoloLayer) net.layers().get(yolo[0]), fine = (YoloLayer) net.layers().get(yolo[1]);
        assertThat(coarse.outShape()).isEqualTo(new Shape(24, 8, 8));
        assertThat(fine.outShape()).isEqualTo(new Shape(24, 16, 16));
        assertThat(coarse.mask()).containsExactly(3, 4, 5);
        assertThat(fine.mask()).containsExactly(0, 1, 2);
        Prediction p = predict(net);
        assertThat(p.kept()).containsOnlyKeys(yolo[0], yolo[1]);
        assertThat(p.kept().get(yolo[1])).isEqualTo(p.output());
    }

    public static Prediction predict(Network net) {
        float[] in = new float[(int) net.input().size()];
        for (int i = 0; i < in.length; i++) in[i] = (i * 37 % 101) / 100f;
        try (Executor ex = new Executor("test", net, new SeparateBuffers(net),
                new ResidentParams(new SyntheticWeights(net, 1)), Parallel.SERIAL, Executor.yoloLayers(net))) {
            return ex.predict(in);
        }
    }
}
