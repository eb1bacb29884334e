package dev.vessels.core.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vessels.core.Network;
import dev.vessels.core.TestNets;
import dev.vessels.core.VesselsException;

class WeightsFileTest {
    static final Network NET = TestNets.parse("[net]\nwidth=4\nheight=4\nchannels=2\n[convolutional]\nbatch_normalize=1\n"
            + "filters=3\nsize=3\npad=1\nactivation=leaky\n[connected]\noutput=2\nactivation=linear\n");
    // conv: 3 biases + 9 BN + 3*2*9 = 66 weights -> 66; connected: 2 + 2*48 = 98; total 164 floats

    @TempDir
    Path dir;

    Path write(int major, int minor, int revision, boolean wideSeen, int floats, int extraBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(20 + floats * 4 + extraBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(major).putInt(minor).putInt(revision);
        if (wideSeen) b.putLong(12345); else b.putInt(12345);
        for (int i = 0; i < floats; i++) b.putFloat(i);
        Path p = dir.resolve("w" + major + "_" + minor + "_" + floats + "_" + extraBytes + ".weights");
        Files.write(p, java.util.Arrays.copyOf(b.array(), b.position() + extraBytes));
        return p;
    }

    @Test
    void indexesLayersInA64BitSeenFile() throws IOException {
        assertThat(NET.paramFloats()).isEqualTo(164);
        try (WeightsFile w = WeightsFile.open(write(0, 2, 0, true, 164, 0), NET)) {
            assertThat(w.headerBytes()).isEqualTo(20);
            assertThat(w.seen()).isEqualTo(12345);
            assertThat(w.layerOffset(0)).isEqualTo(20);
            assertThat(w.layerOffset(1)).isEqualTo(20 + 66 * 4);
            float[] dst = new float[5];
            w.read(1, 2, 3, dst, 1);
            assertThat(dst).containsExactly(0f, 68f, 69f, 70f, 0f);
        }
    }

    @Test
    void threadsReadDisjointRangesAtOnce() throws Exception {
        // one layer of 2^20 + 64 floats: pieces of 300,000 cross the 1 MiB staging buffer's boundary
        Network big = TestNets.parse("[net]\nwidth=32\nheight=32\nchannels=16\n[connected]\noutput=64\nactivation=linear\n");
        int n = (int) big.paramFloats();
        assertThat(n).isEqualTo((1 << 20) + 64);
        try (WeightsFile w = WeightsFile.open(write(0, 2, 0, true, n, 0), big)) {
            assertThat(w.concurrentReads()).isTrue();
            int piece = 300_000;
            java.util.concurrent.atomic.AtomicInteger bad = new java.util.concurrent.atomic.AtomicInteger();
            Thread[] ts = new Thread[2];
            for (int t = 0; t < 2; t++) {
                final int half = t;
                ts[t] = new Thread(() -> {
                    float[] dst = new float[piece];
                    for (int round = 0; round < 3; round++) {
                        for (int start = half * (n / 2); start < (half + 1) * (n / 2); start += piece) {
                            int count = Math.min(piece, (half + 1) * (n / 2) - start);
                            w.read(0, start, count, dst, 0);
                            for (int k = 0; k < count; k++) if (dst[k] != start + k) bad.incrementAndGet();
                        }
                    }
                });
                ts[t].start();
            }
            for (Thread t : ts) t.join();
            assertThat(bad.get()).as("floats read wrong").isZero();
        }
    }

    @Test
    void oldVersionsHaveA32BitSeen() throws IOException {
        try (WeightsFile w = WeightsFile.open(write(0, 1, 0, false, 164, 0), NET)) {
            assertThat(w.headerBytes()).isEqualTo(16);
            assertThat(w.seen()).isEqualTo(12345);
            float[] dst = new float[1];
            w.read(0, 0, 1, dst, 0);
            assertThat(dst[0]).isZero();
        }
    }

    @Test
    void transposedConnectedWeightsAreServedInDarknetOrder() throws IOException {
        // major > 1000: connected weights stored [in][out]; Darknet transposes them on load
        try (WeightsFile w = WeightsFile.open(write(1001, 0, 0, false, 164, 0), NET)) {
            assertThat(w.transposed()).isTrue();
            float[] dst = new float[98];
            w.read(1, 0, 98, dst, 0);
            // file value at connected float index 2 + (in*2 + out) is 66 + 2 + in*2 + out
            assertThat(dst[2 + 0 * 48 + 1]).isEqualTo(66 + 2 + 1 * 2 + 0); // out 0, in 1
            assertThat(dst[2 + 1 * 48 + 5]).isEqualTo(66 + 2 + 5 * 2 + 1); // out 1, in 5
            assertThat(dst[0]).isEqualTo(66); // biases are not transposed
        }
    }

    @Test
    void truncatedFileNamesTheLayer() throws IOException {
        Path p = write(0, 2, 0, true, 100, 0);
        assertThatThrownBy(() -> WeightsFile.open(p, NET))
                .isInstanceOf(VesselsException.class)
                .hasMessageContaining(p.toString())
                .hasMessageContaining("truncated: layer 1 (connected)")
                .hasMessageContaining("expected 676");
    }

    @Test
    void tooLongFile() throws IOException {
        Path p = write(0, 2, 0, true, 164, 8);
        assertThatThrownBy(() -> WeightsFile.open(p, NET)).hasMessageContaining("too long: 8 bytes after");
    }

    @Test
    void badHeader() throws IOException {
        Path p = write(-7, 2, 0, true, 164, 0);
        assertThatThrownBy(() -> WeightsFile.open(p, NET)).hasMessageContaining("bad header");
        Path tiny = dir.resolve("tiny.weights");
        Files.write(tiny, new byte[]{1, 2, 3});
        assertThatThrownBy(() -> WeightsFile.open(tiny, NET)).hasMessageContaining("shorter than a Darknet weights header");
        assertThatThrownBy(() -> WeightsFile.open(dir.resolve("missing.weights"), NET))
                .hasMessageEndingWith("missing.weights: weights file not found");
    }

    @Test
    void syntheticWeightsRoundTripThroughTheFileFormat() throws IOException {
        SyntheticWeights s = new SyntheticWeights(NET, 7);
        Path p = dir.resolve("syn.weights");
        s.write(p);
        assertThat(Files.size(p)).isEqualTo(20 + 164 * 4);
        try (WeightsFile w = WeightsFile.open(p, NET)) {
            for (int layer = 0; layer < 2; layer++) {
                int n = (int) NET.layers().get(layer).paramFloats();
                float[] a = new float[n], b = new float[n];
                s.read(layer, 0, n, a, 0);
                w.read(layer, 0, n, b, 0);
                assertThat(b).containsExactly(a);
                // any sub-range is the same as the slice of the whole
                float[] c = new float[5];
                s.read(layer, 3, 5, c, 0);
                assertThat(c).containsExactly(java.util.Arrays.copyOfRange(a, 3, 8));
            }
        }
        assertThat(new SyntheticWeights(NET, 8).describe()).isEqualTo("synthetic:8");
    }

    @Test
    void syntheticValuesAreSeededAndPlausible() {
        SyntheticWeights a = new SyntheticWeights(NET, 1), b = new SyntheticWeights(NET, 1), c = new SyntheticWeights(NET, 2);
        float[] x = new float[66], y = new float[66], z = new float[66];
        a.read(0, 0, 66, x, 0);
        b.read(0, 0, 66, y, 0);
        c.read(0, 0, 66, z, 0);
        assertThat(x).containsExactly(y);
        assertThat(x).isNotEqualTo(z);
        for (int i = 9; i < 12; i++) assertThat(x[i]).isPositive(); // rolling variance (after biases, scales, mean)
        for (int i = 3; i < 6; i++) assertThat(x[i]).isBetween(0.5f, 1.5f); // scales near 1
    }

    @Test
    void mappedAndStagedReadsGiveTheSameFloatsForEveryRange() throws IOException {
        Path p = write(0, 2, 0, true, 164, 0);
        try (WeightsFile mapped = WeightsFile.open(p, NET, true); WeightsFile staged = WeightsFile.open(p, NET, false)) {
            assertThat(mapped.mapped()).isEqualTo(System.getProperty("os.name").toLowerCase().contains("linux"));
            assertThat(staged.mapped()).isFalse();
            java.util.Random r = new java.util.Random(5);
            for (int i = 0; i < 500; i++) {
                int layer = r.nextInt(2);
                int n = (int) NET.layers().get(layer).paramFloats();
                int start = r.nextInt(n), count = 1 + r.nextInt(n - start);
                float[] a = new float[count + 3], b = new float[count + 3];
                mapped.read(layer, start, count, a, 3);
                staged.read(layer, start, count, b, 3);
                assertThat(a).as("layer %d [%d, +%d)", layer, start, count).containsExactly(b);
                assertThat(a[3]).isEqualTo((float) (mapped.layerOffset(layer) - 20) / 4 + start);
            }
        }
    }

    @Test
    void blocksOfColumnsAreTheSameFloatsMappedOrStagedAndOnlyMappedOnesAreCheap() throws IOException {
        // The conv's 54 weights (after 3 biases + 9 batch-norm floats) as 3 rows of 18.
        Path p = write(0, 2, 0, true, 164, 0);
        try (WeightsFile mapped = WeightsFile.open(p, NET, true); WeightsFile staged = WeightsFile.open(p, NET, false)) {
            assertThat(staged.cheapColumnReads()).isFalse();
            assertThat(mapped.cheapColumnReads()).isEqualTo(mapped.mapped());
            for (int col0 = 0; col0 < 18; col0 += 5) {
                int cols = Math.min(7, 18 - col0);
                float[] a = new float[2 + 3 * cols], b = new float[2 + 3 * cols];
                mapped.readColumns(0, 12, 3, 18, col0, cols, a, 2);
                staged.readColumns(0, 12, 3, 18, col0, cols, b, 2);
                assertThat(a).containsExactly(b);
                for (int r = 0; r < 3; r++) {
                    for (int j = 0; j < cols; j++) assertThat(a[2 + r * cols + j]).isEqualTo(12f + r * 18 + col0 + j);
                }
            }
            for (WeightsFile w : new WeightsFile[]{mapped, staged}) {
                assertThatThrownBy(() -> w.readColumns(0, 12, 4, 18, 0, 2, new float[8], 0)) // a 4th row past the layer
                        .isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> w.readColumns(0, 12, 3, 18, 17, 2, new float[6], 0)) // past the row
                        .isInstanceOf(IndexOutOfBoundsException.class);
            }
        }
    }

    @Test
    void aFileTruncatedAfterOpeningIsAnErrorNotACrash() throws IOException {
        // Within the last page a mapping reads zeros past the new end, so the length is checked.
        assertCutShortIsAnError(write(0, 2, 0, true, 164, 0), NET, 100, 1);
    }

    @Test
    void aLargeFileCutShortAfterOpeningIsAnErrorNotACrash() throws IOException {
        // Pages wholly past the new end fault (SIGBUS) when read through a mapping.
        Network big = TestNets.parse("[net]\nwidth=4\nheight=4\nchannels=2\n[connected]\noutput=4000\nactivation=linear\n");
        Path p = dir.resolve("big.weights");
        new SyntheticWeights(big, 1).write(p);
        assertCutShortIsAnError(p, big, 4096, 0);
    }

    /** Opens a copy of {@code file} both ways, cuts it to {@code length} bytes, then reads all of {@code layer}. */
    void assertCutShortIsAnError(Path file, Network net, long length, int layer) throws IOException {
        for (boolean map : new boolean[]{true, false}) {
            Path copy = dir.resolve("cut-" + map + "-" + file.getFileName());
            Files.copy(file, copy);
            try (WeightsFile w = WeightsFile.open(copy, net, map)) {
                try (var ch = java.nio.channels.FileChannel.open(copy, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.truncate(length);
                }
                int n = (int) net.layers().get(layer).paramFloats();
                assertThatThrownBy(() -> w.read(layer, 0, n, new float[n], 0))
                        .as("map=%s", map).isInstanceOf(VesselsException.class).hasMessageContaining(copy.toString());
            }
        }
    }
}
