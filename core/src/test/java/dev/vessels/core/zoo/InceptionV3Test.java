package dev.vessels.core.zoo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.vessels.core.Network;
import dev.vessels.core.layers.ConvolutionalLayer;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.layers.Shape;

/**
 * The zoo's inceptionv3 against torchvision's inception_v3 (aux_logits off), checked from first
 * principles: the convolutions of torchvision's module definitions are listed here independently
 * of the cfg, and parameter count and BFLOPs are derived from that list.
 */
class InceptionV3Test {
    /** One torchvision BasicConv2d (conv without bias + BN + ReLU) with its output size. */
    record TvConv(int in, int out, int kh, int kw, int oh, int ow) {
        long weights() { return (long) in * out * kh * kw; }
        double flops() { return 2.0 * weights() * oh * ow; }
    }

    static final Network NET = ModelZoo.open("inceptionv3");

    /** torchvision.models.inception.Inception3's convolutions, module by module. */
    static List<TvConv> torchvisionConvs() {
        List<TvConv> l = new ArrayList<>();
        // Stem
        l.add(new TvConv(3, 32, 3, 3, 149, 149));    // Conv2d_1a_3x3 (stride 2)
        l.add(new TvConv(32, 32, 3, 3, 147, 147));   // Conv2d_2a_3x3
        l.add(new TvConv(32, 64, 3, 3, 147, 147));   // Conv2d_2b_3x3 (padding 1); maxpool -> 73
        l.add(new TvConv(64, 80, 1, 1, 73, 73));     // Conv2d_3b_1x1
        l.add(new TvConv(80, 192, 3, 3, 71, 71));    // Conv2d_4a_3x3; maxpool -> 35
        // InceptionA(in, pool_features) at 35x35
        int[][] a = {{192, 32}, {256, 64}, {288, 64}};
        for (int[] m : a) {
            int in = m[0], s = 35;
            l.add(new TvConv(in, 64, 1, 1, s, s));   // branch1x1
            l.add(new TvConv(in, 48, 1, 1, s, s));   // branch5x5_1
            l.add(new TvConv(48, 64, 5, 5, s, s));   // branch5x5_2
            l.add(new TvConv(in, 64, 1, 1, s, s));   // branch3x3dbl_1
            l.add(new TvConv(64, 96, 3, 3, s, s));   // branch3x3dbl_2
            l.add(new TvConv(96, 96, 3, 3, s, s));   // branch3x3dbl_3
            l.add(new TvConv(in, m[1], 1, 1, s, s)); // branch_pool
        }
        // InceptionB(288): 35 -> 17
        l.add(new TvConv(288, 384, 3, 3, 17, 17));
        l.add(new TvConv(288, 64, 1, 1, 35, 35));
        l.add(new TvConv(64, 96, 3, 3, 35, 35));
        l.add(new TvConv(96, 96, 3, 3, 17, 17));
        // InceptionC(768, c7) at 17x17
        for (int c7 : new int[]{128, 160, 160, 192}) {
            int s = 17;
            l.add(new TvConv(768, 192, 1, 1, s, s)); // branch1x1
            l.add(new TvConv(768, c7, 1, 1, s, s));  // branch7x7_1
            l.add(new TvConv(c7, c7, 1, 7, s, s));   // branch7x7_2 (1, 7)
            l.add(new TvConv(c7, 192, 7, 1, s, s));  // branch7x7_3 (7, 1)
            l.add(new TvConv(768, c7, 1, 1, s, s));  // branch7x7dbl_1
            l.add(new TvConv(c7, c7, 7, 1, s, s));   // branch7x7dbl_2 (7, 1)
            l.add(new TvConv(c7, c7, 1, 7, s, s));   // branch7x7dbl_3 (1, 7)
            l.add(new TvConv(c7, c7, 7, 1, s, s));   // branch7x7dbl_4 (7, 1)
            l.add(new TvConv(c7, 192, 1, 7, s, s));  // branch7x7dbl_5 (1, 7)
            l.add(new TvConv(768, 192, 1, 1, s, s)); // branch_pool
        }
        // InceptionD(768): 17 -> 8
        l.add(new TvConv(768, 192, 1, 1, 17, 17));
        l.add(new TvConv(192, 320, 3, 3, 8, 8));
        l.add(new TvConv(768, 192, 1, 1, 17, 17));
        l.add(new TvConv(192, 192, 1, 7, 17, 17));
        l.add(new TvConv(192, 192, 7, 1, 17, 17));
        l.add(new TvConv(192, 192, 3, 3, 8, 8));
        // InceptionE(in) at 8x8
        for (int in : new int[]{1280, 2048}) {
            int s = 8;
            l.add(new TvConv(in, 320, 1, 1, s, s));  // branch1x1
            l.add(new TvConv(in, 384, 1, 1, s, s));  // branch3x3_1
            l.add(new TvConv(384, 384, 1, 3, s, s)); // branch3x3_2a
            l.add(new TvConv(384, 384, 3, 1, s, s)); // branch3x3_2b
            l.add(new TvConv(in, 448, 1, 1, s, s));  // branch3x3dbl_1
            l.add(new TvConv(448, 384, 3, 3, s, s)); // branch3x3dbl_2
            l.add(new TvConv(384, 384, 1, 3, s, s)); // branch3x3dbl_3a
            l.add(new TvConv(384, 384, 3, 1, s, s)); // branch3x3dbl_3b
            l.add(new TvConv(in, 192, 1, 1, s, s));  // branch_pool
        }
        return l;
    }

    static final long FC = 2048L * 1000 + 1000; // fc weights + bias

    @Test
    void firstPrinciplesTableIsTorchvisionsModel() {
        // torchvision's published count (without AuxLogits): conv weights + BN weight and bias.
        long tv = torchvisionConvs().stream().mapToLong(c -> c.weights() + 2L * c.out()).sum() + FC;
        assertThat(tv).isEqualTo(23_834_568L);
    }

    @Test
    void parameterCountIsTorchvisionsWithDarknetBatchNorm() {
        // Darknet's batch norm keeps 4 floats per channel (biases, scales, rolling mean, rolling
        // variance) and its convolutions carry no separate bias.
        long expected = torchvisionConvs().stream().mapToLong(c -> c.weights() + 4L * c.out()).sum() + FC;
        assertThat(NET.paramFloats()).isEqualTo(expected).isEqualTo(23_869_000L);
    }

    @Test
    void convolutionsAreTorchvisionsInOrderWithBatchNormAndRelu() {
        List<TvConv> ours = new ArrayList<>();
        for (Layer l : NET.layers()) {
            if (l instanceof ConvolutionalLayer c) {
                assertThat(c.batchNormalize()).as("layer " + l.index()).isTrue();
                assertThat(c.activation().name()).as("layer " + l.index()).isEqualToIgnoringCase("relu");
                ours.add(new TvConv(c.inShape().c(), c.filters(), c.kernelH(), c.kernelW(), c.outShape().h(),
                        c.outShape().w()));
            }
        }
        assertThat(ours).containsExactlyElementsOf(torchvisionConvs());
    }

    @Test
    void bflopsAreTwiceTorchvisionsMultiplyAdds() {
        double expected = (torchvisionConvs().stream().mapToDouble(TvConv::flops).sum() + 2.0 * 2048 * 1000) / 1e9;
        assertThat(NET.bflops()).isCloseTo(expected, within(1e-9));
        // torchvision reports 5.71 GMACs for inception_v3 at 299x299
        assertThat(NET.bflops()).isCloseTo(11.43, within(0.01));
    }

    @Test
    void stemAndMixedBlockShapes() {
        assertThat(NET.input()).isEqualTo(new Shape(3, 299, 299));
        // The stem's spatial sizes, torchvision's: 149, 147, 147, 73, 73, 71, 35.
        assertThat(NET.layers().subList(0, 7).stream().map(l -> l.outShape().w()).toList())
                .containsExactly(149, 147, 147, 73, 73, 71, 35);
        // Block outputs are the concatenating routes (more than one input).
        List<Shape> mixed = NET.layers().stream().filter(l -> l.kind().equals("route") && l.inputCount() > 2)
                .map(Layer::outShape).toList();
        assertThat(mixed).containsExactly(
                new Shape(256, 35, 35), new Shape(288, 35, 35), new Shape(288, 35, 35),   // Mixed_5b, 5c, 5d
                new Shape(768, 17, 17),                                                     // Mixed_6a
                new Shape(768, 17, 17), new Shape(768, 17, 17), new Shape(768, 17, 17),
                new Shape(768, 17, 17),                                                     // Mixed_6b..6e
                new Shape(1280, 8, 8),                                                      // Mixed_7a
                new Shape(2048, 8, 8), new Shape(2048, 8, 8));                              // Mixed_7b, 7c
    }

    @Test
    void classifierHeadIsAvgpoolDropoutFc1000Softmax() {
        List<Layer> l = NET.layers();
        int n = l.size();
        assertThat(l.subList(n - 4, n).stream().map(Layer::kind).toList())
                .containsExactly("avg", "dropout", "connected", "softmax");
        assertThat(l.get(n - 4).outShape()).isEqualTo(new Shape(2048, 1, 1));
        assertThat(l.get(n - 2).paramFloats()).isEqualTo(FC);
        assertThat(NET.outputShape()).isEqualTo(new Shape(1000, 1, 1));
    }

    @Test
    void branchPoolsAreSizePreservingLocalAveragePools() {
        Map<Shape, Long> pools = NET.layers().stream().filter(l -> l.kind().equals("avg-local"))
                .peek(l -> assertThat(l.outShape()).as("layer " + l.index()).isEqualTo(l.inShape()))
                .collect(Collectors.groupingBy(Layer::inShape, Collectors.counting()));
        // 3 InceptionA, 4 InceptionC and 2 InceptionE blocks each have one.
        assertThat(pools).containsOnly(Map.entry(new Shape(192, 35, 35), 1L), Map.entry(new Shape(256, 35, 35), 1L),
                Map.entry(new Shape(288, 35, 35), 1L), Map.entry(new Shape(768, 17, 17), 4L),
                Map.entry(new Shape(1280, 8, 8), 1L), Map.entry(new Shape(2048, 8, 8), 1L));
    }

    @Test
    void runsEndToEndWithSyntheticWeights() {
        // ~3 s with the plain kernels: the extensions (non-square kernels, local average pools) run
        // through the executor, and the output is a non-degenerate probability distribution.
        float[] out = ModelZooTest.predict(NET).output();
        assertThat(out).hasSize(1000);
        double sum = 0;
        float max = 0;
        for (float v : out) {
            assertThat(v).isFinite().isBetween(0f, 1f);
            sum += v;
            max = Math.max(max, v);
        }
        assertThat(sum).isCloseTo(1.0, within(1e-4));
        assertThat(max).as("not uniform").isGreaterThan(2f / 1000);
    }
}
