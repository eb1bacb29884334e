package dev.vessels.core.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vessels.core.VesselsException;
import dev.vessels.core.layers.Shape;

/** Decoding of every PNG pixel format, JPEG orientation, and one-line errors for bad files. */
class ImageLoaderTest {
    @TempDir
    Path dir;

    private static float level(int v) {
        return (float) (v / 255.0);
    }

    private Path png(String name, BufferedImage im) throws IOException {
        Path p = dir.resolve(name);
        assertThat(ImageIO.write(im, "png", p.toFile())).isTrue();
        return p;
    }

    @Test
    void rgbPngIsPlanarRgbOver255() throws IOException {
        BufferedImage im = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 2; y++) for (int x = 0; x < 3; x++) im.setRGB(x, y, (10 * x + y) << 16 | (100 + x) << 8 | (200 + y));
        Image out = ImageLoader.load(png("rgb.png", im));
        assertThat(out.c()).isEqualTo(3);
        assertThat(out.h()).isEqualTo(2);
        assertThat(out.w()).isEqualTo(3);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                assertThat(out.get(0, y, x)).isEqualTo(level(10 * x + y));
                assertThat(out.get(1, y, x)).isEqualTo(level(100 + x));
                assertThat(out.get(2, y, x)).isEqualTo(level(200 + y));
            }
        }
    }

    @Test
    void greyPngIsReplicatedWithoutGammaConversion() throws IOException {
        BufferedImage im = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_GRAY);
        im.getRaster().setSamples(0, 0, 4, 1, 0, new int[]{0, 50, 128, 255});
        Image out = ImageLoader.load(png("grey.png", im));
        for (int k = 0; k < 3; k++) {
            assertThat(new float[]{out.get(k, 0, 0), out.get(k, 0, 1), out.get(k, 0, 2), out.get(k, 0, 3)})
                    .containsExactly(0f, level(50), level(128), 1f);
        }
    }

    @Test
    void sixteenBitPngKeepsTheHighByte() throws IOException {
        BufferedImage im = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        im.getRaster().setSamples(0, 0, 2, 1, 0, new int[]{0xABCD, 0x01FF});
        Image out = ImageLoader.load(png("grey16.png", im));
        assertThat(out.get(1, 0, 0)).isEqualTo(level(0xAB));
        assertThat(out.get(2, 0, 1)).isEqualTo(level(0x01));
    }

    @Test
    void oneBitPngStretchesToFullRange() throws IOException {
        BufferedImage im = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_BINARY);
        im.getRaster().setSamples(0, 0, 2, 1, 0, new int[]{0, 1});
        Image out = ImageLoader.load(png("bits.png", im));
        assertThat(out.get(0, 0, 0)).isEqualTo(0f);
        assertThat(out.get(0, 0, 1)).isEqualTo(1f);
    }

    @Test
    void palettePngIsExpandedAndItsAlphaDropped() throws IOException {
        byte[] r = {10, 20, (byte) 200}, g = {30, 40, (byte) 210}, b = {50, 60, (byte) 220}, a = {(byte) 255, 0, (byte) 128};
        IndexColorModel icm = new IndexColorModel(8, 3, r, g, b, a);
        BufferedImage im = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_INDEXED, icm);
        im.getRaster().setSamples(0, 0, 3, 1, 0, new int[]{2, 1, 0});
        Image out = ImageLoader.load(png("palette.png", im));
        assertThat(new float[]{out.get(0, 0, 0), out.get(1, 0, 0), out.get(2, 0, 0)}).containsExactly(level(200), level(210), level(220));
        // fully transparent entry: its colour is kept, not composited onto anything
        assertThat(new float[]{out.get(0, 0, 1), out.get(1, 0, 1), out.get(2, 0, 1)}).containsExactly(level(20), level(40), level(60));
    }

    @Test
    void rgbaPngDropsAlphaWithoutPremultiplying() throws IOException {
        BufferedImage im = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        im.setRGB(0, 0, 0x00 << 24 | 90 << 16 | 100 << 8 | 110);
        Image out = ImageLoader.load(png("rgba.png", im));
        assertThat(out.data()).containsExactly(level(90), level(100), level(110));
    }

    /** A JPEG of a w×h image whose left half is white and right half black, optionally with an EXIF orientation. */
    private Path halfWhiteJpeg(String name, int w, int h, int orientation) throws IOException {
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < h; y++) for (int x = 0; x < w / 2; x++) im.setRGB(x, y, 0xFFFFFF);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        ImageIO.write(im, "jpg", bos);
        byte[] jpeg = bos.toByteArray();
        if (orientation > 0) jpeg = TestImages.withExifOrientation(jpeg, orientation);
        Path p = dir.resolve(name);
        Files.write(p, jpeg);
        return p;
    }

    private static boolean white(Image im, int y, int x) {
        return im.get(0, y, x) > 0.9f && im.get(1, y, x) > 0.9f && im.get(2, y, x) > 0.9f;
    }

    @Test
    void jpegWithoutExifDecodesUpright() throws IOException {
        Image out = ImageLoader.load(halfWhiteJpeg("plain.jpg", 64, 32, 0));
        assertThat(out.w()).isEqualTo(64);
        assertThat(out.h()).isEqualTo(32);
        assertThat(white(out, 16, 4)).isTrue();
        assertThat(white(out, 16, 60)).isFalse();
    }

    @Test
    void exifOrientationTurnsTheImageUpright() throws IOException {
        // 6: stored rotated 90° anticlockwise; shown turned clockwise, so the left half lands on top.
        Image six = ImageLoader.load(halfWhiteJpeg("six.jpg", 64, 32, 6));
        assertThat(six.w()).isEqualTo(32);
        assertThat(six.h()).isEqualTo(64);
        assertThat(white(six, 4, 16)).isTrue();
        assertThat(white(six, 60, 16)).isFalse();
        // 8: the other way: left half at the bottom.
        Image eight = ImageLoader.load(halfWhiteJpeg("eight.jpg", 64, 32, 8));
        assertThat(eight.h()).isEqualTo(64);
        assertThat(white(eight, 60, 16)).isTrue();
        assertThat(white(eight, 4, 16)).isFalse();
        // 3: rotated 180°: left half on the right.
        Image three = ImageLoader.load(halfWhiteJpeg("three.jpg", 64, 32, 3));
        assertThat(three.w()).isEqualTo(64);
        assertThat(white(three, 16, 60)).isTrue();
        assertThat(white(three, 16, 4)).isFalse();
    }

    @Test
    void orientationTransformsMapCornersExactly() {
        // 3x2 image with distinct values; check each of the eight EXIF transforms on its corners
        Image im = new Image(1, 2, 3, new float[]{1, 2, 3, 4, 5, 6});
        assertThat(Exif.orient(im, 1).data()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(Exif.orient(im, 2).data()).containsExactly(3, 2, 1, 6, 5, 4);
        assertThat(Exif.orient(im, 3).data()).containsExactly(6, 5, 4, 3, 2, 1);
        assertThat(Exif.orient(im, 4).data()).containsExactly(4, 5, 6, 1, 2, 3);
        assertThat(Exif.orient(im, 5).data()).containsExactly(1, 4, 2, 5, 3, 6);
        assertThat(Exif.orient(im, 6).data()).containsExactly(4, 1, 5, 2, 6, 3);
        assertThat(Exif.orient(im, 7).data()).containsExactly(6, 3, 5, 2, 4, 1);
        assertThat(Exif.orient(im, 8).data()).containsExactly(3, 6, 2, 5, 1, 4);
        assertThat(Exif.orient(im, 6).w()).isEqualTo(2);
    }

    @Test
    void malformedExifMeansUpright() {
        byte[] jpeg = TestImages.withExifOrientation(new byte[]{(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9}, 6);
        assertThat(Exif.orientation(jpeg)).isEqualTo(6);
        byte[] bad = jpeg.clone();
        bad[12] = 'X'; // not a TIFF byte order
        assertThat(Exif.orientation(bad)).isEqualTo(1);
        byte[] cut = Arrays.copyOf(jpeg, 20); // segment longer than the file
        assertThat(Exif.orientation(cut)).isEqualTo(1);
        byte[] nine = TestImages.withExifOrientation(new byte[]{(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9}, 9);
        assertThat(Exif.orientation(nine)).isEqualTo(1);
    }

    @Test
    void h1v2UpsamplingIsLibjpegTurbosTriangleFilter() {
        // chroma rows 10, 50, 90 repeated in pairs (libjpeg 6b), 5 output rows (odd height)
        int[] repeated = {10, 10, 50, 50, 90};
        int[] out = JpegChroma.h1v2(repeated, 1, 5);
        // row 2i: (3c[i] + c[i-1] + 1) >> 2; row 2i+1: (3c[i] + c[i+1] + 2) >> 2; edges repeat themselves
        assertThat(out).containsExactly((30 + 10 + 1) >> 2, (30 + 50 + 2) >> 2, (150 + 10 + 1) >> 2, (150 + 90 + 2) >> 2,
                (270 + 50 + 1) >> 2);
    }

    @Test
    void frameHeaderDecidesTheH1v2Path() throws IOException {
        byte[] jpeg = Files.readAllBytes(halfWhiteJpeg("f.jpg", 16, 16, 0));
        JpegChroma.Frame f = JpegChroma.frame(jpeg);
        assertThat(f).isNotNull();
        assertThat(f.components()).isEqualTo(3);
        assertThat(f.ycc()).isTrue();
        assertThat(f.needsH1v2()).isFalse(); // ImageIO writes 4:2:0
        assertThat(new JpegChroma.Frame(3, new int[]{1, 1, 1}, new int[]{2, 1, 1}, true).needsH1v2()).isTrue();
        assertThat(new JpegChroma.Frame(3, new int[]{2, 1, 1}, new int[]{2, 1, 1}, true).needsH1v2()).isFalse();
        assertThat(new JpegChroma.Frame(3, new int[]{1, 1, 1}, new int[]{2, 1, 1}, false).needsH1v2()).isFalse();
    }

    // ---- bad files: one line naming the file and what is wrong ----

    private static void assertOneLineError(Path file, String... fragments) {
        assertThatThrownBy(() -> ImageLoader.load(file))
                .isInstanceOf(VesselsException.class)
                .hasMessageStartingWith(file.toString() + ": ")
                .hasMessageContainingAll(fragments)
                .hasMessageNotContaining("\n");
    }

    @Test
    void missingFile() {
        assertOneLineError(dir.resolve("nope.jpg"), "no such image file");
    }

    @Test
    void directory() {
        assertOneLineError(dir, "is a directory");
    }

    @Test
    void zeroByteFile() throws IOException {
        Path p = Files.createFile(dir.resolve("empty.jpg"));
        assertOneLineError(p, "empty file", "not a JPEG or PNG image");
    }

    @Test
    void textFileNamedJpg() throws IOException {
        Path p = Files.writeString(dir.resolve("notes.jpg"), "this is not an image\n");
        assertOneLineError(p, "not a JPEG or PNG image");
    }

    @Test
    void otherImageFormatsAreRejected() throws IOException {
        BufferedImage im = new BufferedImage(4, 4, BufferedImage.TYPE_3BYTE_BGR);
        Path p = dir.resolve("pic.bmp");
        ImageIO.write(im, "bmp", p.toFile());
        assertOneLineError(p, "not a JPEG or PNG image");
    }

    @Test
    void truncatedJpeg() throws IOException {
        byte[] full = Files.readAllBytes(halfWhiteJpeg("full.jpg", 64, 64, 0));
        Path half = Files.write(dir.resolve("half.jpg"), Arrays.copyOf(full, full.length / 2));
        assertOneLineError(half, "truncated or corrupt JPEG image");
        Path headerOnly = Files.write(dir.resolve("head.jpg"), Arrays.copyOf(full, 3));
        assertOneLineError(headerOnly, "truncated or corrupt JPEG image");
    }

    @Test
    void corruptJpegBody() throws IOException {
        byte[] junk = new byte[4000];
        new java.util.Random(7).nextBytes(junk);
        junk[0] = (byte) 0xFF;
        junk[1] = (byte) 0xD8;
        junk[2] = (byte) 0xFF;
        assertOneLineError(Files.write(dir.resolve("junk.jpg"), junk), "JPEG image");
    }

    @Test
    void truncatedPng() throws IOException {
        BufferedImage im = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) im.setRGB(x, y, x * 0x010203 ^ y * 0x030201);
        byte[] full = Files.readAllBytes(png("full.png", im));
        assertOneLineError(Files.write(dir.resolve("half.png"), Arrays.copyOf(full, full.length / 2)), "truncated or corrupt PNG image");
        assertOneLineError(Files.write(dir.resolve("sig.png"), Arrays.copyOf(full, 8)), "PNG image");
    }

    @Test
    void cmykJpegIsUnsupported() throws IOException {
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 16, 4, null);
        Path p = dir.resolve("cmyk.jpg");
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream os = ImageIO.createImageOutputStream(p.toFile())) {
            w.setOutput(os);
            w.write(new IIOImage(r, null, null));
        } finally {
            w.dispose();
        }
        assertOneLineError(p, "unsupported JPEG colour space", "convert it to RGB");
    }

    @Test
    void preprocessLetterboxesToTheNetworkInput() throws IOException {
        BufferedImage im = new BufferedImage(8, 4, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 4; y++) for (int x = 0; x < 8; x++) im.setRGB(x, y, 0xFF0000);
        float[] in = Preprocess.forNetwork(png("red.png", im), new Shape(3, 8, 8));
        assertThat(in).hasSize(3 * 8 * 8);
        assertThat(in[0]).isEqualTo(Letterbox.FILL);            // top grey band (rows 0-1)
        assertThat(in[2 * 8 + 3]).isEqualTo(1f, within(1e-6f)); // red channel inside the image
        assertThat(in[64 + 2 * 8 + 3]).isEqualTo(0f, within(1e-6f));
    }

    @Test
    void preprocessRefusesNonRgbNetworks() throws IOException {
        Path p = png("one.png", new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB));
        assertThatThrownBy(() -> Preprocess.forNetwork(p, new Shape(1, 28, 28)))
                .isInstanceOf(VesselsException.class)
                .hasMessageContaining("3 channels");
    }
}
