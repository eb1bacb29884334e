package dev.vessels.core.kernels;

import dev.vessels.core.layers.Activation;

/** Applies an activation in place over x[off, off+n). */
public final class Activations {
    private Activations() {}

    public static void apply(Activation a, float[] x, int off, int n) {
        applyPlain(a, x, off, n);
    }

    public static void applyPlain(Activation a, float[] x, int off, int n) {
        if (a == Activation.LINEAR) return;
        for (int i = off; i < off + n; i++) x[i] = a.apply(x[i]);
    }
}
