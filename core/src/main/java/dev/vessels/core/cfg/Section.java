package dev.vessels.core.cfg;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One {@code [type]} section of a Darknet cfg with its {@code key=value} options, remembering the
 * line of each so that every error can name it. Typed getters mirror Darknet's
 * {@code option_find_*}; keys read through them are marked used, and {@link #checkKnown} rejects
 * keys that no getter and no known-but-ignored list accepted (Darknet prints "Unused field" and
 * carries on, which hides typos such as {@code fliters=}).
 */
public final class Section {
    /** One option, with the line it came from. */
    public record Option(String key, String value, int line) {}

    private final String file;
    private final String type; // without brackets, lower case: "convolutional"
    private final int line;
    private final Map<String, Option> options = new LinkedHashMap<>();
    private final Set<String> used = new TreeSet<>();

    public Section(String file, String type, int line) {
        this.file = file;
        this.type = type;
        this.line = line;
    }

    public String file() { return file; }
    public String type() { return type; }
    public int line() { return line; }
    public Map<String, Option> options() { return Collections.unmodifiableMap(options); }

    void put(String key, String value, int line) {
        if (options.containsKey(key)) {
            throw new CfgException(file, line, "duplicate key '" + key + "' in [" + type + "] (first set on line "
                    + options.get(key).line() + ")");
        }
        options.put(key, new Option(key, value, line));
    }

    public boolean has(String key) {
        return options.containsKey(key);
    }

    /** Marks keys that Darknet reads only for training (learning rate, jitter...) as accepted. */
    public void ignore(String... keys) {
        Collections.addAll(used, keys);
    }

    public String getString(String key, String def) {
        used.add(key);
        Option o = options.get(key);
        return o == null ? def : o.value();
    }

    public String requireString(String key) {
        used.add(key);
        Option o = options.get(key);
        if (o == null || o.value().isEmpty()) {
            throw error("[" + type + "] needs '" + key + "='");
        }
        return o.value();
    }

    public int getInt(String key, int def) {
        used.add(key);
        Option o = options.get(key);
        return o == null ? def : parseInt(o, o.value().trim());
    }

    public float getFloat(String key, float def) {
        used.add(key);
        Option o = options.get(key);
        return o == null ? def : parseFloat(o, o.value().trim());
    }

    /** A comma-separated list of integers, e.g. {@code layers=-1, 61}; null when absent. */
    public int[] getInts(String key) {
        used.add(key);
        Option o = options.get(key);
        if (o == null) return null;
        List<Integer> out = new ArrayList<>();
        for (String part : o.value().split(",")) {
            String t = part.trim();
            if (t.isEmpty()) continue;
            out.add(parseInt(o, t));
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A comma-separated list of floats, e.g. {@code anchors=10,13, 16,30}; null when absent. */
    public float[] getFloats(String key) {
        used.add(key);
        Option o = options.get(key);
        if (o == null) return null;
        List<Float> out = new ArrayList<>();
        for (String part : o.value().split(",")) {
            String t = part.trim();
            if (t.isEmpty()) continue;
            out.add(parseFloat(o, t));
        }
        float[] a = new float[out.size()];
        for (int i = 0; i < a.length; i++) a[i] = out.get(i);
        return a;
    }

    /** Throws on the first key nothing asked for, naming its line. */
    public void checkKnown() {
        for (Option o : options.values()) {
            if (!used.contains(o.key())) {
                throw new CfgException(file, o.line(), "unknown key '" + o.key() + "' in [" + type + "] (section at line "
                        + line + ")");
            }
        }
    }

    public CfgException error(String message) {
        return new CfgException(file, line, message);
    }

    public CfgException error(String key, String message) {
        Option o = options.get(key);
        return new CfgException(file, o == null ? line : o.line(), message);
    }

    private int parseInt(Option o, String t) {
        try {
            return Integer.parseInt(t);
        } catch (NumberFormatException e) {
            throw new CfgException(file, o.line(), "'" + o.key() + "' expects an integer, got '" + o.value() + "'");
        }
    }

    private float parseFloat(Option o, String t) {
        try {
            float f = Float.parseFloat(t);
            if (!Float.isFinite(f)) throw new NumberFormatException();
            return f;
        } catch (NumberFormatException e) {
            throw new CfgException(file, o.line(), "'" + o.key() + "' expects a number, got '" + o.value() + "'");
        }
    }
}
