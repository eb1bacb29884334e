package dev.vessels.memory.plan;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;

import dev.vessels.core.Network;
import dev.vessels.core.cfg.CfgReader;

/** Tiny hand-built networks for planner tests. [maxpool] size=1 stride=1 is a parameter-free, scratch-free copy. */
final class Graphs {
    private Graphs() {}

    static final String COPY = "[maxpool]\nsize=1\nstride=1\npadding=0\n";

    static Network cfg(String body) {
        try {
            return Network.parse("test.cfg", CfgReader.read("test.cfg", new StringReader(body)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Input c×4×4 (16·c floats). */
    static Network net(int c, String... sections) {
        return cfg("[net]\nwidth=4\nheight=4\nchannels=" + c + "\n" + String.join("", sections));
    }
}
