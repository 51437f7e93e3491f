package dev.dsync.launcher.bench;

import java.nio.file.Path;

/**
 * A benchmark's working directory, deleted on close. Opened first in a try-with-resources, so it is closed last,
 * after the stack that writes into it has stopped.
 */
record WorkDir(Path path) implements AutoCloseable {

    @Override
    public void close() {
        TopologyBenchmark.deleteQuietly(path);
    }
}
