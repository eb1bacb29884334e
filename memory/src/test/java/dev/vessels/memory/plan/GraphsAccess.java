package dev.vessels.memory.plan;

import dev.vessels.core.Network;

/** Lets tests in other packages build networks from cfg text. */
public final class GraphsAccess {
    private GraphsAccess() {}

    public static Network cfg(String body) {
        return Graphs.cfg(body);
    }
}
