package dev.vessels.core.weights;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import dev.vessels.core.Network;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.zoo.ModelZoo;
import org.junit.jupiter.api.Test;

class SyntheticWeightsTest {
    @Test
    void rangeReadsEqualTheElementwiseValuesAcrossSegmentBoundaries() {
        // tiny-yolo: batch-norm convolutions (biases, scales, means, variances, weights), plain
        // convolutions with biases only, and shortcuts absent; ranges start and end anywhere.
        Network net = ModelZoo.open("tiny-yolo");
        SyntheticWeights w = new SyntheticWeights(net, 7);
        Random r = new Random(3);
        int checked = 0;
        for (Layer l : net.layers()) {
            long n = l.paramFloats();
            if (n == 0) continue;
            for (int t = 0; t < 20; t++) {
                long start = (long) (r.nextDouble() * n);
                int count = (int) Math.min(n - start, 1 + r.nextInt(3 * l.outShape().c() + 50));
                float[] dst = new float[count + 2];
                w.read(l.index(), start, count, dst, 1);
                for (int i = 0; i < count; i++) {
                    assertThat(dst[1 + i]).as("layer %d position %d", l.index(), start + i)
                            .isEqualTo(w.valuePlain(l.index(), start + i));
                }
                assertThat(dst[0]).isZero();
                assertThat(dst[count + 1]).isZero();
                checked += count;
            }
        }
        assertThat(checked).isGreaterThan(1000);
    }

    @Test
    void compiledVectorPathGivesTheSameBits() {
        // Enough calls for C2 to compile the vector loop (the JIT state must never change a value).
        Network net = ModelZoo.open("tiny-yolo");
        SyntheticWeights w = new SyntheticWeights(net, 11);
        Layer big = net.layers().stream().max(java.util.Comparator.comparingLong(Layer::paramFloats)).orElseThrow();
        int n = (int) Math.min(big.paramFloats(), 1 << 16);
        float[] dst = new float[n];
        for (int rep = 0; rep < 300; rep++) w.read(big.index(), big.paramFloats() - n, n, dst, 0);
        for (int i = 0; i < n; i++) {
            assertThat(dst[i]).isEqualTo(w.valuePlain(big.index(), big.paramFloats() - n + i));
        }
    }
}
