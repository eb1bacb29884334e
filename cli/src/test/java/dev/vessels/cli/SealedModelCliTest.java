package dev.vessels.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.zoo.ModelZoo;
import dev.vessels.enclave.seal.FileKeyProvider;
import dev.vessels.enclave.seal.SealedModel;
import dev.vessels.memory.Executors;

/** Sealed models (.vsl) as the MODEL of predict, bench and profile (issue 5 item 3). */
class SealedModelCliTest {
    @TempDir
    static Path dir;
    static Path key, otherKey, tinyWeights, tinyVsl, input;

    @BeforeAll
    static void files() throws IOException {
        key = dir.resolve("k.key");
        otherKey = dir.resolve("other.key");
        assertThat(CliRun.of("keygen", "--out", key.toString()).exit()).isZero();
        assertThat(CliRun.of("keygen", "--out", otherKey.toString()).exit()).isZero();
        tinyWeights = dir.resolve("tiny.weights");
        new SyntheticWeights(ModelZoo.resolve("tiny-classifier"), 5).write(tinyWeights);
        tinyVsl = dir.resolve("tiny.vsl");
        // Small chunks (an odd size) so layers span several chunks and reads start and end inside them.
        CliRun s = CliRun.of("seal", "tiny-classifier", "--weights", tinyWeights.toString(), "--key-file", key.toString(),
                "--out", tinyVsl.toString(), "--chunk-floats", "1001");
        assertThat(s.exit()).as(s.err()).isZero();
        input = dir.resolve("in.f32");
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(3 * 32 * 32 * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 3 * 32 * 32; i++) b.putFloat((i % 29) / 29f);
        Files.write(input, b.array());
    }

    @Test
    void onlyExecutorsThatReadOffTheirOwnThreadsGiveASealedModelADecryptionPool() {
        for (ExecutorOptions.Kind kind : ExecutorOptions.Kind.values()) {
            for (boolean prefetch : new boolean[]{false, true}) {
                if (prefetch && kind != ExecutorOptions.Kind.vessels) continue;
                ExecutorOptions o = new ExecutorOptions();
                o.executor = kind;
                o.threads = 2;
                o.prefetch = prefetch;
                try (SealedModel m = SealedModel.open(tinyVsl, new FileKeyProvider(key)); Executor ex = o.create(m.network(), m)) {
                    // on demand: only the executor's own threads decrypt, lent once it exists; the
                    // baseline reads every parameter while it is built, and prefetch reads on a
                    // thread of its own: those two need a pool
                    boolean needsPool = kind == ExecutorOptions.Kind.baseline || prefetch;
                    assertThat(m.decryptionPoolsStarted()).as(kind + (prefetch ? " --prefetch" : "")).isEqualTo(needsPool ? 1 : 0);
                    assertThat(ex.predict(new float[3 * 32 * 32]).output()).hasSize(10);
                }
            }
        }
    }

    private static byte[] predictRaw(String name, String... args) throws IOException {
        Path out = dir.resolve(name + ".f32");
        String[] all = new String[args.length + 3];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--raw-output";
        all[args.length + 1] = out.toString();
        all[args.length + 2] = "--quiet";
        CliRun r = CliRun.of(all);
        assertThat(r.exit()).as(r.err()).isZero();
        return Files.readAllBytes(out);
    }

    @Test
    void sealedAndUnsealedPredictionsAreBitIdenticalOnBothExecutorsAndThreadCounts() throws IOException {
        byte[] plain = predictRaw("plain", "predict", "tiny-classifier", "--weights", tinyWeights.toString(), "--input",
                input.toString(), "--threads", "1");
        for (String executor : new String[]{"vessels", "baseline"}) {
            for (String threads : new String[]{"1", "2"}) {
                byte[] sealed = predictRaw("sealed-" + executor + threads, "predict", tinyVsl.toString(), "--key-file",
                        key.toString(), "--input", input.toString(), "--executor", executor, "--threads", threads);
                assertThat(sealed).as("%s, %s threads", executor, threads).isEqualTo(plain);
            }
        }
        byte[] otherSeed = predictRaw("seed6", "predict", "tiny-classifier", "--synthetic-weights", "6", "--input",
                input.toString());
        assertThat(otherSeed).isNotEqualTo(plain); // the comparison can tell weights apart
    }

    @Test
    void aRealConvNetAtSmallSizePredictsBitIdenticallyFromItsSealedFile() throws IOException {
        // DenseNet201 (17 M parameters, layers of up to 2.4 MiB streamed through the 2 MiB slot) at 64x64.
        Path cfg = dir.resolve("densenet201-64.cfg");
        Files.writeString(cfg, ModelZoo.cfgText("densenet201").replace("width=256", "width=64").replace("height=256", "height=64"));
        Network net = Network.parse(cfg);
        Path w = dir.resolve("densenet.weights"), vsl = dir.resolve("densenet.vsl");
        new SyntheticWeights(net, 11).write(w);
        CliRun s = CliRun.of("seal", cfg.toString(), "--weights", w.toString(), "--key-file", key.toString(), "--out",
                vsl.toString(), "--chunk-floats", "100003");
        assertThat(s.exit()).as(s.err()).isZero();
        Path in = dir.resolve("in64.f32");
        Files.write(in, new byte[3 * 64 * 64 * 4]);
        byte[] plain = predictRaw("dn-plain", "predict", cfg.toString(), "--weights", w.toString(), "--input", in.toString(),
                "--threads", "2");
        byte[] sealed = predictRaw("dn-sealed", "predict", vsl.toString(), "--key-file", key.toString(), "--input", in.toString(),
                "--threads", "2");
        assertThat(sealed).hasSize(1000 * 4).isEqualTo(plain);
        Files.delete(w);
        Files.delete(vsl);
    }

    @Test
    void outputsSaySealed() throws IOException {
        CliRun p = CliRun.of("predict", tinyVsl.toString(), "--key-file", key.toString(), "--input", input.toString(), "--quiet");
        assertThat(p.exit()).as(p.err()).isZero();
        assertThat(p.out()).contains("weights sealed " + tinyVsl).doesNotContain("synthetic weights");
        CliRun j = CliRun.of("predict", tinyVsl.toString(), "--key-file", key.toString(), "--input", input.toString(), "--json");
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(j.out()).get("weights").asText())
                .isEqualTo("sealed " + tinyVsl);
        CliRun b = CliRun.of("bench", tinyVsl.toString(), "--key-file", key.toString(), "--warmup", "0", "--runs", "1");
        assertThat(b.exit()).as(b.err()).isZero();
        assertThat(b.out()).contains("sealed " + tinyVsl);
        CliRun pr = CliRun.of("profile", tinyVsl.toString(), "--key-file", key.toString());
        assertThat(pr.exit()).as(pr.err()).isZero();
        assertThat(pr.out()).contains("weights: sealed " + tinyVsl)
                .contains(dev.vessels.memory.profile.Profiler.of(ModelZoo.resolve("tiny-classifier")).profile().verdict()
                        .replace("tiny-classifier: ", tinyVsl + ": "));
    }

    @Test
    void sealedFromSyntheticWeightsStaysLabelledSynthetic() {
        Path vsl = dir.resolve("syn.vsl");
        assertThat(CliRun.of("seal", "tiny-classifier", "--synthetic-weights", "4", "--key-file", key.toString(), "--out",
                vsl.toString()).exit()).isZero();
        CliRun p = CliRun.of("predict", vsl.toString(), "--key-file", key.toString(), "--input", input.toString(), "--quiet");
        assertThat(p.out()).contains("weights sealed " + vsl + " (seeded synthetic weights");
    }

    @Test
    void usageErrors() {
        CliRun noKey = CliRun.of("predict", tinyVsl.toString(), "--input", input.toString());
        assertThat(noKey.exit()).isEqualTo(2);
        assertThat(noKey.err()).contains(tinyVsl + ": a sealed model needs its key: add --key-file KEY");
        CliRun withWeights = CliRun.of("predict", tinyVsl.toString(), "--key-file", key.toString(), "--weights",
                tinyWeights.toString(), "--input", input.toString());
        assertThat(withWeights.exit()).isEqualTo(2);
        assertThat(withWeights.err()).contains("a sealed model carries its own weights");
        assertThat(CliRun.of("bench", tinyVsl.toString(), "--key-file", key.toString(), "--synthetic-weights", "1").exit())
                .isEqualTo(2);
        CliRun keyForPlain = CliRun.of("profile", "tiny-classifier", "--key-file", key.toString());
        assertThat(keyForPlain.exit()).isEqualTo(2);
        assertThat(keyForPlain.err()).contains("--key-file is only for sealed models");
        assertThat(CliRun.of("profile", tinyVsl.toString()).exit()).isEqualTo(2);
        CliRun reseal = CliRun.of("seal", tinyVsl.toString(), "--key-file", key.toString(), "--out", dir.resolve("r.vsl").toString());
        assertThat(reseal.exit()).isEqualTo(1);
        assertThat(reseal.err()).contains("already sealed");
    }

    @Test
    void wrongKeyIsAOneLineErrorAndNoPrediction() {
        CliRun r = CliRun.of("predict", tinyVsl.toString(), "--key-file", otherKey.toString(), "--input", input.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).endsWith("vessels: " + tinyVsl + ": authentication failed for header: wrong key or tampered file");
        assertThat(r.err()).doesNotContain("\tat ");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void tamperedChunkFailsThePredictionWithNoOutput() throws IOException {
        byte[] b = Files.readAllBytes(tinyVsl);
        Path t = dir.resolve("tampered.vsl");
        byte[] x = b.clone();
        x[x.length / 2] ^= 0x04; // inside a parameter chunk
        Files.write(t, x);
        Path raw = dir.resolve("tampered.f32");
        CliRun r = CliRun.of("predict", t.toString(), "--key-file", key.toString(), "--input", input.toString(), "--raw-output",
                raw.toString(), "--threads", "2");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).containsPattern("vessels: " + java.util.regex.Pattern.quote(t.toString())
                + ": authentication failed for layer \\d+ chunk \\d+: wrong key or tampered file");
        assertThat(r.out()).isEmpty();
        assertThat(Files.exists(raw)).isFalse();
        Path cut = dir.resolve("cut.vsl");
        Files.write(cut, Arrays.copyOf(b, b.length - 100));
        CliRun c = CliRun.of("bench", cut.toString(), "--key-file", key.toString());
        assertThat(c.exit()).isEqualTo(1);
        assertThat(c.err()).contains("sealed model is truncated");
    }

    /**
     * Fuzz, through the on-demand executor (the path a prediction takes, decrypting on two threads):
     * 1,000 seeded single-bit flips anywhere in the file and 200 truncations. Every one must fail
     * with a VesselsException before the prediction returns: a flipped bit in a parameter chunk
     * never becomes a (wrong) prediction.
     */
    @Test
    void thousandBitFlipsAndTruncationsNeverYieldAPrediction() throws IOException {
        byte[] b = Files.readAllBytes(tinyVsl);
        Path t = dir.resolve("fuzz.vsl");
        float[] x = new float[3 * 32 * 32];
        SplittableRandom rnd = new SplittableRandom(20261126);
        // The untampered file predicts, so the failures below are the tampering's.
        try (SealedModel m = SealedModel.open(tinyVsl, new FileKeyProvider(key))) {
            m.decryptThreads(2);
            try (Executor ex = Executors.create("vessels", m.network(), m, 2)) {
                assertThat(ex.predict(x).output()).hasSize(10);
            }
        }
        int[] failuresAt = new int[3]; // open (header/trailer/length), first read... by where they were caught
        for (int i = 0; i < 1200; i++) {
            byte[] f;
            String what;
            if (i < 1000) {
                int bit = rnd.nextInt(b.length * 8);
                f = b.clone();
                f[bit >>> 3] ^= (byte) (1 << (bit & 7));
                what = "bit " + bit + " of " + b.length * 8;
            } else {
                f = Arrays.copyOf(b, rnd.nextInt(b.length));
                what = "truncated to " + f.length + " of " + b.length + " bytes";
            }
            Files.write(t, f);
            assertThatThrownBy(() -> {
                try (SealedModel m = SealedModel.open(t, new FileKeyProvider(key))) {
                    m.decryptThreads(2);
                    try (Executor ex = Executors.create("vessels", m.network(), m, 2)) {
                        ex.predict(x);
                    }
                }
            }).as(what).isInstanceOf(VesselsException.class)
                    .hasMessageStartingWith(t.toString())
                    .satisfies(e -> failuresAt[e.getMessage().contains("chunk") ? 1 : 0]++);
        }
        // Most of the file is parameter chunks: most flips must be caught at the read, inside the prediction.
        assertThat(failuresAt[1]).isGreaterThan(700);
    }
}
