package dev.vessels.memory.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vessels.core.Network;
import dev.vessels.core.exec.ResidentParams;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.memory.plan.GraphsAccess;

/**
 * The baseline's resident bytes against Darknet's, as measured through libdarknet on the Debian
 * package (/work/shared/darknet-facts.md, MiB, batch 1): each category within 2 %, the total
 * within the 10 % (the model lands within 0.3 %).
 */
class DarknetMemoryTest {
    static final double MIB = 1 << 20;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // cfg, params, outputs, delta, BN x, pool idx, workspace, resident total
            "alexnet,          237.9,   3.0,   3.0,   0,    0.5,   6.7,  251.1",
            "vgg-16,           527.8,  58.1,  57.6,   0,    5.8, 110.2,  759.6",
            "resnet101,        159.7, 119.1, 119.1,  73.4,  1.0,   9.2,  481.6",
            "resnet152,        219.6, 171.6, 171.6, 104.9,  1.0,   9.2,  677.9",
            "resnext152-32x4d, 216.4, 302.4, 302.4, 170.4,  1.0,   9.2, 1001.8",
            "densenet201,       65.6, 130.0, 130.0,  38.8,  1.9,  18.0,  384.3",
            "darknet53,        158.9,  68.3,  68.3,  47.2,  0,    18.0,  360.6",
            "yolov3,           236.5, 464.2, 464.2, 312.0,  0,   101.5, 1578.5"})
    void residentMemoryMatchesDarknetsMeasurement(String cfg, double params, double outputs, double delta, double x,
                                                 double idx, double ws, double total) {
        DarknetMemory m = DarknetMemory.of(Network.parse(Path.of("/usr/share/darknet/cfg", cfg + ".cfg")));
        assertThat(m.residentByCategory().get(Category.PARAMETERS) / MIB).isCloseTo(params, within(0.02 * params + 0.1));
        assertThat(m.residentBytes("output") / MIB).isCloseTo(outputs, within(0.02 * outputs + 0.1));
        assertThat(m.residentBytes("delta") / MIB).isCloseTo(delta, within(0.02 * delta + 0.1));
        assertThat(m.residentBytes("x") / MIB).isCloseTo(x, within(0.02 * x + 0.1));
        assertThat(m.residentBytes("indexes") / MIB).isCloseTo(idx, within(0.02 * idx + 0.1));
        assertThat(m.residentByCategory().get(Category.WORKSPACE) / MIB).isCloseTo(ws, within(0.02 * ws + 0.1));
        assertThat(m.residentBytes() / MIB).isCloseTo(total, within(0.10 * total));
        assertThat(m.allocatedBytes()).isGreaterThan(m.residentBytes());
    }

    @Test
    void cfgBatchMultipliesAllocationsButNotResidentBytes() {
        String body = "[net]\nbatch=%d\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nbatch_normalize=1\nfilters=4\nsize=3\npad=1\nactivation=leaky\n";
        DarknetMemory one = DarknetMemory.of(GraphsAccess.cfg(body.formatted(1)));
        DarknetMemory four = DarknetMemory.of(GraphsAccess.cfg(body.formatted(4)));
        assertThat(four.residentBytes()).isEqualTo(one.residentBytes());
        // output, delta, x, x_norm: 4 × 256 floats each, 3 of them untouched tails; net.input/truth too
        assertThat(four.allocatedBytes() - one.allocatedBytes()).isEqualTo(3 * 4 * (4 * 256 + 192 + 256));
        // resident: image 192, output 256, delta 256, x 256, params 4+12+108, workspace 9·3·64 = 1728 floats
        assertThat(one.residentBytes()).isEqualTo(4L * (192 + 256 + 256 + 256 + 124 + 1728));
    }

    @Test
    void workspaceIsAllocatedForOneByOneConvolutionsButNotTouched() {
        String body = "[net]\nwidth=8\nheight=8\nchannels=16\n[convolutional]\nfilters=4\nsize=1\nactivation=leaky\n"
                + "[convolutional]\nfilters=4\nsize=3\nstride=2\npad=1\nactivation=leaky\n";
        DarknetMemory m = DarknetMemory.of(GraphsAccess.cfg(body));
        DarknetMemory.Buffer ws = m.buffers().stream().filter(b -> b.name().equals("workspace")).findFirst().orElseThrow();
        assertThat(ws.allocatedBytes()).isEqualTo(4L * 64 * 16);        // the 1×1 layer: 8·8·1·1·16
        assertThat(ws.residentBytes()).isEqualTo(4L * 16 * 9 * 4);     // the 3×3 stride 2: 4·4·9·4
        assertThat(ws.firstTouch()).isEqualTo(1);
    }

    @ParameterizedTest
    @CsvSource({"yolov3-tiny", "resnet18", "darknet19"})
    void materialisedBaselineHoldsExactlyTheResidentBytes(String cfg) {
        Network net = Network.parse(Path.of("/usr/share/darknet/cfg", cfg + ".cfg"));
        DarknetMemory m = DarknetMemory.of(net);
        BaselinePlan plan = new BaselinePlan(net);
        ResidentParams params = new ResidentParams(new SyntheticWeights(net, 1));
        // Darknet's yolo anchors are its own few floats; everything else matches byte for byte.
        long anchors = m.residentBytes("biases (anchors)");
        assertThat(plan.bytes() + params.bytes()).isEqualTo(m.residentBytes() - anchors);
    }
}
