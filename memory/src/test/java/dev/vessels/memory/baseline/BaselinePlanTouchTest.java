package dev.vessels.memory.baseline;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.vessels.core.Network;

/**
 * The baseline plan's per-layer touches, Darknet's work at every layer of a prediction: before
 * layer i runs, its {@code delta} is zeroed, its batch-norm copy {@code x} is taken from its output
 * and its max-pool indexes are set to −1, whatever the buffers held. (Session 8 removed an option
 * to split these touches over threads; this keeps the touches themselves tested.)
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
    void everyLayersTouchesHappenBeforeItRuns() throws Exception {
        Network net = Network.parse("touch", CFG);
        BaselinePlan plan = new BaselinePlan(net);
        float[][] deltas = (float[][]) field(plan, "delta"), xs = (float[][]) field(plan, "bnX");
        float[][] outputs = (float[][]) field(plan, "outputs");
        int[][] indexes = (int[][]) field(plan, "indexes");
        for (int i = 0; i < net.layers().size(); i++) {
            dirty(plan, 31L * i);
            plan.beforeLayer(i);
            if (deltas[i] != null) assertThat(deltas[i]).as("layer %d delta", i).containsOnly(0f);
            if (xs[i] != null) assertThat(xs[i]).as("layer %d x", i).isEqualTo(outputs[i]);
            if (indexes[i] != null) assertThat(indexes[i]).as("layer %d indexes", i).containsOnly(-1);
        }
        // Every kind of touch was seen: x for the batch-normalized convolution, indexes for the pool.
        assertThat(xs[0]).isNotNull();
        assertThat(indexes[1]).isNotNull();
        assertThat(deltas[0]).isNotNull();
    }

    /** Fills every delta, x, index and output buffer of the plan with seeded garbage. */
    private static void dirty(BaselinePlan plan, long seed) throws Exception {
        Random r = new Random(seed);
        for (String f : new String[]{"delta", "bnX", "outputs"}) {
            for (float[] a : (float[][]) field(plan, f)) {
                if (a != null) for (int k = 0; k < a.length; k++) a[k] = r.nextFloat() + 1f; // never 0
            }
        }
        for (int[] a : (int[][]) field(plan, "indexes")) {
            if (a != null) for (int k = 0; k < a.length; k++) a[k] = r.nextInt(1000);
        }
    }

    private static Object field(BaselinePlan plan, String name) throws Exception {
        Class<?> c = name.equals("outputs") ? plan.getClass().getSuperclass() : plan.getClass();
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(plan);
    }
}
