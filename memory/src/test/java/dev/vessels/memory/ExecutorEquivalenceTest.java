package dev.vessels.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.Prediction;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.zoo.ModelZoo;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * Baseline and vessels executors run the same loop and kernels over different buffers, so their
 * outputs must be bit-identical: also when the vessels plan tiles im2col and streams parameters
 * in small pieces: small Debian nets under tight bounds, and the nine paper models as shipped.
 */
class ExecutorEquivalenceTest {
    static final Path CFG = Path.of("/usr/share/darknet/cfg");

    static float[] input(Network net) {
        Random r = new Random(7);
        float[] x = new float[(int) net.input().size()];
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
        return x;
    }

    @ParameterizedTest
    @ValueSource(strings = {"yolov3-tiny", "resnet18", "darknet19"})
    void baselineAndVesselsAreBitIdentical(String model) {
        Network net = Network.parse(CFG.resolve(model + ".cfg"));
        SyntheticWeights w = new SyntheticWeights(net, 1);
        float[] x = input(net);
        Prediction b, v, tiny;
        try (Executor base = Executors.create("baseline", net, w, 1)) {
            b = base.predict(x);
        }
        try (Executor ves = Executors.create("vessels", net, w, 1)) {
            v = ves.predict(x);
        }
        // A slot far below the default: every layer streams its weights.
        MemoryPlan small = MemoryPlan.of(net, 4096);
        try (Executor ves = Executors.vessels(net, w, 1, small)) {
            tiny = ves.predict(x);
        }
        assertBitIdentical(b, v);
        assertBitIdentical(b, tiny);
        float max = 0;
        for (float f : b.output()) max = Math.max(max, Math.abs(f));
        assertThat(max).as("a non-degenerate output").isGreaterThan(0f).isFinite();
    }

    /**
     * Issue 4 item 5: the nine paper models, zoo cfgs, synthetic weights seed 1, two threads (the
     * parallel split must not change a single bit either). One model per invocation, and each
     * executor closed before the next is built, so at most one baseline (yolov3: 1.6 GB) is live.
     */
    @ParameterizedTest
    @MethodSource("paperModels")
    void paperModelsAreBitIdenticalOnTwoThreads(String model) {
        Network net = ModelZoo.open(model);
        SyntheticWeights w = new SyntheticWeights(net, 1);
        float[] x = input(net);
        Prediction b, v;
        try (Executor base = Executors.create("baseline", net, w, 2)) {
            b = base.predict(x);
        }
        try (Executor ves = Executors.create("vessels", net, w, 2)) {
            v = ves.predict(x);
        }
        assertBitIdentical(b, v);
        if (net.layers().stream().anyMatch(l -> l.kind().equals("yolo"))) {
            assertThat(b.kept()).as("yolov3 keeps its three [yolo] outputs").hasSize(3);
        }
        float max = 0;
        for (float f : b.output()) max = Math.max(max, Math.abs(f));
        assertThat(max).as("a non-degenerate output").isGreaterThan(0f).isFinite();
    }

    /**
     * A plain weights file, mapped: convolutions' GEMMs pack their weights straight from the mapping
     * (counted), with the bits of the baseline fed the same weights, at 1 and 2 threads; a small
     * slot bound changes nothing for them (no pieces). Small Debian nets, and three paper models
     * for their shapes: ResNeXt152's grouped convolutions (split over the threads), DenseNet201's
     * 7×7 maps (n below the in-place A threshold), InceptionV3's 1×7 and 7×1 kernels.
     */
    @ParameterizedTest
    @ValueSource(strings = {"debian:yolov3-tiny", "debian:resnet18", "debian:darknet19", "resnext152", "densenet201",
            "inceptionv3"})
    void aMappedWeightsFileReadInPlaceIsBitIdentical(String model, @org.junit.jupiter.api.io.TempDir Path dir) {
        Network net = model.startsWith("debian:") ? Network.parse(CFG.resolve(model.substring(7) + ".cfg"))
                : ModelZoo.open(model);
        SyntheticWeights w = new SyntheticWeights(net, 1);
        Path file = dir.resolve("m.weights");
        w.write(file);
        float[] x = input(net);
        Prediction b;
        try (Executor base = Executors.create("baseline", net, w, 2)) {
            b = base.predict(x);
        }
        // every convolution's matrix at once; a connected layer's rows in blocks of at most 16 MiB (whole rows)
        long reads = 0;
        for (var l : net.layers()) {
            if (l.kind().equals("conv")) reads++;
            if (l instanceof dev.vessels.core.layers.ConnectedLayer c) {
                long rowsPerBlock = Math.min(c.outputs(), Math.max(1, (4L << 20) / c.inputs()));
                reads += (c.outputs() + rowsPerBlock - 1) / rowsPerBlock;
            }
        }
        long inPlaceReads = reads;
        try (dev.vessels.core.weights.WeightsFile wf = dev.vessels.core.weights.WeightsFile.open(file, net)) {
            org.junit.jupiter.api.Assumptions.assumeTrue(wf.mapped(), "weights files are mapped here");
            for (int threads : new int[]{1, 2}) {
                MemoryPlan plan = model.startsWith("debian:") ? MemoryPlan.of(net, 4096) : MemoryPlan.of(net);
                try (Executor ves = Executors.vessels(net, wf, threads, plan)) {
                    assertBitIdentical(b, ves.predict(x));
                    assertThat(((OnDemandParams) ves.params()).inPlaceReads()).as("weight matrices and blocks read in place")
                            .isEqualTo(inPlaceReads);
                }
            }
        }
    }

    static List<String> paperModels() {
        return ModelZoo.PAPER_MODELS;
    }

    static void assertBitIdentical(Prediction a, Prediction b) {
        assertThat(bits(b.output())).isEqualTo(bits(a.output()));
        assertThat(b.kept().keySet()).isEqualTo(a.kept().keySet());
        for (Map.Entry<Integer, float[]> e : a.kept().entrySet()) {
            assertThat(bits(b.kept().get(e.getKey()))).as("kept layer " + e.getKey()).isEqualTo(bits(e.getValue()));
        }
    }

    static int[] bits(float[] f) {
        int[] r = new int[f.length];
        for (int i = 0; i < f.length; i++) r[i] = Float.floatToRawIntBits(f[i]);
        return r;
    }
}
