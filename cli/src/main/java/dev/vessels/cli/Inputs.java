package dev.vessels.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import dev.vessels.core.VesselsException;
import dev.vessels.core.layers.Shape;

/** Reads prediction inputs: raw float32 tensors and images. */
final class Inputs {
    private Inputs() {}

    static float[] raw(Path file, Shape shape) {
        long want = shape.size() * 4;
        try {
            long size = Files.size(file);
            if (size != want) {
                throw new VesselsException(file + ": --input has " + size + " bytes, expected " + want + " ("
                        + shape.c() + "x" + shape.h() + "x" + shape.w() + " little-endian float32)");
            }
            float[] x = new float[(int) shape.size()];
            ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(x);
            for (int i = 0; i < x.length; i++) {
                if (!Float.isFinite(x[i])) throw new VesselsException(file + ": --input value " + i + " is " + x[i]);
            }
            return x;
        } catch (NoSuchFileException e) {
            throw new VesselsException(file + ": input file not found");
        } catch (IOException e) {
            throw new VesselsException(file + ": cannot read input: " + e.getMessage());
        }
    }

    static float[] image(Path file, Shape shape) {
        return dev.vessels.core.image.Preprocess.forNetwork(file, shape);
    }
}
