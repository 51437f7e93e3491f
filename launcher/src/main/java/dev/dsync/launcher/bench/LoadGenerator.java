package dev.dsync.launcher.bench;

import dev.dsync.events.signature.SignatureVerifier;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway benchmark's own load generator, run as a separate process so that it never shares a JVM (heap, JIT,
 * GC pauses) with the servers it measures. Every request is a fresh {@code dsync.user.created}. It speaks just
 * enough HTTP/1.1 over plain sockets (keep-alive, one request at a time per connection) to stay cheaper than the
 * servers it drives: the JDK's HttpClient could not hold a few thousand requests per second here.
 *
 * <p>{@code open URL SECRET RATE SECONDS RUN}: an open loop at a fixed rate over {@link #OPEN_LOOP_CONNECTIONS}
 * connections, the requests signed before the clock starts; each latency counts from the request's scheduled start,
 * so a slow response cannot hide the requests queued behind it (no coordinated omission).
 * {@code closed URL SECRET CONNECTIONS SECONDS RUN}: a closed loop, for peaks where wrk is not installed.
 * Prints one line: {@code RESULT <requests/s> <p50 ms> <p99 ms> <requests without a 200>}.
 */
public final class LoadGenerator {

    private static final int OPEN_LOOP_CONNECTIONS = 64;
    private static final ConcurrentHashMap<String, AtomicLong> FAILURES = new ConcurrentHashMap<>();

    private LoadGenerator() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 5 && args[0].equals("deliver")) {
            deliver(URI.create(args[1]), args[2], Integer.parseInt(args[3]), Path.of(args[4]));
            return;
        }
        if (args.length != 6 || !(args[0].equals("open") || args[0].equals("closed"))) {
            System.err.println("usage: LoadGenerator open|closed URL SECRET RATE|CONNECTIONS SECONDS RUN");
            System.err.println("       LoadGenerator deliver URL SECRET CONNECTIONS FILE");
            System.exit(2);
        }
        URI uri = URI.create(args[1]);
        String secret = args[2];
        int seconds = Integer.parseInt(args[4]);
        String prefix = "g" + args[5] + args[0].charAt(0) + ProcessHandle.current().pid();
        // a short unmeasured warm-up, with ids of its own, so the JIT has compiled this client before we measure
        closedLoop(uri, secret, 8, 2, prefix + "w");
        Result result = args[0].equals("open")
                ? openLoop(uri, secret, Double.parseDouble(args[3]), seconds, prefix)
                : closedLoop(uri, secret, Integer.parseInt(args[3]), seconds, prefix);
        if (!FAILURES.isEmpty()) {
            System.err.println("load generator: requests without a 200, by cause: " + FAILURES);
        }
        System.out.printf(Locale.ROOT, "RESULT %.1f %.3f %.3f %d%n", result.rate(), result.p50(), result.p99(),
                result.errors());
    }

    record Result(double rate, double p50, double p99, long errors) {
    }

    /**
     * Delivers every event of {@code file} (one JSON body per line) once, as WorkOS would: signed when sent, over
     * {@code connections} connections, each refused one (503, a dropped connection) sent again after 100 ms until
     * it is accepted. Prints {@code DELIVERED <events> <retries> <first send, epoch ms> <last 200, epoch ms>}.
     */
    private static void deliver(URI uri, String secret, int connections, Path file) throws Exception {
        List<byte[]> events = new ArrayList<>();
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            lines.forEach(l -> events.add(l.getBytes(StandardCharsets.UTF_8)));
        }
        AtomicInteger next = new AtomicInteger();
        AtomicLong retries = new AtomicLong();
        AtomicLong lastAck = new AtomicLong();
        long first = System.currentTimeMillis();
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < connections; c++) {
                senders.submit(() -> {
                    try (Connection connection = new Connection(uri)) {
                        for (int i = next.getAndIncrement(); i < events.size(); i = next.getAndIncrement()) {
                            while (!connection.post(request(uri, secret, events.get(i)))) {
                                retries.incrementAndGet();
                                Thread.sleep(100);
                            }
                            lastAck.accumulateAndGet(System.currentTimeMillis(), Math::max);
                        }
                    }
                    return null;
                });
            }
        }
        if (!FAILURES.isEmpty()) {
            System.err.println("sender: refusals that were retried, by cause: " + FAILURES);
        }
        System.out.printf(Locale.ROOT, "DELIVERED %d %d %d %d%n", events.size(), retries.get(), first, lastAck.get());
    }

    private static Result closedLoop(URI uri, String secret, int connections, int seconds, String prefix)
            throws Exception {
        LatencyRecorder latencies = new LatencyRecorder();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(seconds).toNanos();
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < connections; c++) {
                String sender = prefix + "c" + c + "x";
                senders.submit(() -> {
                    try (Connection connection = new Connection(uri)) {
                        for (long n = 0; System.nanoTime() < deadline; n++) {
                            byte[] request = request(uri, secret, GatewayBenchmark.userCreated(sender, n));
                            long began = System.nanoTime();
                            if (connection.post(request)) {
                                latencies.record(System.nanoTime() - began);
                            } else {
                                errors.incrementAndGet();
                            }
                        }
                    }
                    return null;
                });
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new Result(latencies.count() / elapsed, latencies.percentileMillis(0.5), latencies.percentileMillis(0.99),
                errors.get());
    }

    /**
     * {@code rate} requests/s spread over the connections, connection {@code k} owning the slots {@code k, k + K,
     * k + 2K, ...}: it waits for a slot's time if it is early and sends at once if it is late.
     */
    private static Result openLoop(URI uri, String secret, double rate, int seconds, String prefix) throws Exception {
        int total = (int) (rate * seconds);
        byte[][] requests = new byte[total][];
        for (int i = 0; i < total; i++) {
            requests[i] = request(uri, secret, GatewayBenchmark.userCreated(prefix, i));
        }
        LatencyRecorder latencies = new LatencyRecorder();
        AtomicLong errors = new AtomicLong();
        double intervalNanos = 1e9 / rate;
        long start = System.nanoTime() + 50_000_000; // time to open the connections
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int k = 0; k < OPEN_LOOP_CONNECTIONS; k++) {
                int first = k;
                senders.submit(() -> {
                    try (Connection connection = new Connection(uri)) {
                        for (int slot = first; slot < total; slot += OPEN_LOOP_CONNECTIONS) {
                            long scheduled = start + (long) (slot * intervalNanos);
                            long wait = scheduled - System.nanoTime();
                            if (wait > 0) {
                                Thread.sleep(Duration.ofNanos(wait));
                            }
                            if (connection.post(requests[slot])) {
                                latencies.record(System.nanoTime() - scheduled);
                            } else {
                                errors.incrementAndGet();
                            }
                        }
                    }
                    return null;
                });
            }
        }
        return new Result(latencies.count() / ((System.nanoTime() - start) / 1e9), latencies.percentileMillis(0.5),
                latencies.percentileMillis(0.99), errors.get());
    }

    /** Runs a LoadGenerator in a new JVM (same java, same class path) and returns what it printed. */
    static String spawn(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), LoadGenerator.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("the load generator failed: " + output);
        }
        return output;
    }

    private static byte[] request(URI uri, String secret, byte[] body) {
        String head = "POST " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nContent-Type: application/json\r\nWorkOS-Signature: "
                + SignatureVerifier.header(secret, System.currentTimeMillis(), body)
                + "\r\nContent-Length: " + body.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[h.length + body.length];
        System.arraycopy(h, 0, request, 0, h.length);
        System.arraycopy(body, 0, request, h.length, body.length);
        return request;
    }

    private static void failed(String cause) {
        FAILURES.computeIfAbsent(cause, k -> new AtomicLong()).incrementAndGet();
    }

    /** One keep-alive HTTP/1.1 connection, reopened after an error or a {@code Connection: close}. */
    private static final class Connection implements AutoCloseable {

        private final URI uri;
        private Socket socket;
        private InputStream in;
        private OutputStream out;

        Connection(URI uri) {
            this.uri = uri;
        }

        /** Sends one request and reads its whole response; true for a 200. */
        boolean post(byte[] request) {
            try {
                if (socket == null) {
                    socket = new Socket(uri.getHost(), uri.getPort());
                    socket.setTcpNoDelay(true);
                    in = new BufferedInputStream(socket.getInputStream(), 8192);
                    out = socket.getOutputStream();
                }
                out.write(request);
                out.flush();
                String status = line();
                long length = 0;
                boolean chunked = false;
                boolean close = false;
                for (String header = line(); !header.isEmpty(); header = line()) {
                    String h = header.toLowerCase(Locale.ROOT);
                    if (h.startsWith("content-length:")) {
                        length = Long.parseLong(h.substring(15).trim());
                    } else if (h.startsWith("transfer-encoding:") && h.contains("chunked")) {
                        chunked = true;
                    } else if (h.startsWith("connection:") && h.contains("close")) {
                        close = true;
                    }
                }
                if (chunked) {
                    for (long size = Long.parseLong(line().trim(), 16); size > 0; size = Long.parseLong(line().trim(), 16)) {
                        in.skipNBytes(size);
                        line();
                    }
                    line();
                } else {
                    in.skipNBytes(length);
                }
                if (close) {
                    close();
                }
                boolean ok = status.startsWith("HTTP/1.1 200");
                if (!ok) {
                    failed(status.length() >= 12 ? "HTTP " + status.substring(9, 12) : status);
                }
                return ok;
            } catch (IOException | RuntimeException e) {
                failed(e.getClass().getSimpleName());
                close();
                return false;
            }
        }

        private String line() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream(64);
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("connection closed");
                }
                if (b != '\r') {
                    line.write(b);
                }
            }
            return line.toString(StandardCharsets.US_ASCII);
        }

        @Override
        public void close() {
            try {
                if (socket != null) {
                    socket.close();
                }
            } catch (IOException e) {
                // closing anyway
            }
            socket = null;
        }
    }
}
