package dev.vessels.core;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;

import dev.vessels.core.cfg.CfgReader;

/** Builds networks from cfg text in tests. */
public final class TestNets {
    private TestNets() {}

    public static Network parse(String cfgText) {
        try {
            return Network.parse("test.cfg", CfgReader.read("test.cfg", new StringReader(cfgText)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
