package dev.vessels.memory.profile;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vessels.core.Network;
import dev.vessels.core.kernels.Gemm;
import dev.vessels.memory.plan.GraphsAccess;
import dev.vessels.memory.plan.MemoryPlan;

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
        // Vessels: arena of 80 floats (see MemoryPlanTest), no workspace, lower bound 64 floats, plus one
        // thread's GEMM packing scratch, held the whole run
        long scratch = 4L * Gemm.PACK_FLOATS_PER_THREAD;
        assertThat(p.vessels()).isEqualTo(new Profile.Vessels(80 * 4 + scratch, 80 * 4, 20 * 4, 0, 64 * 4, scratch, 1));
        assertThat(p.layers()).containsExactly(
                new Profile.LayerRow(0, "conv", 128, 80, 576, p.baseline().peakBytes(), (16 + 32 + 20) * 4 + scratch),
                new Profile.LayerRow(1, "max", 128, 0, 0, p.baseline().peakBytes(), 64 * 4 + scratch));
        // the baseline is Darknet's: no packing scratch, whatever the threads
        Profile two = Profiler.of(n, MemoryPlan.of(n), 2).profile();
        assertThat(two.baseline()).isEqualTo(p.baseline());
        assertThat(two.vessels().kernelScratchBytes()).isEqualTo(2 * scratch);
        assertThat(two.vessels().peakBytes()).isEqualTo(80 * 4 + 2 * scratch);
        assertThat(two.verdict()).contains(
                String.format(java.util.Locale.ROOT, "; 2 threads, kernel scratch %.1f MiB;", 2 * scratch / 1048576.0));
        // this net's Darknet footprint is below two threads' packing buffers: the verdict says +, not --
        assertThat(two.reductionPercent()).isNegative();
        assertThat(two.verdict()).contains("(+").doesNotContain("--");
    }

    @Test
    void everyBaselineBufferIsListedWithItsLifetime() {
        Profiler pr = Profiler.of(GraphsAccess.cfg("[net]\nwidth=4\nheight=4\nchannels=1\n"
                + "[maxpool]\nsize=1\nstride=1\npadding=0\n[maxpool]\nsize=1\nstride=1\npadding=0\n"));
        assertThat(pr.buffers()).filteredOn(b -> b.executor().equals("baseline") && b.name().equals("output"))
                .extracting(BufferLife::layer, BufferLife::first, BufferLife::last)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0, 0, 1), org.assertj.core.groups.Tuple.tuple(1, 1, 1));
        assertThat(pr.touchedAt("vessels", 1)).isEqualTo(32 * 4); // no convolution: no GEMM scratch either
        assertThat(pr.profile().vessels().kernelScratchBytes()).isZero();
    }

    /**
     * Issue 4's targets with the kernels' packing scratch counted: ≥95 % below the baseline for
     * classifiers, ≥93 % for YOLOv3, on one and on two threads; within 10 % + 4 MiB of the lower
     * bound on both (bounded slots: the parameter slot, the threads' packing scratch, and the Winograd
     * workspaces planned for that many threads); on one thread the slot and scratch alone ≤ 4 MiB.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"alexnet, 95", "vgg-16, 95", "resnet101, 95", "resnet152, 95", "resnext152-32x4d, 95", "densenet201, 95",
            "darknet53, 95", "yolov3, 93"})
    void meetsTheIssueTargets(String cfg, double minReduction) {
        Network net = Network.parse(Path.of("/usr/share/darknet/cfg", cfg + ".cfg"));
        MemoryPlan plan = MemoryPlan.of(net);
        Profile p = Profiler.of(net, plan, 1).profile();
        System.out.println(p.verdict());
        assertThat(p.vessels().kernelScratchBytes()).isEqualTo(Gemm.scratchBytesPerThread());
        assertThat(p.vessels().workspaceBytes()).isEqualTo(plan.maxWorkspaceFloats() * 4)
                .isLessThanOrEqualTo(p.vessels().poolBytes());
        assertThat(p.reductionPercent()).isGreaterThanOrEqualTo(minReduction);
        assertThat((double) p.vessels().peakBytes()).isLessThanOrEqualTo(1.10 * p.vessels().lowerBoundBytes() + 4 * MIB);
        assertThat(p.vessels().parameterSlotBytes() + p.vessels().kernelScratchBytes()).isLessThanOrEqualTo(4L << 20);
        // Two threads as the executors run them: the plan's Winograd workspaces sized for two parts.
        Profile two = Profiler.of(net, MemoryPlan.forThreads(net, 2), 2).profile();
        System.out.println(two.verdict());
        assertThat(two.reductionPercent()).isGreaterThanOrEqualTo(minReduction);
        assertThat((double) two.vessels().peakBytes()).as("two threads' peak")
                .isLessThanOrEqualTo(1.10 * two.vessels().lowerBoundBytes() + 4 * MIB);
    }
}
