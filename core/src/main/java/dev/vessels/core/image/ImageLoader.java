package dev.vessels.core.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

import dev.vessels.core.VesselsException;

/**
 * Decodes a JPEG or PNG file into an RGB {@link Image} with values in [0, 1], as Darknet's
 * {@code load_image_color} does through OpenCV's {@code imread(file, IMREAD_COLOR)}: grey images are
 * replicated into three channels, palettes expanded, alpha dropped (not composited), 16-bit samples
 * cut to their high byte, a JPEG's EXIF orientation applied, and each 8-bit value v stored as
 * {@code (float) (v / 255.0)}.
 *
 * <p>Decoding uses only the JDK (javax.imageio), whose JPEG decoder is IJG libjpeg 6b rather than
 * Darknet's libjpeg-turbo. The two share the integer IDCT and colour conversion, and the one place
 * they differ, half-height chroma, is redone here as libjpeg-turbo does it ({@link JpegChroma}), so
 * for baseline and progressive JPEGs the pixels match Darknet's; PNG pixels are identical. Every
 * failure is a {@link VesselsException} whose one-line message starts with the file name.
 */
public final class ImageLoader {
    /** Largest image accepted: the decoded RGB floats must fit one Java array. */
    static final long MAX_PIXELS = (Integer.MAX_VALUE - 8) / 3;

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private ImageLoader() {}

    /** Loads {@code file} as a 3×H×W RGB image. */
    public static Image load(Path file) {
        byte[] bytes = readFile(file);
        String format = sniff(bytes);
        if (format == null) {
            throw new VesselsException(file + ": " + (bytes.length == 0 ? "empty file, " : "") + "not a JPEG or PNG image");
        }
        if (format.equals("png")) return toRgb(file, format, decode(file, format, bytes, r -> r.read(0)));
        JpegChroma.Frame frame = JpegChroma.frame(bytes);
        Image rgb;
        if (frame != null && frame.needsH1v2()) {
            rgb = JpegChroma.toRgb(decode(file, format, bytes, r -> r.readRaster(0, null)), frame);
        } else {
            rgb = toRgb(file, format, decode(file, format, bytes, r -> r.read(0)));
        }
        return Exif.orient(rgb, Exif.orientation(bytes));
    }

    private static byte[] readFile(Path file) {
        try {
            if (Files.isDirectory(file)) throw new VesselsException(file + ": is a directory, not an image file");
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new VesselsException(file + ": no such image file");
        } catch (AccessDeniedException e) {
            throw new VesselsException(file + ": permission denied");
        } catch (IOException e) {
            throw new VesselsException(file + ": cannot read image file: " + oneLine(e));
        } catch (OutOfMemoryError e) {
            throw new VesselsException(file + ": image file too large to read");
        }
    }

    /** "jpeg", "png" or null, from the file's first bytes (the extension is not trusted). */
    static String sniff(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) return "jpeg";
        if (b.length >= PNG_SIGNATURE.length) {
            for (int i = 0; i < PNG_SIGNATURE.length; i++) {
                if (b[i] != PNG_SIGNATURE[i]) return null;
            }
            return "png";
        }
        return null;
    }

    /** One way of reading image 0 from a prepared reader. */
    @FunctionalInterface
    private interface Reading<T> {
        T read(ImageReader reader) throws IOException;
    }

    private static <T> T decode(Path file, String format, byte[] bytes, Reading<T> reading) {
        String kind = format.equals("jpeg") ? "JPEG" : "PNG";
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
        if (!readers.hasNext()) throw new VesselsException(file + ": this JDK has no " + kind + " decoder");
        ImageReader reader = readers.next();
        List<String> warnings = new ArrayList<>();
        // A memory-backed stream: ImageIO's default would spill the bytes into a temporary file.
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            // The JPEG decoder reports a truncated or damaged stream as a warning and fills the rest
            // with grey; we refuse such an image rather than predict on half a picture.
            reader.addIIOReadWarningListener((src, msg) -> warnings.add(msg));
            long w = reader.getWidth(0);
            long h = reader.getHeight(0);
            if (w < 1 || h < 1 || w * h > MAX_PIXELS) {
                throw new VesselsException(file + ": " + kind + " image of " + w + "x" + h + " pixels is empty or too large (at most "
                        + MAX_PIXELS + " pixels)");
            }
            T decoded = reading.read(reader);
            if (!warnings.isEmpty()) {
                throw new VesselsException(file + ": truncated or corrupt " + kind + " image (" + warnings.get(0) + ")");
            }
            return decoded;
        } catch (VesselsException e) {
            throw e;
        } catch (IOException e) {
            String msg = String.valueOf(e.getMessage());
            if (msg.contains("Unsupported Image Type") || msg.contains("Unsupported JPEG process")) {
                throw new VesselsException(file + ": unsupported " + kind + " colour space or coding (" + oneLine(e)
                        + "); convert it to an RGB or greyscale image");
            }
            throw new VesselsException(file + ": truncated or corrupt " + kind + " image (" + oneLine(e) + ")");
        } catch (RuntimeException e) {
            // ImageIO's decoders throw unchecked exceptions on some malformed streams.
            throw new VesselsException(file + ": corrupt " + kind + " image (" + oneLine(e) + ")");
        } catch (OutOfMemoryError e) {
            throw new VesselsException(file + ": " + kind + " image too large to decode in this heap");
        } finally {
            reader.dispose();
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) m = e.getClass().getSimpleName();
        return m.replaceAll("\\s+", " ").trim();
    }

    /** The decoded raster's own samples, without any colour management, as planar RGB floats. */
    private static Image toRgb(Path file, String format, BufferedImage bi) {
        int w = bi.getWidth();
        int h = bi.getHeight();
        int plane = w * h; // fits: w·h ≤ MAX_PIXELS
        float[] data = new float[3 * plane]; // [3][h][w]
        Raster r = bi.getRaster();
        ColorModel cm = bi.getColorModel();
        int[] row = new int[w];
        if (cm instanceof IndexColorModel icm) {
            int n = icm.getMapSize();
            float[][] lut = new float[3][n]; // palette entry → channel value
            for (int i = 0; i < n; i++) {
                lut[0][i] = level(icm.getRed(i));
                lut[1][i] = level(icm.getGreen(i));
                lut[2][i] = level(icm.getBlue(i));
            }
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int idx = Math.min(row[x], n - 1);
                    for (int k = 0; k < 3; k++) data[k * plane + y * w + x] = lut[k][idx];
                }
            }
            return new Image(3, h, w, data);
        }
        ColorSpace cs = cm.getColorSpace();
        int colours = cm.getNumColorComponents();
        int[] bands;
        if (cs.getType() == ColorSpace.TYPE_RGB && colours == 3) {
            bands = new int[]{0, 1, 2};
        } else if (cs.getType() == ColorSpace.TYPE_GRAY && colours == 1) {
            bands = new int[]{0, 0, 0};
        } else {
            throw new VesselsException(file + ": unsupported " + (format.equals("jpeg") ? "JPEG" : "PNG") + " colour space "
                    + spaceName(cs.getType()) + " (" + colours + " colour components); convert it to RGB or greyscale");
        }
        for (int k = 0; k < 3; k++) {
            int band = bands[k];
            if (k > 0 && band == bands[k - 1]) { // greyscale: replicate the plane
                System.arraycopy(data, (k - 1) * plane, data, k * plane, plane);
                continue;
            }
            int bits = cm.getComponentSize(band);
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, band, row);
                int o = k * plane + y * w;
                for (int x = 0; x < w; x++) data[o + x] = level(to8(row[x], bits));
            }
        }
        return new Image(3, h, w, data);
    }

    private static String spaceName(int type) {
        return switch (type) {
            case ColorSpace.TYPE_CMYK -> "CMYK";
            case ColorSpace.TYPE_CMY -> "CMY";
            case ColorSpace.TYPE_YCbCr -> "YCbCr";
            case ColorSpace.TYPE_RGB -> "RGB";
            case ColorSpace.TYPE_GRAY -> "grey";
            default -> "type " + type;
        };
    }

    /** A sample of the given bit depth as 8 bits, the way libpng hands it to OpenCV. */
    private static int to8(int v, int bits) {
        if (bits == 8) return v;
        if (bits > 8) return v >>> (bits - 8);       // png_set_strip_16: keep the high byte
        return v * 255 / ((1 << bits) - 1);          // 1, 2, 4-bit grey: 0…max stretched to 0…255
    }

    /** Darknet's {@code data[...] / 255.} computed in double and stored as float. */
    private static float level(int v8) {
        return (float) (v8 / 255.0);
    }
}
