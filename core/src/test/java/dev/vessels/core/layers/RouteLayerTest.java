package dev.vessels.core.layers;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.vessels.core.Network;
import dev.vessels.core.TestNets;
import dev.vessels.core.exec.ParamProvider;
import dev.vessels.core.exec.Parallel;

/** A route concatenates its inputs, on one thread or split over several, to the same floats. */
class RouteLayerTest {
    @Test
    void concatenatesLargeInputsTheSameOnOneAndTwoThreads() {
        // Three inputs of 7, 5 and 3 channels at 61×61 (26047 + 18605 + 11163 floats): above the
        // threshold for a second thread, with the split falling inside the second input.
        Network net = TestNets.parse("""
                [net]
                width=61
                height=61
                channels=2
                [convolutional]
                filters=7
                size=1
                activation=linear
                [convolutional]
                filters=5
                size=1
                activation=linear
                [convolutional]
                filters=3
                size=1
                activation=linear
                [route]
                layers=-3,-2,-1
                """);
        RouteLayer route = (RouteLayer) net.layers().get(3);
        int[] sizes = {7 * 61 * 61, 5 * 61 * 61, 3 * 61 * 61};
        float[][] ins = new float[3][];
        for (int i = 0; i < 3; i++) {
            ins[i] = new float[sizes[i] + 10];
            for (int j = 0; j < ins[i].length; j++) ins[i][j] = i * 1e6f + j;
        }
        try (Parallel two = new Parallel(2)) {
            for (Parallel par : new Parallel[]{Parallel.SERIAL, two}) {
                float[] out = new float[sizes[0] + sizes[1] + sizes[2] + 9];
                java.util.Arrays.fill(out, -1f);
                route.forward(context(ins, out, par));
                int o = 4;
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < sizes[i]; j++, o++) {
                        assertThat(out[o]).as("%d threads, input %d float %d", par.threads(), i, j).isEqualTo(ins[i][3 + i + j]);
                    }
                }
                assertThat(out[3]).isEqualTo(-1f);
                assertThat(out[o]).isEqualTo(-1f);
            }
        }
    }

    /** Input i at offset 3 + i of ins[i], the output at offset 4 of out. */
    static LayerContext context(float[][] ins, float[] out, Parallel par) {
        return new LayerContext() {
            public float[] in(int k) { return ins[k]; }
            public int inOff(int k) { return 3 + k; }
            public float[] out() { return out; }
            public int outOff() { return 4; }
            public int params(long start, int count) { throw new UnsupportedOperationException(); }
            public void streamParams(long start, int rows, int rowFloats, Parallel p, ParamProvider.RowBlock body) {
                throw new UnsupportedOperationException();
            }
            public float[] paramArray() { return null; }
            public long maxParamChunkFloats() { return 0; }
            public float[] ws() { return null; }
            public int wsOff() { return 0; }
            public Parallel parallel() { return par; }
        };
    }
}
