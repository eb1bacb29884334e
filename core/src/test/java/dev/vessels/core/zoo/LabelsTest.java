package dev.vessels.core.zoo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vessels.core.VesselsException;

class LabelsTest {
    @TempDir
    Path dir;

    @Test
    void oneNamePerLineTrailingNewlineAndCrlfAccepted() throws Exception {
        Path f = dir.resolve("x.names");
        Files.writeString(f, "cat\r\nhot dog  \nteddy bear\n\n");
        Labels l = Labels.load(f);
        assertThat(l.names()).containsExactly("cat", "hot dog", "teddy bear");
        assertThat(l.name(1)).isEqualTo("hot dog");
        assertThat(l.size()).isEqualTo(3);
        assertThatThrownBy(() -> l.name(3)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void errorsNameTheFile() throws Exception {
        Path missing = dir.resolve("missing.names");
        assertThatThrownBy(() -> Labels.load(missing)).isInstanceOf(VesselsException.class)
                .hasMessage(missing + ": labels file not found");
        Path empty = Files.writeString(dir.resolve("empty.names"), "\n\n");
        assertThatThrownBy(() -> Labels.load(empty)).isInstanceOf(VesselsException.class)
                .hasMessage(empty + ": labels file is empty (expected one class name per line)");
        Path gap = Files.writeString(dir.resolve("gap.names"), "a\nb\n\nc\n");
        assertThatThrownBy(() -> Labels.load(gap)).isInstanceOf(VesselsException.class)
                .hasMessageStartingWith(gap + ":3: empty line inside a labels file (class 2 would have no name");
        Path bin = Files.write(dir.resolve("bin.names"), new byte[]{'a', '\n', (byte) 0xff, (byte) 0xfe, '\n'});
        assertThatThrownBy(() -> Labels.load(bin)).isInstanceOf(VesselsException.class)
                .hasMessage(bin + ": not a text labels file (invalid UTF-8)");
        assertThatThrownBy(() -> Labels.load(dir)).isInstanceOf(VesselsException.class)
                .hasMessage(dir + ": is a directory, not a labels file");
    }

    @Test
    void requireCoversChecksTheClassCount() throws Exception {
        Labels l = Labels.load(Files.writeString(dir.resolve("two.names"), "a\nb\n"));
        assertThat(l.requireCovers(2, "m")).isSameAs(l);
        assertThatThrownBy(() -> l.requireCovers(3, "tiny-yolo")).isInstanceOf(VesselsException.class)
                .hasMessageEndingWith("two.names: 2 labels, but tiny-yolo predicts 3 classes (one name per line needed for each)");
    }

    @Test
    void indicesNameClassesByNumber() {
        assertThat(Labels.indices(3).names()).containsExactly("0", "1", "2");
    }

    @Test
    void builtInCocoNames() {
        Labels coco = Labels.coco();
        assertThat(coco.size()).isEqualTo(80);
        assertThat(coco.name(0)).isEqualTo("person");
        assertThat(coco.name(16)).isEqualTo("dog");
        assertThat(coco.name(79)).isEqualTo("toothbrush");
        assertThat(ModelZoo.defaultLabels("yolov3")).hasValueSatisfying(l -> assertThat(l.names()).isEqualTo(coco.names()));
        assertThat(ModelZoo.defaultLabels("resnet152")).isEmpty();
    }

    @Test
    void builtInCocoNamesEqualDarknets() {
        Path darknet = Path.of("/usr/share/darknet/data/coco.names");
        assumeTrue(Files.isRegularFile(darknet), "Debian's darknet package is not installed");
        assertThat(Labels.coco().names()).isEqualTo(Labels.load(darknet).names());
    }
}
