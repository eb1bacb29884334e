package dev.vessels.core.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pages read through the mapping are unmapped in batches of RELEASE_BYTES, not after every read;
 * what a release keeps mapped counts towards the next one.
 */
class MappedFileTest {
    @TempDir
    Path dir;

    @Test
    void blocksOfColumnsReadTheRightFloatsAndCountTheBytesCopied() throws IOException {
        int floats = (int) (2.5 * MappedFile.RELEASE_BYTES / Float.BYTES); // 40 MiB
        Path p = counting(floats);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ); MappedFile m = MappedFile.map(p, ch)) {
            Assumptions.assumeTrue(m != null, "mapping with madvise is not available here");
            // 40 rows of 1 MiB (2^18 floats); blocks of 2^16 floats (256 KiB) from column 5
            int row = 1 << 18, cols = 1 << 16;
            long stride = (long) row * Float.BYTES, all = (long) floats * Float.BYTES;
            float[] block = new float[1 + 8 * cols];
            m.readFloatRows(5L * Float.BYTES, stride, 8, cols, block, 1, 0, all);
            for (int r = 0; r < 8; r++) {
                assertThat(block[1 + r * cols]).isEqualTo((float) (r * row + 5));
                assertThat(block[r * cols + cols]).isEqualTo((float) (r * row + 5 + cols - 1));
            }
            assertThat(m.releases()).as("2 MiB copied (spanning 7 MiB)").isZero();
            for (int k = 0; k < 7; k++) m.readFloatRows(0, stride, 8, cols, new float[8 * cols], 0, 0, all);
            assertThat(m.releases()).as("16 MiB copied").isEqualTo(1);
            assertThatThrownBy(() -> m.readFloatRows(0, stride, 41, 1, new float[41], 0, 0, all))
                    .as("a 41st row past the end").isInstanceOf(dev.vessels.core.VesselsException.class);
            assertThatThrownBy(() -> m.readFloatRows(0, 8, 2, 4, new float[8], 0, 0, all))
                    .as("rows overlapping").isInstanceOf(IllegalArgumentException.class);
        }
    }

    /**
     * Releases after n pieces of 1 MiB, each kept at the release it sets off (widened to the huge
     * page holding it over a huge-page cache): at 16, 31, 46 MiB … (30, 44 … with 2 MiB pages).
     */
    private static int releasesAfter(int mib, MappedFile m) {
        long kept = Math.max(1, m.keepAlign() >> 20);
        return mib < 16 ? 0 : 1 + (int) ((mib - 16) / (16 - kept));
    }

    /** A file of {@code floats} little-endian floats, float i holding i. */
    Path counting(int floats) throws IOException {
        Path p = dir.resolve("c" + floats + ".bin");
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < floats; ) {
                b.clear();
                while (b.hasRemaining() && i < floats) b.putFloat(i++);
                b.flip();
                while (b.hasRemaining()) ch.write(b);
            }
        }
        return p;
    }

    @Test
    void unmapsEverySixteenMebibytesReadAndReadsTheFloatsWritten() throws IOException {
        int floats = (int) (2.5 * MappedFile.RELEASE_BYTES / Float.BYTES); // 40 MiB
        Path p = counting(floats);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ); MappedFile m = MappedFile.map(p, ch)) {
            Assumptions.assumeTrue(m != null, "mapping with madvise is not available here");
            float[] piece = new float[1 << 18]; // 1 MiB
            int pieces = floats / piece.length;
            for (int k = 0; k < pieces; k++) {
                m.readFloats((long) k * piece.length * Float.BYTES, piece, 0, piece.length);
                assertThat(piece[0]).isEqualTo((float) (k * piece.length));
                assertThat(piece[piece.length - 1]).isEqualTo((float) ((k + 1) * piece.length - 1));
                // 16 pieces make the first release; the piece it keeps mapped counts towards the
                // next, so 15 (14 over 2 MiB pages) more make each of the others
                assertThat(m.releases()).as("after %d MiB", k + 1).isEqualTo(releasesAfter(k + 1, m));
            }
        }
    }

    /**
     * Served in place (a GEMM packs the weights from the mapping): the bytes count towards the next
     * release as a copy of them would, the segment holds the file's floats where served, and a
     * range past the end is refused.
     */
    @Test
    void servedInPlaceCountsTowardsTheReleasesAndReadsTheFloatsWritten() throws IOException {
        int floats = (int) (2.5 * MappedFile.RELEASE_BYTES / Float.BYTES); // 40 MiB
        Path p = counting(floats);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ); MappedFile m = MappedFile.map(p, ch)) {
            Assumptions.assumeTrue(m != null, "mapping with madvise is not available here");
            java.lang.foreign.ValueLayout.OfFloat le = java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED
                    .withOrder(ByteOrder.LITTLE_ENDIAN);
            long mib = 1 << 20, all = (long) floats * Float.BYTES;
            for (int k = 0; k < 40; k++) {
                long pos = k * mib;
                m.serveInPlace(pos, mib, pos, pos + mib);
                assertThat(m.segment().get(le, pos + 12)).isEqualTo((float) (pos / Float.BYTES + 3));
                assertThat(m.releases()).as("after %d MiB served", k + 1).isEqualTo(releasesAfter(k + 1, m));
            }
            assertThatThrownBy(() -> m.serveInPlace(all - 4, 8, 0, all)).isInstanceOf(dev.vessels.core.VesselsException.class);
        }
    }

    /**
     * A range of half the release mark or more, served in place, unmaps everything else at once: a
     * connected layer's blocks of rows each replace the one before, the last, shorter one too.
     */
    @Test
    void aLargeRangeServedInPlaceReleasesAllElseAtOnce() throws IOException {
        int floats = (int) (2.5 * MappedFile.RELEASE_BYTES / Float.BYTES); // 40 MiB
        Path p = counting(floats);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ); MappedFile m = MappedFile.map(p, ch)) {
            Assumptions.assumeTrue(m != null, "mapping with madvise is not available here");
            long mib = 1 << 20;
            m.serveInPlace(0, mib, 0, mib);
            assertThat(m.releases()).as("1 MiB served").isZero();
            m.serveInPlace(mib, 7 * mib, mib, 8 * mib);
            assertThat(m.releases()).as("7 MiB more: under half the mark").isZero();
            m.serveInPlace(8 * mib, 8 * mib, 8 * mib, 16 * mib);
            assertThat(m.releases()).as("8 MiB: half the mark").isEqualTo(1);
            m.serveInPlace(16 * mib, 9 * mib, 16 * mib, 25 * mib);
            assertThat(m.releases()).as("9 MiB, right after a release").isEqualTo(2);
        }
    }
}
