package dev.vessels.core;

/**
 * A failure caused by the user's input (a cfg, a weights file, an image, a flag) or environment,
 * reported as one line naming the file, line, layer or field at fault. The CLI prints
 * {@link #getMessage()} without a stack trace and exits non-zero.
 */
public class VesselsException extends RuntimeException {
    public VesselsException(String message) {
        super(message);
    }

    public VesselsException(String message, Throwable cause) {
        super(message, cause);
    }
}
