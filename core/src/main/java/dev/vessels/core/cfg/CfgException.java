package dev.vessels.core.cfg;

import dev.vessels.core.VesselsException;

/** A problem in a Darknet .cfg file; the message starts with {@code file:line:}. */
public final class CfgException extends VesselsException {
    public CfgException(String file, int line, String message) {
        super(file + ":" + line + ": " + message);
    }
}
