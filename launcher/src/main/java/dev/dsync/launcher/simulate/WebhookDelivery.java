package dev.dsync.launcher.simulate;

import dev.dsync.events.signature.SignatureVerifier;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Delivers events the way WorkOS's sender does: concurrently, reordered within a window, some twice, some
 * minutes of event time late, with unrelated events mixed in, and retrying whatever got a 503 or no answer.
 */
public final class WebhookDelivery {

    public record Faults(int reorderWindow, double duplicateRate, double lateRate, int lateBy, double otherEventRate) {
        public static Faults realistic() {
            return new Faults(25, 0.05, 0.03, 300, 0.02);
        }
    }

    public record Stats(long planned, long accepted, long duplicates, long late, long otherEvents, long retries,
                        long failed, double seconds) {
    }

    private final URI endpoint;
    private final String secret;
    private final int concurrency;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public WebhookDelivery(URI endpoint, String secret, int concurrency) {
        this.endpoint = endpoint;
        this.secret = secret;
        this.concurrency = concurrency;
    }

    public Stats deliver(List<byte[]> events, Faults faults, long seed, PrintStream progress) throws InterruptedException {
        Random random = new Random(seed);
        List<byte[]> plan = new ArrayList<>(events);
        for (int start = 0; start < plan.size(); start += faults.reorderWindow()) {
            Collections.shuffle(plan.subList(start, Math.min(plan.size(), start + faults.reorderWindow())), random);
        }
        long late = 0;
        for (int i = 0; i < plan.size() - faults.lateBy(); i++) {
            if (random.nextDouble() < faults.lateRate()) {
                byte[] delayed = plan.remove(i);
                plan.add(Math.min(plan.size(), i + faults.lateBy() / 2 + random.nextInt(faults.lateBy())), delayed);
                late++;
            }
        }
        long duplicates = 0;
        long others = 0;
        List<byte[]> withFaults = new ArrayList<>(plan.size() * 11 / 10);
        for (int i = 0; i < plan.size(); i++) {
            withFaults.add(plan.get(i));
            if (random.nextDouble() < faults.otherEventRate()) {
                withFaults.add(otherEvent(seed, i));
                others++;
            }
        }
        for (int i = 0; i < plan.size(); i++) {
            if (random.nextDouble() < faults.duplicateRate()) {
                int at = Math.min(withFaults.size(), i + 1 + random.nextInt(100));
                withFaults.add(at, plan.get(i));
                duplicates++;
            }
        }

        AtomicLong accepted = new AtomicLong();
        AtomicLong retries = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Semaphore window = new Semaphore(concurrency * 2);
        long started = System.nanoTime();
        Progress bar = new Progress(progress, withFaults.size(), started);
        try (ExecutorService senders = Executors.newFixedThreadPool(concurrency)) {
            for (byte[] body : withFaults) {
                window.acquire();
                senders.submit(() -> {
                    try {
                        if (send(body, retries)) {
                            accepted.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                        }
                        bar.update(accepted.get() + failed.get(), retries.get());
                    } finally {
                        window.release();
                    }
                });
            }
        }
        bar.finish(accepted.get() + failed.get(), retries.get());
        return new Stats(withFaults.size(), accepted.get(), duplicates, late, others, retries.get(), failed.get(),
                (System.nanoTime() - started) / 1e9);
    }

    /** Sends until the gateway takes the event (200), retrying 503s and lost connections with backoff. */
    private boolean send(byte[] body, AtomicLong retries) {
        long backoff = 100;
        for (int attempt = 0; attempt < 30; attempt++) {
            if (attempt > 0) {
                retries.incrementAndGet();
                sleep(backoff);
                backoff = Math.min(5_000, backoff * 2);
            }
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(endpoint)
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .header("WorkOS-Signature", SignatureVerifier.header(secret, System.currentTimeMillis(), body))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return true;
                }
                if (response.statusCode() != 503 && response.statusCode() != 429) {
                    System.err.println("\nsimulate: the gateway refused an event with " + response.statusCode() + " "
                            + response.body());
                    return false;
                }
            } catch (java.io.IOException e) {
                // no answer: WorkOS retries those too
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private static byte[] otherEvent(long seed, int i) {
        String type = i % 2 == 0 ? "connection.activated" : "user.created";
        return ("{\"object\":\"event\",\"id\":\"event_other_" + seed + "_" + i + "\",\"event\":\"" + type
                + "\",\"data\":{\"object\":\"connection\",\"id\":\"conn_" + i + "\",\"organization_id\":\"org_x\"},"
                + "\"created_at\":\"2026-06-09T08:15:09.802Z\",\"context\":{}}").getBytes(StandardCharsets.UTF_8);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A one-line progress bar on a terminal stream. */
    private static final class Progress {
        private final PrintStream out;
        private final long total;
        private final long started;
        private volatile long lastPrinted;

        Progress(PrintStream out, long total, long started) {
            this.out = out;
            this.total = total;
            this.started = started;
        }

        void update(long done, long retries) {
            long now = System.nanoTime();
            if (now - lastPrinted > 250_000_000L) {
                lastPrinted = now;
                print(done, retries);
            }
        }

        void finish(long done, long retries) {
            print(done, retries);
            out.println();
        }

        private synchronized void print(long done, long retries) {
            int width = 30;
            int filled = (int) (width * done / Math.max(1, total));
            double seconds = Math.max(0.001, (System.nanoTime() - started) / 1e9);
            out.printf("\r  [%s%s] %d/%d webhooks  %.0f/s  retries %d ", "#".repeat(filled), ".".repeat(width - filled),
                    done, total, done / seconds, retries);
            out.flush();
        }
    }
}
