package dev.vessels.memory.baseline;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Parallel;

/**
 * The baseline plan's per-layer touches (delta zeroed, batch-norm copy {@code x} taken from the
 * output, max-pool indexes set to −1) split over two threads leave every buffer exactly as the
 * one-thread touches do, on every kind of layer.
 */
class BaselinePlanTouchTest {
    static final String CFG = """
            [net]
            width=128
            height=128
            channels=3
            [convolutional]
            batch_normalize=1
            filters=8
            size=3
            stride=1
            pad=1
            activation=leaky
            [maxpool]
            size=2
            stride=2
            [convolutional]
            filters=4
            size=1
            activation=relu
            [dropout]
            probability=0.5
            [connected]
            output=10
            """;

    @Test
    void twoThreadTouchesEqualOneThreadTouches() throws Exception {
        Network net = Network.parse("touch", CFG);
        BaselinePlan serial = new BaselinePlan(net), split = new BaselinePlan(net);
        try (Parallel two = new Parallel(2)) {
            for (int i = 0; i < net.layers().size(); i++) {
                long seed = 31L * i;
                dirty(serial, seed);
                dirty(split, seed);
                serial.beforeLayer(i);
                split.beforeLayer(i, two, 0); // split whatever the size
                for (String f : new String[]{"delta", "bnX", "indexes", "outputs"}) {
                    assertThat(Arrays.deepEquals(field(serial, f), field(split, f))).as("layer %d, %s", i, f).isTrue();
                }
                // The touches did happen: delta zero, x a copy of the output, indexes -1.
                float[] delta = ((float[][]) field(split, "delta"))[i], x = ((float[][]) field(split, "bnX"))[i];
                int[] indexes = ((int[][]) field(split, "indexes"))[i];
                if (delta != null) assertThat(delta).as("layer %d delta", i).containsOnly(0f);
                if (x != null) assertThat(x).as("layer %d x", i).isEqualTo(((float[][]) field(split, "outputs"))[i]);
                if (indexes != null) assertThat(indexes).as("layer %d indexes", i).containsOnly(-1);
            }
        }
        // Every kind of touch was seen: x and indexes exist for layers 0 and 1.
        assertThat(((float[][]) field(split, "bnX"))[0]).isNotNull();
        assertThat(((int[][]) field(split, "indexes"))[1]).isNotNull();
    }

    /** Fills every delta, x, index and output buffer of the plan with seeded garbage. */
    private static void dirty(BaselinePlan plan, long seed) throws Exception {
        Random r = new Random(seed);
        for (String f : new String[]{"delta", "bnX", "outputs"}) {
            for (float[] a : (float[][]) field(plan, f)) {
                if (a != null) for (int k = 0; k < a.length; k++) a[k] = r.nextFloat();
            }
        }
        for (int[] a : (int[][]) field(plan, "indexes")) {
            if (a != null) for (int k = 0; k < a.length; k++) a[k] = r.nextInt();
        }
    }

    private static Object[] field(BaselinePlan plan, String name) throws Exception {
        Class<?> c = name.equals("outputs") ? plan.getClass().getSuperclass() : plan.getClass();
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return (Object[]) f.get(plan);
    }
}
