package dev.vessels.core.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

import dev.vessels.core.Network;
import dev.vessels.core.TestNets;
import dev.vessels.core.VesselsException;
import dev.vessels.core.weights.ParamSource;

/** Hand-computed forward passes of tiny networks. */
class ExecutorTest {
    /** Parameters 0.1·(i+1) in file order, so hand computations are easy. */
    static ParamSource ramp(Network net) {
        return new ParamSource() {
            public Network network() { return net; }
            public void read(int layer, long start, int count, float[] dst, int off) {
                for (int i = 0; i < count; i++) dst[off + i] = 0.1f * (start + i + 1);
            }
            public String describe() { return "ramp"; }
            public boolean synthetic() { return true; }
        };
    }

    static Prediction run(Network net, float[] in) {
        try (Executor ex = new Executor("t", net, new SeparateBuffers(net), new ResidentParams(ramp(net)), Parallel.SERIAL,
                Executor.yoloLayers(net))) {
            return ex.predict(in);
        }
    }

    @Test
    void convolutionWithBatchNormMatchesHandComputation() {
        // 1 input channel 2x2, one 1x1 filter: y = ((w·x − mean)/(sqrt(var)+1e-6))·scale + bias
        Network net = TestNets.parse("[net]\nwidth=2\nheight=2\nchannels=1\n[convolutional]\nbatch_normalize=1\nfilters=1\nsize=1\nactivation=linear\n");
        // params: bias .1, scale .2, mean .3, var .4, weight .5
        float[] out = run(net, new float[]{1, 2, 3, 4}).output();
        for (int i = 0; i < 4; i++) {
            double v = ((0.5 * (i + 1) - 0.3) / (Math.sqrt(0.4) + 1e-6)) * 0.2 + 0.1;
            assertThat(out[i]).isCloseTo((float) v, within(1e-6f));
        }
    }

    @Test
    void paddedConvolutionAndLeaky() {
        // 3x3 filter over a 1x1 input with pad=1: only the centre weight (index 4) sees the input
        Network net = TestNets.parse("[net]\nwidth=1\nheight=1\nchannels=1\n[convolutional]\nfilters=1\nsize=3\npad=1\nactivation=leaky\n");
        // bias .1, weights .2 .. 1.0 -> centre .6
        assertThat(run(net, new float[]{-2}).output()[0]).isCloseTo(0.1f * (0.6f * -2 + 0.1f), within(1e-6f));
        assertThat(run(net, new float[]{2}).output()[0]).isCloseTo(0.6f * 2 + 0.1f, within(1e-6f));
    }

    @Test
    void connectedRouteShortcutSoftmax() {
        Network net = TestNets.parse("[net]\nwidth=1\nheight=1\nchannels=2\n[connected]\noutput=2\nactivation=linear\n"
                + "[route]\nlayers=-1\n[shortcut]\nfrom=-2\nactivation=linear\n[softmax]\n");
        // connected: biases .1 .2, W = [[.3 .4],[.5 .6]] -> y = (.3+.8+.1, .5+1.2+.2) for x = (1,2)
        float[] out = run(net, new float[]{1, 2}).output();
        double a = 2 * 1.2, b = 2 * 1.9; // shortcut doubles the route (a copy of the same tensor)
        double ea = Math.exp(a - b), eb = 1;
        assertThat(out[0]).isCloseTo((float) (ea / (ea + eb)), within(1e-6f));
        assertThat(out[1]).isCloseTo((float) (eb / (ea + eb)), within(1e-6f));
    }

    @Test
    void maxPoolTreatsOutsideAsMinusInfinity() {
        Network net = TestNets.parse("[net]\nwidth=3\nheight=3\nchannels=1\n[maxpool]\nsize=2\nstride=2\n");
        // padding 1 -> output (3+1-2)/2+1 = 2; windows start at 0 (−padding/2 = 0)
        float[] out = run(net, new float[]{-1, -2, -3, -4, -5, -6, -7, -8, -9}).output();
        assertThat(out).containsExactly(-1, -3, -7, -9);
    }

    @Test
    void cropUpsampleAndAvgpool() {
        Network net = TestNets.parse("[net]\nwidth=4\nheight=4\nchannels=1\n[crop]\ncrop_width=2\ncrop_height=2\n"
                + "[upsample]\nstride=2\n[avgpool]\n");
        float[] in = new float[16];
        for (int i = 0; i < 16; i++) in[i] = i / 16f;
        // centre crop rows 1..2 cols 1..2: 5,6,9,10 (/16), mapped x -> 2x-1; upsample keeps the mean
        double mean = (5 + 6 + 9 + 10) / 4.0 / 16 * 2 - 1;
        assertThat(run(net, in).output()[0]).isCloseTo((float) mean, within(1e-6f));
    }

    @Test
    void wrongInputSizeIsAUserError() {
        Network net = TestNets.parse("[net]\nwidth=3\nheight=3\nchannels=1\n[maxpool]\nsize=2\nstride=2\n");
        assertThatThrownBy(() -> run(net, new float[5])).isInstanceOf(VesselsException.class)
                .hasMessageContaining("input has 5 floats").hasMessageContaining("expects 9 (1x3x3)");
    }
}
