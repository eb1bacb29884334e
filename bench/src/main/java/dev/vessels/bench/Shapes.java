package dev.vessels.bench;

import java.util.Map;

/**
 * GEMM shapes (M filters × N output pixels × K = inputs·kh·kw) of convolutions in the paper's
 * models, as im2col + GEMM runs them. The first three are the reference shapes.
 */
final class Shapes {
    private Shapes() {}

    static final Map<String, int[]> GEMM = Map.ofEntries(
            // ResNet 3×3 conv as GEMM (the headline shape)
            Map.entry("m256_k2304_n3136", new int[]{256, 3136, 2304}),
            // ResNet152@224 conv2_x 3×3, 64 filters at 56×56
            Map.entry("resnet152_c2_3x3", new int[]{64, 3136, 576}),
            // ResNet152@224 conv5_x 3×3 (512 filters at 7×7) and the 512×4608×196
            Map.entry("resnet152_c5_3x3", new int[]{512, 49, 4608}),
            Map.entry("m512_k4608_n196", new int[]{512, 196, 4608}),
            // ResNet152@224 conv4_x 1×1 expand: 1024 filters, K=256, 14×14
            Map.entry("resnet152_c4_1x1", new int[]{1024, 196, 256}),
            // VGG16@224 conv1_2 (64 at 224×224, K=576) and conv4_2 (512 at 28×28, K=4608)
            Map.entry("vgg16_conv1_2", new int[]{64, 50176, 576}),
            Map.entry("vgg16_conv4_2", new int[]{512, 784, 4608}),
            // YOLOv3@608: 3×3 256 at 76×76 (K=1152), 3×3 1024 at 19×19 (K=4608), 1×1 detection head 255
            Map.entry("yolov3_76_3x3", new int[]{256, 5776, 1152}),
            Map.entry("yolov3_19_3x3", new int[]{1024, 361, 4608}),
            Map.entry("yolov3_head_1x1", new int[]{255, 361, 1024}),
            // ResNet152 Debian cfg (256×256 input): conv4_x 3×3 at 16×16 and conv5_x 3×3 at 8×8
            Map.entry("resnet152_256_c4_3x3", new int[]{256, 256, 2304}),
            Map.entry("resnet152_256_c5_3x3", new int[]{512, 64, 4608}),
            // and its 1×1 pair at 16×16 (36 blocks: most of its 1×1 time): reduce 1024 → 256, expand 256 → 1024
            Map.entry("resnet152_256_c4_reduce", new int[]{256, 256, 1024}),
            Map.entry("resnet152_256_c4_expand", new int[]{1024, 256, 256}),
            // ResNeXt152-32x4d Debian cfg (256×256): its 1×1 pair at 16×16, most of its time (reduce, expand)
            Map.entry("resnext152_256_c4_reduce", new int[]{256, 256, 2048}),
            Map.entry("resnext152_256_c4_expand", new int[]{2048, 256, 256}),
            // and its slowest 1×1 per FLOP (LayerProfile): 512 → 64 at 64×64, 128 → 1024 at 32×32
            Map.entry("resnext152_256_c2_reduce", new int[]{64, 4096, 512}),
            Map.entry("resnext152_256_c3_expand", new int[]{1024, 1024, 128}));

    static double gflop(int[] s) {
        return 2.0 * s[0] * s[1] * s[2] / 1e9;
    }
}
