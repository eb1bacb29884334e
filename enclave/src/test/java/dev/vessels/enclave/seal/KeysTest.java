package dev.vessels.enclave.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vessels.core.VesselsException;

class KeysTest {
    static final String HEX = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";

    @TempDir
    Path dir;

    @Test
    void readsSixtyFourHexCharactersWithSurroundingWhiteSpace() throws IOException {
        Path f = dir.resolve("k");
        for (String text : new String[]{HEX, HEX + "\n", "  " + HEX + "\r\n", "\t" + HEX + "\n\n"}) {
            Files.writeString(f, text);
            assertThat(Keys.read(f).hex()).isEqualTo(HEX.toLowerCase());
        }
        assertThat(new FileKeyProvider(f).masterKey(ModelId.random()).hex()).isEqualTo(HEX.toLowerCase());
        assertThat(new FileKeyProvider(f).describe()).isEqualTo("key file " + f);
    }

    @Test
    void wrongLengthIsNamed() throws IOException {
        Path f = dir.resolve("k");
        Files.writeString(f, HEX.substring(1) + "\n");
        assertThatThrownBy(() -> Keys.read(f)).isInstanceOf(VesselsException.class)
                .hasMessage(f + ": key file must hold a 256-bit key as 64 hex characters; found 63 hex characters");
        Files.writeString(f, HEX + "0");
        assertThatThrownBy(() -> Keys.read(f)).hasMessageContaining("found 65 hex characters");
        Files.writeString(f, "");
        assertThatThrownBy(() -> Keys.read(f)).hasMessageContaining("found 0 hex characters");
    }

    @Test
    void nonHexCharacterIsNamedWithoutEchoingTheKey() throws IOException {
        Path f = dir.resolve("k");
        Files.writeString(f, HEX.substring(0, 10) + "g" + HEX.substring(11));
        assertThatThrownBy(() -> Keys.read(f)).isInstanceOf(VesselsException.class)
                .hasMessage(f + ": key file must hold a 256-bit key as 64 hex characters; found 'g' at character 11"
                        + " (after leading white space)")
                .message().doesNotContain(HEX.substring(0, 10));
        Files.writeString(f, HEX.substring(0, 32) + " " + HEX.substring(32));
        assertThatThrownBy(() -> Keys.read(f)).hasMessageContaining("found byte 0x20 at character 33");
    }

    @Test
    void missingDirectoryAndHugeFilesAreNamed() throws IOException {
        assertThatThrownBy(() -> Keys.read(dir.resolve("nope"))).isInstanceOf(VesselsException.class)
                .hasMessageContaining("nope: key file not found");
        assertThatThrownBy(() -> Keys.read(dir)).isInstanceOf(VesselsException.class)
                .hasMessage(dir + ": key file is a directory");
        Path big = dir.resolve("big");
        Files.write(big, new byte[10_000]);
        assertThatThrownBy(() -> Keys.read(big)).isInstanceOf(VesselsException.class)
                .hasMessageContaining("not a key file (10000 bytes");
    }

    @Test
    void generateWritesAFreshOwnerOnlyKeyThatReadsBack() throws IOException {
        Path a = dir.resolve("a.key"), b = dir.resolve("b.key");
        MasterKey ka = Keys.generate(a), kb = Keys.generate(b);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(a))).isEqualTo("rw-------");
        assertThat(Files.readString(a)).matches("[0-9a-f]{64}\n");
        assertThat(Keys.read(a).hex()).isEqualTo(ka.hex());
        assertThat(ka.hex()).isNotEqualTo(kb.hex());
        assertThat(ka.fingerprint()).hasSize(16).isNotEqualTo(kb.fingerprint());
        assertThat(ka.toString()).doesNotContain(ka.hex()).contains(ka.fingerprint());
    }

    @Test
    void generateRefusesToOverwrite() throws IOException {
        Path a = dir.resolve("a.key");
        Files.writeString(a, "precious");
        assertThatThrownBy(() -> Keys.generate(a)).isInstanceOf(VesselsException.class)
                .hasMessageContaining("already exists; refusing to overwrite");
        assertThat(Files.readString(a)).isEqualTo("precious");
        assertThatThrownBy(() -> Keys.generate(dir.resolve("no/such/dir/k"))).isInstanceOf(VesselsException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void destroyedKeyCannotBeUsed() {
        MasterKey k = Keys.parse(HEX, "k");
        k.destroy();
        assertThatThrownBy(k::hex).isInstanceOf(IllegalStateException.class);
        assertThat(k.fingerprint()).isEqualTo("destroyed");
    }

    @Test
    void perModelKeysDependOnModelIdAndPurpose() {
        MasterKey k = Keys.parse(HEX, "k");
        ModelId a = ModelId.random(), b = ModelId.random();
        javax.crypto.SecretKey[] ka = SealedFormat.deriveKeys(k, a), ka2 = SealedFormat.deriveKeys(k, a),
                kb = SealedFormat.deriveKeys(k, b);
        assertThat(ka[0].getEncoded()).hasSize(32).isEqualTo(ka2[0].getEncoded());
        assertThat(ka[0].getEncoded()).isNotEqualTo(ka[1].getEncoded());
        assertThat(ka[0].getEncoded()).isNotEqualTo(kb[0].getEncoded());
        assertThat(ka[1].getEncoded()).isNotEqualTo(kb[1].getEncoded());
    }

    @Test
    void hkdfMatchesRfc5869TestCase1() throws Exception {
        // The JDK KDF API as SealedFormat calls it, checked against RFC 5869 appendix A.1.
        var hex = java.util.HexFormat.of();
        javax.crypto.KDF kdf = javax.crypto.KDF.getInstance("HKDF-SHA256");
        byte[] okm = kdf.deriveData(javax.crypto.spec.HKDFParameterSpec.ofExtract()
                .addIKM(new javax.crypto.spec.SecretKeySpec(hex.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), "HKDF-IKM"))
                .addSalt(hex.parseHex("000102030405060708090a0b0c"))
                .thenExpand(hex.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42));
        assertThat(hex.formatHex(okm)).isEqualTo(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    }
}
