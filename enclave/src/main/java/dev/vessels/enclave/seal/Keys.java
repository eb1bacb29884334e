package dev.vessels.enclave.seal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;

import dev.vessels.core.VesselsException;

/**
 * Key files: a 256-bit key written as 64 hex characters (either case). Leading and trailing white
 * space (a final newline, CRLF) is accepted; anything else is a one-line error that says what was
 * found, without echoing key material.
 */
public final class Keys {
    /** No real key file is longer; a larger one is certainly the wrong file (and is not read whole). */
    static final long MAX_KEY_FILE_BYTES = 4096;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private Keys() {}

    public static MasterKey read(Path file) {
        byte[] raw;
        try {
            if (Files.isDirectory(file)) throw new VesselsException(file + ": key file is a directory");
            long size = Files.size(file);
            if (size > MAX_KEY_FILE_BYTES) {
                throw new VesselsException(file + ": not a key file (" + size
                        + " bytes; a key file holds a 256-bit key as 64 hex characters)");
            }
            raw = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new VesselsException(file + ": key file not found (create one with 'vessels keygen --out " + file + "')");
        } catch (IOException e) {
            throw new VesselsException(file + ": cannot read key file: " + e.getMessage());
        }
        try {
            return parse(new String(raw, StandardCharsets.ISO_8859_1), file.toString());
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    /** Parses key-file text; {@code name} labels errors. */
    public static MasterKey parse(String text, String name) {
        String s = text.strip();
        if (s.length() != 2 * MasterKey.BYTES) {
            for (int i = 0; i < s.length(); i++) {
                if (Character.digit(s.charAt(i), 16) < 0) throw notHex(name, s, i);
            }
            throw new VesselsException(name + ": key file must hold a 256-bit key as 64 hex characters; found "
                    + s.length() + " hex characters");
        }
        byte[] key = new byte[MasterKey.BYTES];
        try {
            for (int i = 0; i < key.length; i++) {
                int hi = Character.digit(s.charAt(2 * i), 16), lo = Character.digit(s.charAt(2 * i + 1), 16);
                if (hi < 0) throw notHex(name, s, 2 * i);
                if (lo < 0) throw notHex(name, s, 2 * i + 1);
                key[i] = (byte) (hi << 4 | lo);
            }
            return MasterKey.of(key);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    private static VesselsException notHex(String name, String s, int i) {
        char c = s.charAt(i);
        String shown = c >= 0x21 && c < 0x7f ? "'" + c + "'" : String.format("byte 0x%02x", (int) c);
        return new VesselsException(name + ": key file must hold a 256-bit key as 64 hex characters; found " + shown
                + " at character " + (i + 1) + " (after leading white space)");
    }

    /**
     * Writes a fresh random key (SecureRandom) to {@code out}, readable and writable by its owner
     * only, and returns it. Refuses to overwrite an existing file: losing a key loses every model
     * sealed with it.
     */
    public static MasterKey generate(Path out) {
        byte[] raw = new byte[MasterKey.BYTES];
        new SecureRandom().nextBytes(raw);
        MasterKey key = MasterKey.of(raw);
        Arrays.fill(raw, (byte) 0);
        Path dir = out.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) throw new VesselsException(out + ": directory " + dir + " does not exist");
        try {
            // Created with the permissions in one step (no window in which the file is group/world
            // readable); the umask can only remove bits, so the result is at most rw-------.
            try {
                Files.createFile(out, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (UnsupportedOperationException notPosix) {
                Files.createFile(out);
                restrictToOwner(out);
            }
        } catch (FileAlreadyExistsException e) {
            throw new VesselsException(out + ": already exists; refusing to overwrite a key file (models sealed with it"
                    + " would be lost)");
        } catch (IOException e) {
            throw new VesselsException(out + ": cannot create key file: " + e.getMessage());
        }
        try (OutputStream os = Files.newOutputStream(out, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            os.write((key.hex() + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            try {
                Files.deleteIfExists(out);
            } catch (IOException ignored) {
                // the write failure is what the user needs to see
            }
            throw new VesselsException(out + ": cannot write key file: " + e.getMessage());
        }
        return key;
    }

    private static void restrictToOwner(Path p) {
        java.io.File f = p.toFile();
        boolean ok = f.setReadable(false, false) && f.setReadable(true, true)
                && f.setWritable(false, false) && f.setWritable(true, true) && f.setExecutable(false, false);
        if (!ok) throw new VesselsException(p + ": cannot restrict the key file's permissions to its owner");
    }
}
