package dev.vessels.bench.onnx;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The protobuf wire format, just as much of it as an ONNX model needs: varints, 32-bit floats and
 * length-delimited fields. Small messages are built in memory with {@link Msg}; the exporter streams
 * the large weight tensors itself, which is why lengths are computed rather than buffered.
 */
final class Pb {
    static final int VARINT = 0, LEN = 2, FIXED32 = 5;

    private Pb() {}

    static int varintSize(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    static void varint(OutputStream out, long v) throws IOException {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    static void tag(OutputStream out, int field, int wire) throws IOException {
        varint(out, ((long) field << 3) | wire);
    }

    static int tagSize(int field) {
        return varintSize((long) field << 3);
    }

    /** A message under construction; {@link #bytes()} is its encoding without tag or length. */
    static final class Msg {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        Msg i64(int field, long v) {
            try {
                tag(buf, field, VARINT);
                varint(buf, v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Msg f32(int field, float v) {
            try {
                tag(buf, field, FIXED32);
                int b = Float.floatToRawIntBits(v);
                buf.write(b);
                buf.write(b >>> 8);
                buf.write(b >>> 16);
                buf.write(b >>> 24);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Msg bytes(int field, byte[] v) {
            try {
                tag(buf, field, LEN);
                varint(buf, v.length);
                buf.write(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Msg str(int field, String v) {
            return bytes(field, v.getBytes(StandardCharsets.UTF_8));
        }

        Msg msg(int field, Msg m) {
            return bytes(field, m.bytes());
        }

        byte[] bytes() {
            return buf.toByteArray();
        }
    }
}
