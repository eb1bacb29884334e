package dev.vessels.memory.plan;

import static dev.vessels.memory.plan.Graphs.COPY;
import static dev.vessels.memory.plan.Graphs.net;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.vessels.core.Network;
import dev.vessels.memory.plan.Lifetimes.Tensor;

/** Lifetime analysis and the whole plan on tiny graphs, with exact lifetimes and offsets. */
class MemoryPlanTest {
    static int[] life(Lifetimes lt, int layer) {
        Tensor t = lt.tensorOf(layer);
        return new int[]{t.first(), t.last()};
    }

    @Test
    void chainReusesTheBufferTwoStepsBack() {
        Network n = net(1, COPY, COPY, COPY);
        Lifetimes lt = Lifetimes.analyze(n);
        assertThat(life(lt, -1)).containsExactly(0, 0);
        assertThat(life(lt, 0)).containsExactly(0, 1);
        assertThat(life(lt, 1)).containsExactly(1, 2);
        assertThat(life(lt, 2)).containsExactly(2, 2);
        assertThat(lt.tensorOf(2).keptToEnd()).isTrue();
        MemoryPlan p = MemoryPlan.of(n);
        assertThat(offsets(p, -1, 0, 1, 2)).containsExactly(0, 16, 0, 16);
        assertThat(p.arenaFloats()).isEqualTo(32);
        assertThat(p.activationLowerBoundFloats()).isEqualTo(32);
    }

    @Test
    void routeExtendsTheLifetimesOfTheLayersItReads() {
        Network n = net(1, COPY, COPY, "[route]\nlayers=0,1\n", COPY);
        Lifetimes lt = Lifetimes.analyze(n);
        assertThat(life(lt, 0)).containsExactly(0, 2);
        assertThat(life(lt, 1)).containsExactly(1, 2);
        assertThat(life(lt, 2)).containsExactly(2, 3);
        MemoryPlan p = MemoryPlan.of(n);
        // Layers 0 and 1 are written where the route holds them (concatenated in place): the route's
        // buffer (32) at 0 lives from step 0; the input and the output copy (32) take turns above it.
        assertThat(offsets(p, 2, 0, 1, -1, 3)).containsExactly(0, 0, 16, 32, 32);
        assertThat(p.concatenatedInPlace(2, 0)).isTrue();
        assertThat(p.concatenatedInPlace(2, 1)).isTrue();
        assertThat(p.arenaFloats()).isEqualTo(64);
        assertThat(p.activationLowerBoundFloats()).isEqualTo(64);
    }

    /**
     * DenseNet's chain: each route puts the new features first and the previous route after them,
     * so every route is a view inside the next, down to the block's input; the last route's buffer
     * is live from the first of them to its last reader.
     */
    @Test
    void routeChainsNestInPlace() {
        Network n = net(1, COPY, COPY, "[route]\nlayers=-1,-2\n", COPY, "[route]\nlayers=-1,-2\n", COPY);
        MemoryPlan p = MemoryPlan.of(n);
        int b4 = p.bufferOf(4);
        assertThat(p.viewOf(b4)).isEqualTo(-1);
        assertThat(p.viewOf(p.bufferOf(3))).isEqualTo(b4);
        assertThat(p.viewOf(p.bufferOf(2))).isEqualTo(b4);
        assertThat(p.viewOf(p.bufferOf(1))).isEqualTo(p.bufferOf(2));
        assertThat(p.viewOf(p.bufferOf(0))).isEqualTo(p.bufferOf(2));
        assertThat(p.buffers().get(b4).first()).isZero();
        assertThat(p.buffers().get(b4).last()).isEqualTo(5);
        // route 4 = [layer 3 (32) | route 2 (32)], route 2 = [layer 1 (16) | layer 0 (16)]: all in [0, 64);
        // the input (step 0) and the output (64, step 5) above it.
        assertThat(offsets(p, 4, 3, 2, 1, 0, -1, 5)).containsExactly(0, 0, 32, 32, 48, 64, 64);
        for (int k = 0; k < 2; k++) {
            assertThat(p.concatenatedInPlace(2, k)).isTrue();
            assertThat(p.concatenatedInPlace(4, k)).isTrue();
        }
        assertThat(p.arenaFloats()).isEqualTo(128);
        assertThat(p.activationLowerBoundFloats()).isEqualTo(128);
    }

    /**
     * Routes of one input (Inception's branches) sit inside that input's buffer, however many there
     * are, and the input stays free to be concatenated in place by a later route.
     */
    @Test
    void routesOfOneInputAreThatInput() {
        Network n = net(1, COPY, "[route]\nlayers=0\n", COPY, "[route]\nlayers=0\n", COPY, "[route]\nlayers=2,4,0\n", COPY);
        MemoryPlan p = MemoryPlan.of(n);
        int b0 = p.bufferOf(0), b5 = p.bufferOf(5);
        assertThat(p.viewOf(p.bufferOf(1))).isEqualTo(b0);
        assertThat(p.viewOf(p.bufferOf(3))).isEqualTo(b0);
        assertThat(p.viewOf(b0)).isEqualTo(b5);
        assertThat(p.concatenatedInPlace(1, 0)).isTrue();
        assertThat(p.concatenatedInPlace(3, 0)).isTrue();
        for (int k = 0; k < 3; k++) assertThat(p.concatenatedInPlace(5, k)).isTrue();
        // route 5 = [layer 2 | layer 4 | layer 0 = route 1 = route 3], 48 floats from step 0 to 6
        assertThat(offsets(p, 5, 2, 4, 0, 1, 3)).containsExactly(0, 0, 16, 32, 32, 32);
        assertThat(p.buffers().get(b5).first()).isZero();
        assertThat(p.buffers().get(b5).last()).isEqualTo(6);
    }

    /** An input listed twice is in place once and copied once. */
    @Test
    void aRouteInputListedTwiceIsCopiedTheSecondTime() {
        Network n = net(1, COPY, "[route]\nlayers=0,0\n", COPY);
        MemoryPlan p = MemoryPlan.of(n);
        assertThat(p.concatenatedInPlace(1, 0)).isTrue();
        assertThat(p.concatenatedInPlace(1, 1)).isFalse();
        assertThat(offsets(p, 1, 0)).containsExactly(0, 0);
    }

    /** A tensor something writes in place over (a shortcut's buffer) is never a view; the route copies it. */
    @Test
    void aBufferSharedInPlaceIsCopiedIntoTheRoute() {
        Network n = net(1, COPY, COPY, "[shortcut]\nfrom=0\n", "[route]\nlayers=-1,0\n", COPY);
        MemoryPlan p = MemoryPlan.of(n);
        assertThat(p.inPlace(2)).isTrue();
        assertThat(p.concatenatedInPlace(3, 0)).isFalse();
        assertThat(p.concatenatedInPlace(3, 1)).isTrue();
        assertThat(p.tensorOffset(0)).isEqualTo(p.tensorOffset(3) + 16);
        assertThat(p.tensorOffset(2)).isNotEqualTo(p.tensorOffset(3));
    }

    @Test
    void shortcutWritesInPlaceOverItsFirstInputWhenThatDies() {
        Network n = net(1, COPY, COPY, "[shortcut]\nfrom=0\n", COPY);
        MemoryPlan p = MemoryPlan.of(n);
        assertThat(p.inPlace(2)).isTrue();
        assertThat(p.tensorOffset(2)).isEqualTo(p.tensorOffset(1));
        assertThat(p.buffers()).hasSize(4);
        assertThat(offsets(p, -1, 0, 1, 2, 3)).containsExactly(0, 16, 0, 0, 16);
        assertThat(p.arenaFloats()).isEqualTo(32);
        assertThat(p.activationLowerBoundFloats()).isEqualTo(32);
    }

    @Test
    void shortcutGetsItsOwnBufferWhenItsFirstInputIsReadLater() {
        Network n = net(1, COPY, COPY, "[shortcut]\nfrom=0\n", "[route]\nlayers=1,2\n");
        MemoryPlan p = MemoryPlan.of(n);
        assertThat(p.inPlace(2)).isFalse();
        assertThat(p.tensorOffset(2)).isNotEqualTo(p.tensorOffset(1));
    }

    @Test
    void shortcutNeverWritesOverItsFromInput() {
        // from=-1 is the layer before: both inputs are the same tensor
        Network n = net(1, COPY, "[shortcut]\nfrom=-1\n", COPY);
        MemoryPlan p = MemoryPlan.of(n);
        assertThat(p.inPlace(1)).isFalse();
    }

    static final String YOLO = "[yolo]\nmask=0\nnum=1\nclasses=1\nanchors=1,1\n";

    @Test
    void yoloOutputLivesToTheEndAndNothingIsWrittenOverIt() {
        // input: 6 channels = 1 mask × (1 class + 5); yolo in place over the dying input
        Network n = net(6, YOLO, COPY, COPY);
        Lifetimes lt = Lifetimes.analyze(n);
        assertThat(lt.tensorOf(0).keptToEnd()).isTrue();
        assertThat(life(lt, 0)).containsExactly(0, 2);
        MemoryPlan p = MemoryPlan.of(n);
        assertThat(p.inPlace(0)).isTrue();
        // 96 floats each: the yolo buffer (with the input) at 0, the two copies above it
        assertThat(offsets(p, -1, 0, 1, 2)).containsExactly(0, 0, 96, 192);
        assertThat(p.arenaFloats()).isEqualTo(288);
    }

    @Test
    void aLayerDoesNotWriteInPlaceOverATensorKeptToTheEnd() {
        Network n = net(6, YOLO, YOLO);
        MemoryPlan p = MemoryPlan.of(n);
        assertThat(p.inPlace(0)).isTrue();
        assertThat(p.inPlace(1)).isFalse();
        assertThat(p.tensorOffset(1)).isNotEqualTo(p.tensorOffset(0));
    }

    @Test
    void dropoutAndCostAliasTheirSource() {
        Network n = net(1, COPY, "[dropout]\nprobability=.5\n", COPY, "[cost]\n");
        Lifetimes lt = Lifetimes.analyze(n);
        assertThat(lt.tensorOf(1).id()).isEqualTo(0);
        assertThat(lt.tensorOf(3).id()).isEqualTo(2);
        assertThat(life(lt, 0)).containsExactly(0, 2);  // read through the dropout by layer 2
        assertThat(lt.tensors()).extracting(Tensor::id).containsExactly(-1, 0, 2);
        MemoryPlan p = MemoryPlan.of(n);
        assertThat(p.tensorOffset(1)).isEqualTo(p.tensorOffset(0));
        assertThat(p.tensorOffset(3)).isEqualTo(p.tensorOffset(2));
    }

    @Test
    void parameterSlotIsATemporaryOfItsStep() {
        // conv 3x3, 2 filters on 1x4x4: parameters 2 + 18 = 20 floats
        Network n = net(1, "[convolutional]\nfilters=2\nsize=3\npad=1\nactivation=linear\n", COPY);
        MemoryPlan p = MemoryPlan.of(n);
        assertThat(p.slotFloats(0)).isEqualTo(20);
        assertThat(p.slotFloats(1)).isZero();
        // step 0: input 16 + conv output 32 + slot 20 (no workspace: the fused im2col packs into GEMM scratch)
        assertThat(p.liveFloats(0)).isEqualTo(16 + 32 + 20);
        assertThat(p.liveFloats(1)).isEqualTo(32 + 32);
        assertThat(p.activationLowerBoundFloats()).isEqualTo(64);
        // largest first: conv output 32 at 0, the copy (32, step 1) above it at 32, the slot (20 → 32,
        // step 0) takes the same place as the copy (they never meet), the input 16 above the slot
        assertThat(p.tensorOffset(0)).isEqualTo(0);
        assertThat(p.tensorOffset(1)).isEqualTo(32);
        assertThat(p.slotOffset(0)).isEqualTo(32);
        assertThat(p.tensorOffset(-1)).isEqualTo(64);
        assertThat(p.arenaFloats()).isEqualTo(80);
    }

    @Test
    void convolutionsGetNoWorkspaceHoweverLargeTheirIm2col() {
        // conv 3x3 on 8x4x4: Darknet declares a 72×16-float im2col workspace, larger than the input,
        // output and parameters together; the plan holds only those three, side by side (all live at step 0)
        Network n = net(8, "[convolutional]\nfilters=4\nsize=3\npad=1\nactivation=linear\n");
        assertThat(n.layers().get(0).workspaceFloats()).isEqualTo(72L * 16);
        MemoryPlan p = MemoryPlan.of(n);
        long in = n.input().size(), out = n.layers().get(0).outShape().size(), slot = 4 + 4 * 72;
        assertThat(p.slotFloats(0)).isEqualTo(slot);
        assertThat(p.liveFloats(0)).isEqualTo(in + out + slot);
        assertThat(p.arenaFloats()).isEqualTo(ArenaPlanner.align(in, 16) + ArenaPlanner.align(out, 16) + ArenaPlanner.align(slot, 16));
    }

    @Test
    void parameterPiecesAreBoundedButHoldAtLeastOneFilter() {
        Network n = net(1, "[convolutional]\nfilters=8\nsize=3\npad=1\nactivation=linear\n");
        MemoryPlan p = MemoryPlan.of(n, 5);
        assertThat(p.maxChunkFloats()).isEqualTo(9);   // one filter: 9 weights, more than the bound of 5
        assertThat(p.slotFloats(0)).isEqualTo(9);
        assertThat(MemoryPlan.of(n, 1 << 20).slotFloats(0)).isEqualTo(8 + 72);
    }

    static Stream<Path> debianCfgs() throws Exception {
        Path dir = Path.of("/usr/share/darknet/cfg");
        List<Path> l = new ArrayList<>();
        for (String m : List.of("alexnet", "vgg-16", "resnet101", "resnet152", "resnext152-32x4d", "densenet201", "darknet53",
                "yolov3", "yolov3-tiny", "resnet18", "darknet19")) {
            if (Files.exists(dir.resolve(m + ".cfg"))) l.add(dir.resolve(m + ".cfg"));
        }
        return l.stream();
    }

    /**
     * On real networks: at every step, nothing live (buffers, slot) overlaps anything else live,
     * except the views concatenated in place inside the buffer holding them.
     */
    @ParameterizedTest
    @MethodSource("debianCfgs")
    void realPlansNeverOverlapLiveRegions(Path cfg) {
        Network n = Network.parse(cfg);
        MemoryPlan p = MemoryPlan.of(n);
        int steps = n.layers().size();
        // A view lies inside the buffer holding it, live within its lifetime, apart from the other views there.
        for (int b = 0; b < p.buffers().size(); b++) {
            int o = p.viewOf(b);
            if (o < 0) continue;
            MemoryPlan.Buffer in = p.buffers().get(b), out = p.buffers().get(o);
            assertThat(p.bufferOffset(b)).isGreaterThanOrEqualTo(p.bufferOffset(o));
            assertThat(p.bufferOffset(b) + in.floats()).isLessThanOrEqualTo(p.bufferOffset(o) + out.floats());
            assertThat(in.first()).isGreaterThanOrEqualTo(out.first());
            assertThat(in.last()).isLessThanOrEqualTo(out.last());
            for (int c = b + 1; c < p.buffers().size(); c++) {
                if (p.viewOf(c) != o) continue;
                boolean apart = p.bufferOffset(b) + in.floats() <= p.bufferOffset(c)
                        || p.bufferOffset(c) + p.buffers().get(c).floats() <= p.bufferOffset(b);
                assertThat(apart).as("%s: views %d and %d in buffer %d", cfg, b, c, o).isTrue();
            }
        }
        for (int s = 0; s < steps; s++) {
            List<long[]> live = new ArrayList<>();
            for (int b = 0; b < p.buffers().size(); b++) {
                MemoryPlan.Buffer buf = p.buffers().get(b);
                if (p.viewOf(b) < 0 && buf.first() <= s && s <= buf.last()) live.add(new long[]{p.bufferOffset(b), buf.floats()});
            }
            if (p.slotFloats(s) > 0) live.add(new long[]{p.slotOffset(s), p.slotFloats(s)});
            live.sort((a, b) -> Long.compare(a[0], b[0]));
            for (int i = 1; i < live.size(); i++) {
                assertThat(live.get(i - 1)[0] + live.get(i - 1)[1]).as("%s step %d", cfg, s).isLessThanOrEqualTo(live.get(i)[0]);
            }
            for (long[] r : live) assertThat(r[0] + r[1]).isLessThanOrEqualTo(p.arenaFloats());
        }
        assertThat(p.arenaFloats()).isGreaterThanOrEqualTo(p.activationLowerBoundFloats());
    }

    static long[] offsets(MemoryPlan p, int... layers) {
        long[] r = new long[layers.length];
        for (int i = 0; i < layers.length; i++) r[i] = p.tensorOffset(layers[i]);
        return r;
    }
}
