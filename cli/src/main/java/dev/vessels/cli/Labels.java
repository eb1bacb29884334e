package dev.vessels.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import dev.vessels.core.VesselsException;

final class Labels {
    private Labels() {}

    static String[] read(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip).toArray(String[]::new);
        } catch (NoSuchFileException e) {
            throw new VesselsException(file + ": labels file not found");
        } catch (IOException e) {
            throw new VesselsException(file + ": cannot read labels: " + e.getMessage());
        }
    }
}
