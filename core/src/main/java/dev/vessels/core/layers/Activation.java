package dev.vessels.core.layers;

import java.util.Arrays;
import java.util.Locale;

/**
 * Every activation of Darknet's {@code activations.h}, with its exact formula. Unlike Darknet,
 * which silently falls back to ReLU for an unknown name, {@link #parse} rejects it.
 */
public enum Activation {
    LOGISTIC, LOGGY, RELU, ELU, SELU, RELIE, RAMP, LINEAR, TANH, PLSE, LEAKY, STAIR, HARDTAN, LHTAN;

    public static Activation parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public static String names() {
        return String.join(", ", Arrays.stream(values()).map(a -> a.name().toLowerCase(Locale.ROOT)).toList());
    }

    public String cfgName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The scalar formula; the plain-loop twin of {@link dev.vessels.core.kernels.Activations}. */
    public float apply(float x) {
        return switch (this) {
            case LINEAR -> x;
            case LOGISTIC -> (float) (1. / (1. + Math.exp(-x)));
            case LOGGY -> (float) (2. / (1. + Math.exp(-x)) - 1);
            case RELU -> x * (x > 0 ? 1 : 0);
            case ELU -> (x >= 0 ? x : 0) + (x < 0 ? (float) (Math.exp(x) - 1) : 0);
            case SELU -> (x >= 0 ? 1.0507f * x : 0) + (x < 0 ? 1.0507f * 1.6732f * (float) (Math.exp(x) - 1) : 0);
            case RELIE -> x > 0 ? x : .01f * x;
            case RAMP -> x * (x > 0 ? 1 : 0) + .1f * x;
            case LEAKY -> x > 0 ? x : .1f * x;
            case TANH -> (float) ((Math.exp(2 * x) - 1) / (Math.exp(2 * x) + 1));
            case PLSE -> x < -4 ? .01f * (x + 4) : x > 4 ? .01f * (x - 4) + 1 : .125f * x + .5f;
            case STAIR -> {
                int n = (int) Math.floor(x);
                yield n % 2 == 0 ? (float) Math.floor(x / 2.) : (float) ((x - n) + Math.floor(x / 2.));
            }
            case HARDTAN -> x < -1 ? -1 : x > 1 ? 1 : x;
            case LHTAN -> x < 0 ? .001f * x : x > 1 ? .001f * (x - 1) + 1 : x;
        };
    }
}
