package dev.vessels.core.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Darknet's letterbox_image / resize_image semantics on hand-computed cases; real-Darknet equality is in DarknetPreprocessConformanceTest. */
class LetterboxTest {

    @Test
    void landscapeImageFillsTheWidthAndIsCentredVertically() {
        // dog.jpg 768x576 into 416x416: 416/768 < 416/576, so new_w = 416, new_h = 576*416/768 = 312.
        assertThat(Letterbox.placement(768, 576, 416, 416)).isEqualTo(new Letterbox.Placement(416, 312, 0, 52));
        assertThat(Letterbox.placement(768, 576, 224, 224)).isEqualTo(new Letterbox.Placement(224, 168, 0, 28));
    }

    @Test
    void portraitImageFillsTheHeightWithIntegerDivisionAndTruncatedOffset() {
        // 500*416/700 = 297.14 -> 297; (416-297)/2 = 59.5 -> 59
        assertThat(Letterbox.placement(500, 700, 416, 416)).isEqualTo(new Letterbox.Placement(297, 416, 59, 0));
    }

    @Test
    void equalScalesTakeTheElseBranchLikeDarknet() {
        // 416/832 == 208/416: not "<", so new_h = h and new_w = im.w*h/im.h
        assertThat(Letterbox.placement(832, 416, 416, 208)).isEqualTo(new Letterbox.Placement(416, 208, 0, 0));
    }

    @Test
    void horizontalPassMapsEndpointsOntoEndpoints() {
        Image im = new Image(1, 1, 3, new float[]{0f, 1f, 0.25f});
        // w_scale = (3-1)/(5-1) = 0.5: sx = 0, .5, 1, 1.5, and the last column copies the last pixel
        assertThat(Letterbox.resize(im, 5, 1).data()).containsExactly(0f, 0.5f, 1f, 0.625f, 0.25f);
    }

    @Test
    void verticalPassInterpolatesRows() {
        Image im = new Image(1, 2, 1, new float[]{0.2f, 1f});
        // h_scale = 1/2: rows at sy = 0, 0.5, 1
        assertThat(Letterbox.resize(im, 1, 3).data()).containsExactly(0.2f, 0.6f, 1f);
    }

    @Test
    void lastRowKeepsOnlyTheUpperShareWhenRoundingLeavesItShort() {
        // Darknet's quirk: for the last target row it skips the (dy · next row) term. When float
        // rounding puts (h-1)·h_scale just below ih-1, that row is darkened by the factor (1 - dy).
        for (int ih = 3; ih < 2000; ih++) {
            for (int h = 2; h < 64; h++) {
                float hScale = (float) (ih - 1) / (h - 1);
                float sy = (h - 1) * hScale;
                int iy = (int) sy;
                if (iy == ih - 1) continue;
                float dy = sy - iy;
                float[] ones = new float[ih];
                java.util.Arrays.fill(ones, 1f);
                float[] out = Letterbox.resize(new Image(1, ih, 1, ones), 1, h).data();
                assertThat(out[h - 1]).as("last row of %d -> %d rows", ih, h).isEqualTo((1 - dy) * 1f).isLessThan(1f);
                assertThat(out[h - 2]).isEqualTo(1f, within(1e-6f));
                return;
            }
        }
        throw new AssertionError("no size pair exhibits the rounding case");
    }

    @Test
    void downscaleOfAConstantImageStaysConstant() {
        Image im = Image.filled(3, 37, 53, 0.7f);
        Image r = Letterbox.resize(im, 20, 11);
        for (int i = 0; i < r.data().length; i++) {
            int row = (i / 20) % 11;
            if (row != 10) assertThat(r.data()[i]).isEqualTo(0.7f, within(1e-6f));
        }
    }

    @Test
    void letterboxCentresOnGreyCanvas() {
        Image im = Image.filled(3, 2, 4, 1f);
        Image boxed = Letterbox.apply(im, 4, 4); // new 4x2 at dy = 1
        assertThat(boxed.c()).isEqualTo(3);
        for (int k = 0; k < 3; k++) {
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 4; x++) {
                    float want = (y == 1 || y == 2) ? 1f : Letterbox.FILL;
                    assertThat(boxed.get(k, y, x)).as("c%d y%d x%d", k, y, x).isEqualTo(want);
                }
            }
        }
    }

    @Test
    void letterboxKeepsChannelOrderAndPlanarLayout() {
        float[] d = new float[3 * 2 * 2];
        for (int k = 0; k < 3; k++) java.util.Arrays.fill(d, k * 4, k * 4 + 4, 0.1f * (k + 1));
        Image boxed = Letterbox.apply(new Image(3, 2, 2, d), 2, 2);
        assertThat(boxed.data()).containsExactly(0.1f, 0.1f, 0.1f, 0.1f, 0.2f, 0.2f, 0.2f, 0.2f, 0.3f, 0.3f, 0.3f, 0.3f);
    }

    @Test
    void extremelyElongatedImageLeavesTheCanvasGreyAsDarknetDoes() {
        Image line = Image.filled(3, 1, 1000, 1f); // new_h = 1*416/1000 = 0
        Image boxed = Letterbox.apply(line, 416, 416);
        for (float v : boxed.data()) assertThat(v).isEqualTo(Letterbox.FILL);
    }

    @Test
    void oneColumnTargetCopiesTheLastColumnAndOneRowTargetTheLastRow() {
        Image im = new Image(1, 2, 3, new float[]{0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f});
        assertThat(Letterbox.resize(im, 1, 2).data()).containsExactly(0.3f, 0.6f);
        assertThat(Letterbox.resize(im, 3, 1).data()).containsExactly(0.4f, 0.5f, 0.6f);
    }

    @Test
    void rejectsEmptySizes() {
        assertThatThrownBy(() -> Letterbox.placement(0, 5, 10, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Letterbox.resize(Image.filled(1, 2, 2, 0), 0, 2)).isInstanceOf(IllegalArgumentException.class);
    }
}
