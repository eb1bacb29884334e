package dev.vessels.memory.profile;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vessels.core.Network;
import dev.vessels.memory.plan.GraphsAccess;

/** The profile of tiny graphs exactly, and the issue's targets on the Debian cfgs (pure arithmetic, nothing runs). */
class ProfilerTest {
    static final double MIB = 1 << 20;

    @Test
    void profileOfATinyNetworkIsExact() {
        // input 1x4x4; conv 3x3 → 2x4x4 (params 20, workspace 144 floats); maxpool size 1 copy
        Network n = GraphsAccess.cfg("[net]\nwidth=4\nheight=4\nchannels=1\n"
                + "[convolutional]\nfilters=2\nsize=3\npad=1\nactivation=linear\n[maxpool]\nsize=1\nstride=1\npadding=0\n");
        Profile p = Profiler.of(n).profile();
        assertThat(p.input()).containsExactly(1, 4, 4);
        // Darknet: params 20, image 16, outputs 32+32, deltas 32+32, indexes 32, workspace 144 (floats)
        assertThat(p.baseline().categories()).isEqualTo(new Profile.Categories(80, 16 * 4 + 64 * 4, 96 * 4, 144 * 4));
        assertThat(p.baseline().peakBytes()).isEqualTo(p.baseline().categories().total());
        // Vessels: arena of 224 floats (see MemoryPlanTest), lower bound 64 floats
        assertThat(p.vessels()).isEqualTo(new Profile.Vessels(224 * 4, 224 * 4, 20 * 4, 144 * 4, 64 * 4));
        assertThat(p.layers()).containsExactly(
                new Profile.LayerRow(0, "conv", 128, 80, 576, p.baseline().peakBytes(), (16 + 32 + 144 + 20) * 4),
                new Profile.LayerRow(1, "max", 128, 0, 0, p.baseline().peakBytes(), 64 * 4));
    }

    @Test
    void everyBaselineBufferIsListedWithItsLifetime() {
        Profiler pr = Profiler.of(GraphsAccess.cfg("[net]\nwidth=4\nheight=4\nchannels=1\n"
                + "[maxpool]\nsize=1\nstride=1\npadding=0\n[maxpool]\nsize=1\nstride=1\npadding=0\n"));
        assertThat(pr.buffers()).filteredOn(b -> b.executor().equals("baseline") && b.name().equals("output"))
                .extracting(BufferLife::layer, BufferLife::first, BufferLife::last)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0, 0, 1), org.assertj.core.groups.Tuple.tuple(1, 1, 1));
        assertThat(pr.touchedAt("vessels", 1)).isEqualTo(32 * 4);
    }

    /** Issue 4's targets: ≥95 % below the baseline for classifiers, ≥93 % for YOLOv3; within 10 % + 4 MiB of the lower bound. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"alexnet, 95", "vgg-16, 95", "resnet101, 95", "resnet152, 95", "resnext152-32x4d, 95", "densenet201, 95",
            "darknet53, 95", "yolov3, 93"})
    void meetsTheIssueTargets(String cfg, double minReduction) {
        Profile p = Profiler.of(Network.parse(Path.of("/usr/share/darknet/cfg", cfg + ".cfg"))).profile();
        System.out.println(p.verdict());
        assertThat(p.reductionPercent()).isGreaterThanOrEqualTo(minReduction);
        assertThat((double) p.vessels().peakBytes()).isLessThanOrEqualTo(1.10 * p.vessels().lowerBoundBytes() + 4 * MIB);
        assertThat(p.vessels().parameterSlotBytes() + p.vessels().workspaceBytes()).isLessThanOrEqualTo(4L << 20);
    }
}
