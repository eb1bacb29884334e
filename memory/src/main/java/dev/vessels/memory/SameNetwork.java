package dev.vessels.memory;

import dev.vessels.core.weights.ParamSource;
import dev.vessels.memory.plan.MemoryPlan;

/** The check both on-demand providers make when built: the source and the plan describe the same network. */
final class SameNetwork {
    private SameNetwork() {}

    /** Same layer count and parameter count; a mismatch would read one model's weights into another's slots. */
    static void require(ParamSource src, MemoryPlan plan) {
        if (src.network().layers().size() != plan.network().layers().size()
                || src.network().paramFloats() != plan.network().paramFloats()) {
            throw new IllegalArgumentException("parameter source is for " + src.network().name() + ", plan for "
                    + plan.network().name());
        }
    }
}
