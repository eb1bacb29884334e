package dev.vessels.core.layers;

import dev.vessels.core.cfg.Section;

/** Small parsing helpers shared by the layer classes. */
final class LayerParsers {
    private LayerParsers() {}

    static Activation activation(Section s, String def) {
        String name = s.getString("activation", def);
        Activation a = Activation.parse(name);
        if (a == null) {
            throw s.error("activation", "unknown activation '" + name + "' (Darknet has: " + Activation.names() + ")");
        }
        return a;
    }

    /** Resolves a Darknet layer reference: negative values count back from {@code index}. */
    static int layerRef(Section s, String key, int ref, int index) {
        int abs = ref < 0 ? index + ref : ref;
        if (abs < 0 || abs >= index) {
            throw s.error(key, "'" + key + "' refers to layer " + ref + (ref < 0 ? " (= " + abs + ")" : "")
                    + ", but layer " + index + " can only use layers 0.." + (index - 1));
        }
        return abs;
    }
}
