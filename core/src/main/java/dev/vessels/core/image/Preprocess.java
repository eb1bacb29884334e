package dev.vessels.core.image;

import java.nio.file.Path;

import dev.vessels.core.VesselsException;
import dev.vessels.core.layers.Shape;

/** What {@code darknet classifier predict} and {@code detector test} feed the network for an image file. */
public final class Preprocess {
    private Preprocess() {}

    /**
     * Loads {@code image} and letterboxes it to the network input's width and height.
     *
     * @return the network input, 3×H×W planar floats in [0, 1]
     * @throws VesselsException if the file is not a readable JPEG/PNG, or the network does not take a 3-channel image
     */
    public static float[] forNetwork(Path image, Shape input) {
        if (input.c() != 3 || input.h() < 1 || input.w() < 1) {
            throw new VesselsException(image + ": an image can only feed a network whose input is 3 channels (RGB) of HxW, this one takes "
                    + input.c() + "x" + input.h() + "x" + input.w());
        }
        return Letterbox.apply(ImageLoader.load(image), input.w(), input.h()).data();
    }
}
