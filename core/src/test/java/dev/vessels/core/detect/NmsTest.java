package dev.vessels.core.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class NmsTest {
    static Detection det(float x, float y, float w, float h, float obj, float... probs) {
        return new Detection(new Box(x, y, w, h), obj, probs);
    }

    @Test
    void identicalBoxesKeepOnlyTheMostProbable() {
        Detection a = det(0.5f, 0.5f, 0.2f, 0.2f, 0.9f, 0.6f);
        Detection b = det(0.5f, 0.5f, 0.2f, 0.2f, 0.9f, 0.8f);
        List<Detection> r = Nms.sortNms(List.of(a, b), 1, Nms.DEFAULT_THRESH);
        assertThat(r).extracting(d -> d.probs()[0]).containsExactly(0.8f, 0f);
    }

    @Test
    void identicalBoxesWithEqualProbabilityKeepTheFirst() {
        Detection a = det(0.5f, 0.5f, 0.2f, 0.2f, 0.9f, 0.7f);
        Detection b = det(0.5f, 0.5f, 0.2f, 0.2f, 0.8f, 0.7f);
        List<Detection> r = Nms.sortNms(List.of(a, b), 1, Nms.DEFAULT_THRESH);
        // the stable sort keeps a first, so a survives and b is suppressed
        assertThat(r).extracting(Detection::objectness).containsExactly(0.9f, 0.8f);
        assertThat(r).extracting(d -> d.probs()[0]).containsExactly(0.7f, 0f);
    }

    @Test
    void disjointBoxesAreAllKept() {
        Detection a = det(0.2f, 0.2f, 0.1f, 0.1f, 1, 0.6f);
        Detection b = det(0.8f, 0.8f, 0.1f, 0.1f, 1, 0.9f);
        List<Detection> r = Nms.sortNms(List.of(a, b), 1, Nms.DEFAULT_THRESH);
        assertThat(r).extracting(d -> d.probs()[0]).containsExactly(0.9f, 0.6f);
    }

    @Test
    void iouExactlyAtTheThresholdIsNotSuppressed() {
        // [0,4]x[0,1] and [0,2]x[0,1]: intersection 2, union 4, IoU exactly 0.5
        Detection big = det(2, 0.5f, 4, 1, 1, 0.9f);
        Detection half = det(1, 0.5f, 2, 1, 1, 0.8f);
        assertThat(big.box().iou(half.box())).isEqualTo(0.5f);
        assertThat(Nms.sortNms(List.of(big, half), 1, 0.5f)).extracting(d -> d.probs()[0]).containsExactly(0.9f, 0.8f);
        assertThat(Nms.sortNms(List.of(big, half), 1, Math.nextDown(0.5f))).extracting(d -> d.probs()[0])
                .containsExactly(0.9f, 0f);
    }

    @Test
    void suppressionIsPerClass() {
        // same box, class 0 and class 1 each keep their own best
        Detection a = det(0.5f, 0.5f, 0.2f, 0.2f, 1, 0.9f, 0.6f);
        Detection b = det(0.5f, 0.5f, 0.2f, 0.2f, 1, 0.7f, 0.8f);
        List<Detection> r = Nms.sortNms(List.of(a, b), 2, Nms.DEFAULT_THRESH);
        // final order is by the last class: b (0.8) then a
        assertThat(r.get(0).probs()).containsExactly(0f, 0.8f);
        assertThat(r.get(1).probs()).containsExactly(0.9f, 0f);
    }

    @Test
    void aSuppressedBoxSuppressesNothing() {
        // A-B overlap (IoU 0.6), B-C overlap (0.6), A-C overlap 0.2: A and C survive, B does not.
        Detection a = det(0.5f, 0.5f, 1, 1, 1, 0.9f);   // [0,1]
        Detection b = det(0.75f, 0.5f, 1, 1, 1, 0.8f);  // [0.25,1.25]
        Detection c = det(1.0f, 0.5f, 1, 1, 1, 0.7f);   // [0.5,1.5]
        assertThat(a.box().iou(b.box())).isGreaterThan(0.45f);
        assertThat(b.box().iou(c.box())).isGreaterThan(0.45f);
        assertThat(a.box().iou(c.box())).isLessThan(0.45f);
        List<Detection> r = Nms.sortNms(List.of(c, b, a), 1, Nms.DEFAULT_THRESH);
        assertThat(r).extracting(d -> d.probs()[0]).containsExactly(0.9f, 0f, 0.7f);
    }

    @Test
    void zeroObjectnessIsRemovedTheDarknetWayBeforeTheStableSort() {
        // Darknet swaps a zero-objectness entry with the last live one: [Z, B, C] -> [C, B] (Z dropped).
        // With all probabilities equal the stable sort then keeps [C, B], not the input's [B, C].
        Detection z = det(0.1f, 0.1f, 0.1f, 0.1f, 0, 0f);
        Detection b = det(0.5f, 0.1f, 0.1f, 0.1f, 0.6f, 0.6f);
        Detection c = det(0.9f, 0.1f, 0.1f, 0.1f, 0.7f, 0.6f);
        List<Detection> r = Nms.sortNms(List.of(z, b, c), 1, Nms.DEFAULT_THRESH);
        assertThat(r).extracting(Detection::objectness).containsExactly(0.7f, 0.6f);
    }

    @Test
    void detectionsWithNoProbabilityLeftStillTakePart() {
        // objectness > 0 but every class zeroed: kept in the list, sorted last, suppresses nothing.
        Detection none = det(0.5f, 0.5f, 0.2f, 0.2f, 0.6f, 0f);
        Detection some = det(0.5f, 0.5f, 0.2f, 0.2f, 0.7f, 0.7f);
        List<Detection> r = Nms.sortNms(List.of(none, some), 1, Nms.DEFAULT_THRESH);
        assertThat(r).extracting(Detection::objectness).containsExactly(0.7f, 0.6f);
        assertThat(r.get(0).probs()).containsExactly(0.7f);
    }

    @Test
    void inputIsNotModified() {
        Detection a = det(0.5f, 0.5f, 0.2f, 0.2f, 1, 0.9f);
        Detection b = det(0.5f, 0.5f, 0.2f, 0.2f, 1, 0.8f);
        Nms.sortNms(List.of(a, b), 1, Nms.DEFAULT_THRESH);
        assertThat(b.probs()).containsExactly(0.8f);
    }

    @Test
    void emptyAndAllZeroInputs() {
        assertThat(Nms.sortNms(List.of(), 80, Nms.DEFAULT_THRESH)).isEmpty();
        assertThat(Nms.sortNms(List.of(det(0, 0, 1, 1, 0, 0f)), 1, Nms.DEFAULT_THRESH)).isEmpty();
    }

    @Test
    void mergeSortIsStableAndDescending() {
        List<Detection> in = new ArrayList<>();
        float[] p = {0.3f, 0.9f, 0.3f, 0.5f, 0.9f, 0.1f, 0.3f};
        for (int i = 0; i < p.length; i++) in.add(det(i, 0, 0.01f, 0.01f, i + 1, p[i]));
        List<Detection> r = Nms.sortNms(in, 1, Nms.DEFAULT_THRESH);
        // objectness identifies the input position (i + 1)
        assertThat(r).extracting(Detection::objectness).containsExactly(2f, 5f, 4f, 1f, 3f, 7f, 6f);
    }

    @Test
    void nanProbabilitiesDoNotBreakTheSort() {
        List<Detection> in = new ArrayList<>();
        for (int i = 0; i < 40; i++) in.add(det(i, 0, 0.5f, 0.5f, 1, i % 3 == 0 ? Float.NaN : i / 40f));
        assertThat(Nms.sortNms(in, 1, Nms.DEFAULT_THRESH)).hasSize(40);
    }
}
