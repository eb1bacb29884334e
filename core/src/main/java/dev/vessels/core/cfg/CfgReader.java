package dev.vessels.core.cfg;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.vessels.core.VesselsException;

/**
 * Splits a Darknet cfg into sections, as Darknet's {@code read_cfg} does: {@code #} and {@code ;}
 * start comment lines, blank lines are skipped, spaces inside a line are removed, and a
 * {@code key=value} line before the first section is an error.
 */
public final class CfgReader {
    private CfgReader() {}

    public static List<Section> read(Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(file.toString(), r);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new VesselsException(file + ": not a text cfg file (invalid UTF-8)");
        } catch (java.nio.file.NoSuchFileException e) {
            throw new VesselsException(file + ": cfg file not found");
        } catch (IOException e) {
            throw new VesselsException(file + ": cannot read cfg: " + e.getMessage());
        }
    }

    public static List<Section> read(String name, Reader reader) throws IOException {
        List<Section> sections = new ArrayList<>();
        BufferedReader in = new BufferedReader(reader);
        String raw;
        int lineNo = 0;
        Section current = null;
        while ((raw = in.readLine()) != null) {
            lineNo++;
            // Darknet strips all white space (strip()), so "filters = 64" and "filters=64" are the same.
            String line = raw.replaceAll("\\s+", "");
            if (line.isEmpty() || line.charAt(0) == '#' || line.charAt(0) == ';') continue;
            if (line.charAt(0) == '[') {
                if (!line.endsWith("]") || line.length() < 3) {
                    throw new CfgException(name, lineNo, "malformed section header '" + raw.trim() + "'");
                }
                current = new Section(name, line.substring(1, line.length() - 1).toLowerCase(), lineNo);
                sections.add(current);
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new CfgException(name, lineNo, "expected 'key=value' or '[section]', got '" + raw.trim() + "'");
            }
            if (current == null) {
                throw new CfgException(name, lineNo, "option '" + line + "' before the first [section]");
            }
            current.put(line.substring(0, eq), line.substring(eq + 1), lineNo);
        }
        if (sections.isEmpty()) {
            throw new CfgException(name, Math.max(lineNo, 1), "no sections: not a Darknet cfg");
        }
        return sections;
    }
}
