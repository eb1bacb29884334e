package dev.vessels.memory;

import static dev.vessels.memory.ExecutorEquivalenceTest.assertBitIdentical;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.Prediction;
import dev.vessels.core.layers.ConvolutionalLayer;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.layers.ShortcutLayer;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.weights.WeightsFile;
import dev.vessels.core.zoo.ModelZoo;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * Shortcuts computed in the epilogue of the convolution before them change no bit: every residual
 * block of ResNet50 (bottlenecks, shortcut leaky), Darknet53 (shortcut linear) and ResNeXt152
 * (grouped) fuses in the planned arena (where the shortcut is written in place over the
 * convolution's output), none in the baseline (Darknet's memory behaviour writes every buffer),
 * and the outputs equal the baseline's and the unfused planned executor's: also with weights streamed in small pieces (by rows and by K
 * blocks) and read in place from a mapped weights file.
 */
class FusedShortcutEquivalenceTest {
    static Network open(String model) {
        return model.startsWith("debian:") ? Network.parse(ExecutorEquivalenceTest.CFG.resolve(model.substring(7) + ".cfg"))
                : ModelZoo.open(model);
    }

    /** Same-shape shortcuts right after the convolution producing their first input: every residual block here. */
    static int residualPairs(Network net) {
        int n = 0;
        for (Layer l : net.layers()) {
            if (l instanceof ShortcutLayer s && s.input(0) == s.index() - 1 && s.fromShape().equals(s.outShape())
                    && net.layers().get(s.index() - 1) instanceof ConvolutionalLayer) {
                n++;
            }
        }
        return n;
    }

    static int fused(Executor e) {
        int n = 0;
        for (Layer l : e.network().layers()) if (e.fusesShortcutAfter(l.index())) n++;
        return n;
    }

    @ParameterizedTest
    @ValueSource(strings = {"debian:resnet50", "darknet53", "resnext152"})
    void fusedShortcutsChangeNoBit(String model, @TempDir Path dir) {
        Network net = open(model);
        SyntheticWeights w = new SyntheticWeights(net, 1);
        float[] x = ExecutorEquivalenceTest.input(net);
        int pairs = residualPairs(net);
        assertThat(pairs).as("residual blocks").isGreaterThanOrEqualTo(8);
        Prediction unfused;
        try (Executor base = Executors.create("baseline", net, w, 2)) {
            // Darknet's memory behaviour: every convolution writes its own buffer, so none is fused.
            assertThat(fused(base)).as("fused in the baseline").isZero();
            unfused = base.predict(x);
        }
        try (Executor ves = Executors.create("vessels", net, w, 2)) {
            ves.fuseShortcuts(false);
            assertThat(fused(ves)).isZero();
            assertBitIdentical(unfused, ves.predict(x));
        }
        try (Executor ves = Executors.create("vessels", net, w, 2)) {
            assertThat(fused(ves)).as("fused in the planned arena").isEqualTo(pairs);
            assertBitIdentical(unfused, ves.predict(x));
        }
        if (!model.startsWith("debian:")) return; // the piece and mapping paths on the smallest model
        try (Executor tiny = Executors.vessels(net, w, 2, MemoryPlan.of(net, 4096))) {
            assertThat(fused(tiny)).isEqualTo(pairs);
            assertBitIdentical(unfused, tiny.predict(x));
        }
        Path file = dir.resolve("m.weights");
        w.write(file);
        try (WeightsFile wf = WeightsFile.open(file, net); Executor mapped = Executors.create("vessels", net, wf, 1)) {
            assertThat(fused(mapped)).isEqualTo(pairs);
            assertBitIdentical(unfused, mapped.predict(x));
        }
    }
}
