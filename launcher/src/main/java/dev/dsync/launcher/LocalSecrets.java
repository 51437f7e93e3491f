package dev.dsync.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/** A secret taken from the environment, or generated once and kept under {@code .dsync/} for the next start. */
public record LocalSecrets(String value, boolean generated, Path file) {

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * The secret as a client of a running stack finds it: from the environment, else as {@code ./dsync up} kept it
     * in {@code file}; null when neither has it.
     */
    public static String find(String fromEnvironment, Path file) throws IOException {
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment.trim();
        }
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8).trim() : null;
    }

    static LocalSecrets resolve(String fromEnvironment, Path file, String prefix) throws IOException {
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return new LocalSecrets(fromEnvironment.trim(), false, null);
        }
        if (Files.exists(file)) {
            return new LocalSecrets(find(null, file), true, file);
        }
        StringBuilder secret = new StringBuilder(prefix);
        for (int i = 0; i < 32; i++) {
            secret.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, secret + "\n", StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system; the file stays readable by its owner as created
        }
        return new LocalSecrets(secret.toString(), true, file);
    }
}
