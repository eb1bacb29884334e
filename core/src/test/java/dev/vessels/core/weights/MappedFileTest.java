package dev.vessels.core.weights;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pages read through the mapping are unmapped in batches of RELEASE_BYTES, not after every read. */
class MappedFileTest {
    @TempDir
    Path dir;

    @Test
    void unmapsEverySixteenMebibytesReadAndReadsTheFloatsWritten() throws IOException {
        int floats = (int) (2.5 * MappedFile.RELEASE_BYTES / Float.BYTES); // 40 MiB
        Path p = dir.resolve("f.bin");
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < floats; ) {
                b.clear();
                while (b.hasRemaining() && i < floats) b.putFloat(i++);
                b.flip();
                while (b.hasRemaining()) ch.write(b);
            }
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ); MappedFile m = MappedFile.map(p, ch)) {
            Assumptions.assumeTrue(m != null, "mapping with madvise is not available here");
            float[] piece = new float[1 << 18]; // 1 MiB
            int pieces = floats / piece.length;
            for (int k = 0; k < pieces; k++) {
                m.readFloats((long) k * piece.length * Float.BYTES, piece, 0, piece.length);
                assertThat(piece[0]).isEqualTo((float) (k * piece.length));
                assertThat(piece[piece.length - 1]).isEqualTo((float) ((k + 1) * piece.length - 1));
                // 16 pieces make one release: none before, one at the 16th, two at the 32nd
                assertThat(m.releases()).as("after %d MiB", k + 1).isEqualTo((k + 1) / 16);
            }
        }
    }
}
