package dev.vessels.core.zoo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.vessels.core.VesselsException;

/**
 * Class names, one per line, line {@code i} naming class {@code i} (Darknet's {@code get_labels}
 * and its {@code .names} files). Trailing white space and a final empty line are dropped; an empty
 * line inside the file is an error, because every later name would silently shift by one.
 * Without a labels file, {@link #indices(int)} names each class by its index: Vessels ships no
 * ImageNet names it could not vouch for.
 */
public final class Labels {
    private final String source;       // file path or "built-in ...", for messages
    private final List<String> names;  // [classes]

    private Labels(String source, List<String> names) {
        this.source = source;
        this.names = List.copyOf(names);
    }

    /** Reads a labels file; every failure is one line naming the file (and line). */
    public static Labels load(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(file.toString(), in);
        } catch (NoSuchFileException e) {
            throw new VesselsException(file + ": labels file not found");
        } catch (IOException e) {
            if (Files.isDirectory(file)) throw new VesselsException(file + ": is a directory, not a labels file");
            throw new VesselsException(file + ": cannot read labels: " + e.getMessage());
        }
    }

    /** COCO's 80 object classes, in the order of Darknet's coco.names (yolov3's class indices). */
    public static Labels coco() {
        try (InputStream in = Labels.class.getResourceAsStream("coco.names")) {
            if (in == null) throw new IllegalStateException("resource coco.names is missing from the classpath");
            return read("built-in coco.names", in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read built-in coco.names", e);
        }
    }

    /** Classes named "0", "1", … for when no labels file is given. */
    public static Labels indices(int classes) {
        List<String> l = new ArrayList<>(classes);
        for (int i = 0; i < classes; i++) l.add(Integer.toString(i));
        return new Labels("class indices", l);
    }

    static Labels read(String source, InputStream in) throws IOException {
        // Strict decoding: a binary file given by mistake fails here instead of yielding garbage names.
        Reader r = new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
        List<String> names = new ArrayList<>();
        int blankLine = -1; // first empty line seen; an error only if a name follows it
        try (BufferedReader br = new BufferedReader(r)) {
            String line;
            int no = 0;
            while ((line = br.readLine()) != null) {
                no++;
                String name = line.strip();
                if (name.isEmpty()) {
                    if (blankLine < 0) blankLine = no;
                    continue;
                }
                if (blankLine > 0) {
                    throw new VesselsException(source + ":" + blankLine + ": empty line inside a labels file (class "
                            + names.size() + " would have no name and every later class would shift)");
                }
                names.add(name);
            }
        } catch (CharacterCodingException e) {
            throw new VesselsException(source + ": not a text labels file (invalid UTF-8)");
        }
        if (names.isEmpty()) throw new VesselsException(source + ": labels file is empty (expected one class name per line)");
        return new Labels(source, names);
    }

    public int size() {
        return names.size();
    }

    public String name(int classIndex) {
        if (classIndex < 0 || classIndex >= names.size()) {
            throw new IndexOutOfBoundsException("class " + classIndex + " of " + names.size() + " in " + source);
        }
        return names.get(classIndex);
    }

    public List<String> names() {
        return names;
    }

    public String source() {
        return source;
    }

    /** Fails unless there is a name for each of the network's {@code classes} outputs. */
    public Labels requireCovers(int classes, String model) {
        if (names.size() < classes) {
            throw new VesselsException(source + ": " + names.size() + " labels, but " + model + " predicts " + classes
                    + " classes (one name per line needed for each)");
        }
        return this;
    }
}
