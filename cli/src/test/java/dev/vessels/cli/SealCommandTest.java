package dev.vessels.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vessels.core.Network;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.weights.WeightsFile;
import dev.vessels.enclave.seal.FileKeyProvider;
import dev.vessels.enclave.seal.SealedModel;

class SealCommandTest {
    /**
     * Runs the CLI like {@link CliRun#of}, registering seal and keygen if Main does not yet (the
     * lead registers them in Main; this keeps the tests valid before and after).
     */
    static CliRun run(String... args) {
        picocli.CommandLine cl = Main.commandLine();
        if (!cl.getSubcommands().containsKey("seal")) cl.addSubcommand(new SealCommand());
        if (!cl.getSubcommands().containsKey("keygen")) cl.addSubcommand(new KeygenCommand());
        java.io.StringWriter out = new java.io.StringWriter(), err = new java.io.StringWriter();
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    @TempDir
    static Path dir;
    static Path cfg, weights;

    @BeforeAll
    static void files() throws IOException {
        SmallModel m = SmallModel.write(dir);
        cfg = m.cfg();
        weights = m.weights();
    }

    @Test
    void keygenWritesAnOwnerOnlyKeyAndRefusesToOverwrite() throws IOException {
        Path k = dir.resolve("kg.key");
        CliRun r = run("keygen", "--out", k.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote a 256-bit key to " + k).contains("fingerprint");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(k))).isEqualTo("rw-------");
        String key = Files.readString(k);
        assertThat(key).matches("[0-9a-f]{64}\n");
        assertThat(r.out()).doesNotContain(key.strip());
        CliRun again = run("keygen", "--out", k.toString());
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err().strip()).isEqualTo("vessels: " + k + ": already exists; refusing to overwrite a key file"
                + " (models sealed with it would be lost)");
        assertThat(Files.readString(k)).isEqualTo(key);
        assertThat(run("keygen").exit()).isEqualTo(2);
    }

    @Test
    void sealsAWeightsFileThatOpensToTheSameParameters() {
        Path k = dir.resolve("s.key"), out = dir.resolve("small.vsl");
        assertThat(run("keygen", "--out", k.toString()).exit()).isZero();
        CliRun r = run("seal", cfg.toString(), "--weights", weights.toString(), "--key-file", k.toString(),
                "--out", out.toString(), "--chunk-floats", "100");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("sealed " + cfg).contains("verified").doesNotContain("synthetic");
        try (SealedModel m = SealedModel.open(out, new FileKeyProvider(k));
             WeightsFile w = WeightsFile.open(weights, Network.parse(cfg))) {
            assertThat(m.chunkFloats()).isEqualTo(100);
            for (Layer l : w.network().layers()) {
                float[] a = new float[(int) l.paramFloats()], b = new float[a.length];
                w.read(l.index(), 0, a.length, a, 0);
                m.read(l.index(), 0, b.length, b, 0);
                assertThat(b).as("layer %d", l.index()).containsExactly(a);
            }
        }
    }

    @Test
    void sealsSyntheticWeightsAndSaysSo() {
        Path k = dir.resolve("syn.key"), out = dir.resolve("syn.vsl");
        run("keygen", "--out", k.toString());
        CliRun r = run("seal", cfg.toString(), "--synthetic-weights", "7", "--key-file", k.toString(), "--out", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("weights synthetic:7, synthetic");
    }

    @Test
    void badKeyFileAndMissingOptionsAreOneLineErrors() throws IOException {
        Path bad = dir.resolve("bad.key");
        Files.writeString(bad, "not a key\n");
        CliRun r = run("seal", cfg.toString(), "--key-file", bad.toString(), "--out", dir.resolve("x.vsl").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("vessels: " + bad + ": key file must hold a 256-bit key as 64 hex characters")
                .doesNotContain("\n").doesNotContain("Exception");
        assertThat(Files.exists(dir.resolve("x.vsl"))).isFalse();
        assertThat(run("seal", cfg.toString(), "--out", dir.resolve("y.vsl").toString()).exit()).isEqualTo(2);
        CliRun zoo = run("seal", "no-such-model", "--key-file", bad.toString(), "--out", dir.resolve("z.vsl").toString());
        assertThat(zoo.exit()).isEqualTo(1);
        assertThat(zoo.err()).doesNotContain("Exception");
    }
}
