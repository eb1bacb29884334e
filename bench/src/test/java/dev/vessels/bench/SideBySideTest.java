package dev.vessels.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class SideBySideTest {
    @Test
    void relativeDifferenceIsOverTheReferenceMaximum() {
        assertThat(SideBySide.maxRelDiff(new float[]{1, 2, 4}, new float[]{1, 2, 3})).isEqualTo(1.0 / 3);
        assertThat(SideBySide.maxRelDiff(new float[]{1, 2}, new float[]{1, 2, 3})).isInfinite();
        assertThat(SideBySide.maxRelDiff(new float[]{Float.NaN, 2, 3}, new float[]{1, 2, 3})).isInfinite();
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(SideBySide.median(List.of(5.0, 1.0, 3.0))).isEqualTo(3.0);
        assertThat(SideBySide.median(List.of(4.0, 1.0, 2.0, 3.0))).isEqualTo(2.5);
    }

    @Test
    void optionsQuickKeepsExplicitValues() {
        SideBySide s = new SideBySide();
        s.parse(new String[]{"--runs", "7", "--quick"});
        assertThat(s.runs()).isEqualTo(7);
        assertThat(s.models()).isEqualTo(SideBySide.QUICK);
        assertThat(SideBySide.canonical("vgg16")).isEqualTo("vgg-16");
        assertThatThrownBy(() -> new SideBySide().parse(new String[]{"--models", "lenet"})).hasMessageContaining("unknown model lenet");
        assertThatThrownBy(() -> new SideBySide().parse(new String[]{"--runs", "0"})).hasMessageContaining("--runs must be >= 1");
    }
}
