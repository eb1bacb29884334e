package dev.vessels.enclave.seal;

import static dev.vessels.enclave.seal.SealFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.function.BiConsumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.weights.WeightsFile;

class SealedModelTest {
    @TempDir
    Path dir;

    private Path seal(int chunkFloats, MasterKey key, long seed) {
        Path out = dir.resolve("m" + chunkFloats + "-" + seed + ".vsl");
        SealedModelWriter.seal(CFG, new SyntheticWeights(net(), seed), key, out, chunkFloats);
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 35, 124, 1000, SealedModelWriter.DEFAULT_CHUNK_FLOATS})
    void roundTripYieldsExactlyTheOriginalFloats(int chunkFloats) {
        MasterKey key = key(1);
        Path f = seal(chunkFloats, key, 5);
        SyntheticWeights original = new SyntheticWeights(net(), 5);
        try (SealedModel m = SealedModel.open(f, provider(key))) {
            assertSameParams(original, m);
            assertRandomReadsMatch(original, m, new Random(chunkFloats), 500, 3);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 5})
    void parallelDecryptionYieldsExactlyTheOriginalFloatsAndKeepsTheCacheRight(int threads) {
        MasterKey key = key(1);
        Path f = seal(7, key, 5);
        SyntheticWeights original = new SyntheticWeights(net(), 5);
        try (SealedModel m = SealedModel.open(f, provider(key))) {
            m.decryptThreads(threads);
            assertSameParams(original, m);
            assertRandomReadsMatch(original, m, new Random(threads), 1000, 2);
            m.decryptThreads(1); // back to serial: buffers reallocated, values unchanged
            assertSameParams(original, m);
        }
    }

    /**
     * {@code reads} random sub-ranges of random layers, in random order so the one-chunk cache is
     * hit and missed, each read at {@code dstOff} and compared bit for bit with the original.
     */
    private static void assertRandomReadsMatch(SyntheticWeights original, SealedModel m, Random r, int reads, int dstOff) {
        for (int i = 0; i < reads; i++) {
            Layer l = m.network().layers().get(r.nextInt(m.network().layers().size()));
            int n = (int) l.paramFloats();
            int start = n == 0 ? 0 : r.nextInt(n);
            int count = r.nextInt(n - start + 1);
            float[] got = new float[count + dstOff], want = new float[count + dstOff];
            m.read(l.index(), start, count, got, dstOff);
            original.read(l.index(), start, count, want, dstOff);
            assertThat(floatBits(got)).as("layer %d [%d+%d]", l.index(), start, count).isEqualTo(floatBits(want));
        }
    }

    @Test
    void parallelReadsStillDecryptEachChunkOfAnInOrderLayerOnce() {
        MasterKey key = key(1);
        Path f = seal(16, key, 2);
        try (SealedModel m = SealedModel.open(f, provider(key))) {
            m.decryptThreads(2);
            float[] buf = new float[124];
            for (int s = 0; s < 124; s += 37) m.read(0, s, Math.min(37, 124 - s), buf, s); // pieces end mid-chunk
            assertThat(m.chunksDecrypted()).isEqualTo(8);
        }
    }

    @Test
    void decryptingOnALentParallelGivesTheSameFloatsOnceEachAndLeavesItOpen() {
        MasterKey key = key(1);
        Path f = seal(16, key, 2);
        try (dev.vessels.core.exec.Parallel lent = new dev.vessels.core.exec.Parallel(2)) {
            float[] serial = new float[124], lentRead = new float[124];
            try (SealedModel m = SealedModel.open(f, provider(key))) {
                m.read(0, 0, 124, serial, 0);
            }
            try (SealedModel m = SealedModel.open(f, provider(key))) {
                m.decryptOn(lent);
                for (int s = 0; s < 124; s += 37) m.read(0, s, Math.min(37, 124 - s), lentRead, s);
                assertThat(m.chunksDecrypted()).isEqualTo(8);
            }
            assertThat(floatBits(lentRead)).isEqualTo(floatBits(serial));
            // closing the model did not close the prediction's threads
            Thread[] ran = new Thread[2];
            lent.forEachPart(2, p -> ran[p] = Thread.currentThread());
            assertThat(ran[1]).isNotSameAs(Thread.currentThread());
        }
    }

    @Test
    void aTamperedChunkFailsAParallelReadWithItsName() throws IOException {
        MasterKey key = key(1);
        // layer 0, chunk 6 of 8: decrypted by the second part
        Path f = sealAndDamage(key, (t, r) -> t[(int) (r[0][6][0] + 3)] ^= 0x10);
        try (SealedModel m = SealedModel.open(f, provider(key))) {
            m.decryptThreads(2);
            float[] buf = new float[124];
            assertThatThrownBy(() -> m.read(0, 0, 124, buf, 0)).isInstanceOf(VesselsException.class)
                    .hasMessage(f + ": authentication failed for layer 0 chunk 6: wrong key or tampered file");
            assertThatThrownBy(() -> m.read(0, 96, 16, buf, 0)).isInstanceOf(VesselsException.class); // not cached as good
        }
    }

    @Test
    void networkComesFromTheSealedCfg() {
        MasterKey key = key(1);
        Path f = seal(16, key, 2);
        try (SealedModel m = SealedModel.open(f, provider(key))) {
            Network a = net(), b = m.network();
            assertThat(b.layers()).hasSameSizeAs(a.layers());
            for (int i = 0; i < a.layers().size(); i++) {
                assertThat(b.layers().get(i).describe()).isEqualTo(a.layers().get(i).describe());
            }
            assertThat(m.cfgText()).isEqualTo(CFG);
            assertThat(m.synthetic()).isTrue();
            assertThat(m.sealedFrom()).isEqualTo("synthetic:2");
            assertThat(m.describe()).isEqualTo(f.toString());
            assertThat(m.cfgSha256()).hasSize(64);
            assertThat(m.totalChunks()).isEqualTo(8 + 2 + 3); // 124→8, 30→2, 35→3 chunks of 16; parameter-free layers 0
        }
    }

    @Test
    void sealsARealWeightsFileAndKeepsItNonSynthetic() {
        Path w = dir.resolve("small.weights");
        new SyntheticWeights(net(), 9).write(w);
        MasterKey key = key(3);
        Path f = dir.resolve("w.vsl");
        try (WeightsFile wf = WeightsFile.open(w, net())) {
            SealedSummary s = SealedModelWriter.seal(CFG, wf, key, f, 10);
            assertThat(s.paramFloats()).isEqualTo(124 + 30 + 35);
            assertThat(s.fileBytes()).isEqualTo(sizeOf(f));
            assertThat(s.chunks()).isEqualTo(13 + 3 + 4); // 124, 30, 35 floats in chunks of 10
        }
        try (SealedModel m = SealedModel.open(f, provider(key)); WeightsFile wf = WeightsFile.open(w, net())) {
            assertThat(m.synthetic()).isFalse();
            assertThat(m.sealedFrom()).isEqualTo(w.toString());
            assertSameParams(wf, m);
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void readingALayerInOrderDecryptsEachChunkOnce() {
        MasterKey key = key(1);
        Path f = seal(16, key, 2);
        try (SealedModel m = SealedModel.open(f, provider(key))) {
            float[] buf = new float[124];
            for (int s = 0; s < 124; s += 5) m.read(0, s, Math.min(5, 124 - s), buf, s);
            assertThat(m.chunksDecrypted()).isEqualTo(8);
            m.read(0, 120, 4, buf, 0); // same last chunk: served from the cache
            assertThat(m.chunksDecrypted()).isEqualTo(8);
            m.read(0, 0, 1, buf, 0);
            assertThat(m.chunksDecrypted()).isEqualTo(9);
        }
    }

    @Test
    void everySealingGetsAFreshModelIdSoCiphertextsDiffer() throws IOException {
        MasterKey key = key(1);
        Path a = seal(16, key, 2);
        Path b = dir.resolve("again.vsl");
        SealedModelWriter.seal(CFG, new SyntheticWeights(net(), 2), key, b, 16);
        byte[] x = Files.readAllBytes(a), y = Files.readAllBytes(b);
        assertThat(x.length).isEqualTo(y.length);
        assertThat(Arrays.equals(x, 12, 28, y, 12, 28)).as("model ids").isFalse();
        assertThat(Arrays.equals(x, 200, 300, y, 200, 300)).as("chunk ciphertext").isFalse();
    }

    @Test
    void wrongKeyIsRejectedAtOpen() {
        Path f = seal(16, key(1), 2);
        assertThatThrownBy(() -> SealedModel.open(f, provider(key(2))))
                .isInstanceOf(VesselsException.class)
                .hasMessage(f + ": authentication failed for header: wrong key or tampered file");
    }

    @Test
    void wrongMagicAndVersionAreNamed() throws IOException {
        Path f = seal(16, key(1), 2);
        byte[] b = Files.readAllBytes(f);
        byte[] notVsl = b.clone();
        notVsl[1] = 'X';
        Files.write(f, notVsl);
        assertThatThrownBy(() -> SealedModel.open(f, provider(key(1)))).isInstanceOf(VesselsException.class)
                .hasMessageContaining("not a sealed model (bad magic");
        byte[] v2 = b.clone();
        v2[9] = 2; // major version 2
        Files.write(f, v2);
        assertThatThrownBy(() -> SealedModel.open(f, provider(key(1)))).isInstanceOf(VesselsException.class)
                .hasMessageContaining("format 2.0 is not supported");
        Files.write(f, new byte[10]);
        assertThatThrownBy(() -> SealedModel.open(f, provider(key(1)))).isInstanceOf(VesselsException.class)
                .hasMessageContaining("shorter than a .vsl header");
        Path weights = dir.resolve("plain.weights");
        new SyntheticWeights(net(), 1).write(weights);
        assertThatThrownBy(() -> SealedModel.open(weights, provider(key(1)))).isInstanceOf(VesselsException.class)
                .hasMessageContaining("not a sealed model");
        assertThatThrownBy(() -> SealedModel.open(dir.resolve("missing.vsl"), provider(key(1))))
                .isInstanceOf(VesselsException.class).hasMessageEndingWith("missing.vsl: sealed model not found");
    }

    @Test
    void headerTamperingIsRejected() throws IOException {
        Path f = seal(16, key(1), 2);
        byte[] b = Files.readAllBytes(f);
        int headerLen = ByteBuffer.wrap(b, 28, 4).getInt();
        // model id (HKDF salt and header AAD), header length, header ciphertext, header tag
        int[] positions = {12, 27, 28, 31, 32, 32 + headerLen / 2, 32 + headerLen - 1};
        for (int pos : positions) {
            byte[] t = b.clone();
            t[pos] ^= 0x01;
            Files.write(f, t);
            assertThatThrownBy(() -> SealedModel.open(f, provider(key(1)))).as("byte %d", pos)
                    .isInstanceOf(VesselsException.class)
                    .hasMessage(f + ": authentication failed for header: wrong key or tampered file");
        }
    }

    /** Chunk byte ranges: [layer][chunk] → {offset, length}. */
    private static long[][][] chunkRanges(Path f, int chunkFloats) throws IOException {
        byte[] b = Files.readAllBytes(f);
        long pos = 32 + ByteBuffer.wrap(b, 28, 4).getInt();
        Network net = net();
        long[][][] r = new long[net.layers().size()][][];
        for (Layer l : net.layers()) {
            int chunks = (int) ((l.paramFloats() + chunkFloats - 1) / chunkFloats);
            r[l.index()] = new long[chunks][];
            for (int c = 0; c < chunks; c++) {
                long floats = Math.min(chunkFloats, l.paramFloats() - (long) c * chunkFloats);
                long len = floats * 4 + 16;
                r[l.index()][c] = new long[]{pos, len};
                pos += len;
            }
        }
        assertThat(pos + 16).isEqualTo(b.length);
        return r;
    }

    /**
     * Seals the test model (synthetic seed 2, chunks of 16 floats) and lets {@code damage} edit the
     * file's bytes in place, given each chunk's byte range ({@link #chunkRanges}); returns the file.
     */
    private Path sealAndDamage(MasterKey key, BiConsumer<byte[], long[][][]> damage) throws IOException {
        Path f = seal(16, key, 2);
        long[][][] r = chunkRanges(f, 16);
        byte[] t = Files.readAllBytes(f);
        damage.accept(t, r);
        Files.write(f, t);
        return f;
    }

    /** Opens {@code f} and reads every parameter: a damaged file must fail somewhere in this. */
    private static void openAndReadAll(Path f, MasterKey key) {
        try (SealedModel m = SealedModel.open(f, provider(key))) {
            readAll(m);
        }
    }

    private void assertReadFails(Path f, MasterKey key, String message) {
        assertThatThrownBy(() -> openAndReadAll(f, key)).isInstanceOf(VesselsException.class).hasMessage(message);
    }

    @Test
    void swappedChunksWithinALayerAreRejected() throws IOException {
        MasterKey key = key(1);
        Path f = sealAndDamage(key, (t, r) -> swap(t, r[0][2], r[0][5])); // two full chunks of layer 0
        assertReadFails(f, key, f + ": authentication failed for layer 0 chunk 2: wrong key or tampered file");
    }

    @Test
    void chunksSwappedAcrossLayersAreRejected() throws IOException {
        MasterKey key = key(1);
        Path f = sealAndDamage(key, (t, r) -> swap(t, r[0][0], r[2][0])); // 16 floats each
        assertReadFails(f, key, f + ": authentication failed for layer 0 chunk 0: wrong key or tampered file");
    }

    @Test
    void duplicatedChunkIsRejected() throws IOException {
        MasterKey key = key(1);
        Path f = sealAndDamage(key, // chunk 0 over chunk 1 (16 floats each)
                (t, r) -> System.arraycopy(t, (int) r[4][0][0], t, (int) r[4][1][0], (int) r[4][0][1]));
        assertReadFails(f, key, f + ": authentication failed for layer 4 chunk 1: wrong key or tampered file");
    }

    @Test
    void missingChunkIsRejectedAtOpen() throws IOException {
        MasterKey key = key(1);
        Path f = seal(16, key, 2);
        long[][][] r = chunkRanges(f, 16);
        byte[] b = Files.readAllBytes(f);
        int off = (int) r[2][0][0], len = (int) r[2][0][1];
        byte[] t = new byte[b.length - len];
        System.arraycopy(b, 0, t, 0, off);
        System.arraycopy(b, off + len, t, off, b.length - off - len);
        Files.write(f, t);
        assertThatThrownBy(() -> SealedModel.open(f, provider(key))).isInstanceOf(VesselsException.class)
                .hasMessageContaining("sealed model is truncated");
    }

    @Test
    void chunkFromAnotherSealingOfTheSameModelAndKeyIsRejected() throws IOException {
        MasterKey key = key(1);
        Path a = seal(16, key, 2);
        Path other = dir.resolve("other.vsl");
        SealedModelWriter.seal(CFG, new SyntheticWeights(net(), 2), key, other, 16);
        long[][][] r = chunkRanges(a, 16);
        byte[] t = Files.readAllBytes(a), o = Files.readAllBytes(other);
        System.arraycopy(o, (int) r[2][1][0], t, (int) r[2][1][0], (int) r[2][1][1]);
        Files.write(a, t);
        assertReadFails(a, key, a + ": authentication failed for layer 2 chunk 1: wrong key or tampered file");
    }

    @Test
    void appendedBytesAreRejected() throws IOException {
        Path f = seal(16, key(1), 2);
        byte[] b = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(b, b.length + 16));
        assertThatThrownBy(() -> SealedModel.open(f, provider(key(1)))).isInstanceOf(VesselsException.class)
                .hasMessageContaining("sealed model is too long");
    }

    @Test
    void truncationsAtRandomLengthsAndEveryChunkBoundaryAreRejected() throws IOException {
        MasterKey key = key(1);
        Path f = seal(16, key, 2);
        byte[] b = Files.readAllBytes(f);
        long[][][] r = chunkRanges(f, 16);
        java.util.List<Integer> lengths = new java.util.ArrayList<>();
        for (long[][] layer : r) for (long[] c : layer) lengths.add((int) c[0]);
        lengths.add(b.length - 16); // the trailer cut off
        Random rnd = new Random(42);
        for (int i = 0; i < 300; i++) lengths.add(rnd.nextInt(b.length));
        Path t = dir.resolve("t.vsl");
        for (int len : lengths) {
            Files.write(t, Arrays.copyOf(b, len));
            assertThatThrownBy(() -> openAndReadAll(t, key)).as("truncated to %d of %d bytes", len, b.length)
                    .isInstanceOf(VesselsException.class);
        }
    }

    @Test
    void everyBitOfPrefixAndTrailerIsProtected() throws IOException {
        MasterKey key = key(1);
        Path f = seal(16, key, 2);
        byte[] b = Files.readAllBytes(f);
        Path t = dir.resolve("t.vsl");
        int[] ranges = {0, 32, b.length - 16, b.length};
        for (int k = 0; k < ranges.length; k += 2) {
            for (int bit = ranges[k] * 8; bit < ranges[k + 1] * 8; bit++) {
                assertFlipRejected(b, bit, t, key);
            }
        }
    }

    @Test
    void thousandRandomSingleBitFlipsAreAllRejected() throws IOException {
        MasterKey key = key(1);
        Path f = seal(16, key, 2);
        byte[] b = Files.readAllBytes(f);
        Path t = dir.resolve("t.vsl");
        Random r = new Random(20240501);
        for (int i = 0; i < 1000; i++) {
            assertFlipRejected(b, r.nextInt(b.length * 8), t, key);
        }
    }

    private static void assertFlipRejected(byte[] original, int bit, Path t, MasterKey key) throws IOException {
        byte[] x = original.clone();
        x[bit >>> 3] ^= (byte) (1 << (bit & 7));
        Files.write(t, x);
        // values must never come back: the read itself must fail
        assertThatThrownBy(() -> openAndReadAll(t, key)).as("bit %d (byte %d of %d)", bit, bit >>> 3, original.length)
                .isInstanceOf(VesselsException.class);
    }

    @Test
    void paramsForAnotherCfgAreRefusedAndNoFileIsLeft() {
        Network other = dev.vessels.core.TestNets.parse(CFG.replace("filters=6", "filters=7"));
        Path out = dir.resolve("x.vsl");
        assertThatThrownBy(() -> SealedModelWriter.seal(CFG, new SyntheticWeights(other, 1), key(1), out, 16))
                .isInstanceOf(VesselsException.class).hasMessageContaining("layer 2 (conv) has 35 parameters, the cfg's has 30");
        assertThat(dir.toFile().list()).isEmpty();
    }

    @Test
    void failedSealLeavesNoPartialFile() {
        Path out = dir.resolve("y.vsl");
        SyntheticWeights failing = new SyntheticWeights(net(), 1);
        dev.vessels.core.weights.ParamSource broken = new dev.vessels.core.weights.ParamSource() {
            @Override public Network network() { return failing.network(); }
            @Override public void read(int layer, long start, int count, float[] dst, int dstOff) {
                if (layer == 4) throw new VesselsException("weights.bin: read error");
                failing.read(layer, start, count, dst, dstOff);
            }
            @Override public String describe() { return "broken"; }
            @Override public boolean synthetic() { return false; }
        };
        assertThatThrownBy(() -> SealedModelWriter.seal(CFG, broken, key(1), out, 16)).hasMessage("weights.bin: read error");
        assertThat(dir.toFile().list()).isEmpty();
    }

    private static void swap(byte[] b, long[] x, long[] y) {
        assertThat(x[1]).as("swap needs equal chunk sizes").isEqualTo(y[1]);
        byte[] tmp = Arrays.copyOfRange(b, (int) x[0], (int) (x[0] + x[1]));
        System.arraycopy(b, (int) y[0], b, (int) x[0], (int) y[1]);
        System.arraycopy(tmp, 0, b, (int) y[0], tmp.length);
    }
}
