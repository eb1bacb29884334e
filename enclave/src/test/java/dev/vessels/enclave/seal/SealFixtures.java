package dev.vessels.enclave.seal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vessels.core.Network;
import dev.vessels.core.TestNets;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.weights.ParamSource;

/** A small network with layers of several parameter counts (and parameter-free layers) for sealing tests. */
final class SealFixtures {
    private SealFixtures() {}

    /** conv 3→4 3×3 with batch norm (4+4+4+4+108 = 124 floats), maxpool, conv 4→6 1×1 (30), avgpool, connected 6→5 (35), softmax. */
    static final String CFG = """
            [net]
            width=6
            height=6
            channels=3
            [convolutional]
            batch_normalize=1
            filters=4
            size=3
            pad=1
            activation=leaky
            [maxpool]
            size=2
            stride=2
            [convolutional]
            filters=6
            size=1
            activation=relu
            [avgpool]
            [connected]
            output=5
            activation=linear
            [softmax]
            """;

    static Network net() {
        return TestNets.parse(CFG);
    }

    static MasterKey key(int b) {
        byte[] k = new byte[32];
        for (int i = 0; i < k.length; i++) k[i] = (byte) (b * 31 + i);
        return MasterKey.of(k);
    }

    static KeyProvider provider(MasterKey k) {
        String hex = k.hex();
        return new KeyProvider() {
            @Override
            public MasterKey masterKey(ModelId model) {
                return Keys.parse(hex, "test-key");
            }

            @Override
            public String describe() {
                return "test key";
            }
        };
    }

    /** Every layer's parameters, read in full. */
    static float[][] readAll(ParamSource src) {
        Network net = src.network();
        float[][] all = new float[net.layers().size()][];
        for (Layer l : net.layers()) {
            all[l.index()] = new float[(int) l.paramFloats()];
            src.read(l.index(), 0, all[l.index()].length, all[l.index()], 0);
        }
        return all;
    }

    static void assertSameParams(ParamSource a, ParamSource b) {
        float[][] x = readAll(a), y = readAll(b);
        assertThat(x.length).isEqualTo(y.length);
        for (int i = 0; i < x.length; i++) {
            assertThat(floatBits(x[i])).as("layer %d", i).isEqualTo(floatBits(y[i]));
        }
    }

    static int[] floatBits(float[] f) {
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) b[i] = Float.floatToRawIntBits(f[i]);
        return b;
    }
}
