package dev.vessels.core.image;

/** Test helpers for building image files (public: the Darknet conformance tests use them too). */
public final class TestImages {
    private TestImages() {}

    /**
     * A JPEG of {@code im} whose luma is sampled hY×vY times the chroma (1,1 = 4:4:4; 1,2 = 4:4:0;
     * 2,1 = 4:2:2; 2,2 = 4:2:0), checked by reading the frame header back.
     */
    public static void writeJpeg(java.awt.image.BufferedImage im, int hY, int vY, java.nio.file.Path out) throws java.io.IOException {
        javax.imageio.ImageWriter wr = javax.imageio.ImageIO.getImageWritersByFormatName("jpeg").next();
        try {
            javax.imageio.ImageWriteParam p = wr.getDefaultWriteParam();
            javax.imageio.metadata.IIOMetadata md = wr.getDefaultImageMetadata(new javax.imageio.ImageTypeSpecifier(im), p);
            String fmt = "javax_imageio_jpeg_image_1.0";
            org.w3c.dom.Element tree = (org.w3c.dom.Element) md.getAsTree(fmt);
            org.w3c.dom.NodeList comps = tree.getElementsByTagName("componentSpec");
            for (int i = 0; i < comps.getLength(); i++) {
                org.w3c.dom.Element c = (org.w3c.dom.Element) comps.item(i);
                c.setAttribute("HsamplingFactor", String.valueOf(i == 0 ? hY : 1));
                c.setAttribute("VsamplingFactor", String.valueOf(i == 0 ? vY : 1));
            }
            md.setFromTree(fmt, tree);
            java.nio.file.Files.deleteIfExists(out); // the stream below would not truncate an existing file
            try (javax.imageio.stream.ImageOutputStream os = javax.imageio.ImageIO.createImageOutputStream(out.toFile())) {
                wr.setOutput(os);
                wr.write(null, new javax.imageio.IIOImage(im, null, md), p);
            }
        } finally {
            wr.dispose();
        }
        JpegChroma.Frame f = JpegChroma.frame(java.nio.file.Files.readAllBytes(out));
        if (f == null || f.h()[0] != hY || f.v()[0] != vY || f.h()[1] != 1 || f.v()[1] != 1) {
            throw new IllegalStateException("the JPEG writer did not produce sampling " + hY + "x" + vY);
        }
    }

    /** Inserts an APP1 Exif segment (big-endian TIFF, IFD0 with one Orientation entry) after SOI. */
    public static byte[] withExifOrientation(byte[] jpeg, int orientation) {
        byte[] tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, // header, IFD0 at 8
                0, 1,                                  // one entry
                0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, // Orientation, SHORT, count 1
                0, 0, 0, 0};                           // no next IFD
        int len = 2 + 6 + tiff.length;
        byte[] out = new byte[jpeg.length + 2 + len];
        out[0] = (byte) 0xFF;
        out[1] = (byte) 0xD8;
        out[2] = (byte) 0xFF;
        out[3] = (byte) 0xE1;
        out[4] = (byte) (len >> 8);
        out[5] = (byte) len;
        System.arraycopy(new byte[]{'E', 'x', 'i', 'f', 0, 0}, 0, out, 6, 6);
        System.arraycopy(tiff, 0, out, 12, tiff.length);
        System.arraycopy(jpeg, 2, out, 12 + tiff.length, jpeg.length - 2);
        return out;
    }
}
