package dev.dsync.gateway.ingest;

import dev.dsync.events.EventParser;
import dev.dsync.events.EventParser.InvalidEventException;
import dev.dsync.events.InputHeaders;
import dev.dsync.events.WorkosEvent;
import dev.dsync.events.signature.SignatureHeader;
import dev.dsync.events.signature.SignatureVerifier;
import dev.dsync.gateway.GatewayConfig;
import dev.dsync.gateway.operations.GatewayMetrics;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * {@code POST /webhooks/workos}: verify the signature over the exact received bytes, then write those bytes to
 * Kafka and answer 200 only once Kafka has acknowledged them.
 *
 * <p>Responses never say why a request was rejected beyond its status; the reason goes to the log (without
 * secrets, bodies or e-mail addresses) and to the {@code dsync_gateway_requests_total} metric.
 */
public final class WebhookService implements HttpService {

    public static final String PATH = "/webhooks/workos";


    private static final System.Logger LOG = System.getLogger(WebhookService.class.getName());
    private static final HeaderName SIGNATURE = HeaderNames.create("WorkOS-Signature");
    private static final String JSON = "application/json";

    private final GatewayConfig config;
    private final SignatureVerifier verifier;
    private final EventPublisher publisher;
    private final GatewayMetrics metrics;
    private final Semaphore inFlight;

    public WebhookService(GatewayConfig config, SignatureVerifier verifier, EventPublisher publisher,
                          GatewayMetrics metrics) {
        this.config = config;
        this.verifier = verifier;
        this.publisher = publisher;
        this.metrics = metrics;
        this.inFlight = new Semaphore(config.maxInFlight());
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post(PATH, this::receive)
                .any(PATH, (req, res) -> {
                    res.header(HeaderNames.ALLOW, "POST");
                    reject(res, Status.METHOD_NOT_ALLOWED_405, "method_not_allowed", "method " + req.prologue().method());
                });
    }

    private void receive(ServerRequest req, ServerResponse res) {
        // Overload degrades to 503 rather than to unbounded memory: at most maxInFlight bodies are held at once.
        if (!inFlight.tryAcquire()) {
            unavailable(res, "overloaded");
            return;
        }
        metrics.inFlight().incrementAndGet();
        try {
            handle(req, res);
        } finally {
            metrics.inFlight().decrementAndGet();
            inFlight.release();
        }
    }

    private void handle(ServerRequest req, ServerResponse res) {
        long receivedAt = System.currentTimeMillis();
        OptionalLong declared = req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > config.maxBodyBytes()) {
            reject(res, Status.REQUEST_ENTITY_TOO_LARGE_413, "body_too_large", "declared " + declared.getAsLong() + " bytes");
            return;
        }
        byte[] body;
        try (InputStream in = req.content().inputStream()) {
            body = in.readNBytes(config.maxBodyBytes() + 1);
        } catch (IOException | RuntimeException e) {
            reject(res, Status.BAD_REQUEST_400, "unreadable_body", e.getClass().getSimpleName());
            return;
        }
        if (body.length > config.maxBodyBytes()) {
            reject(res, Status.REQUEST_ENTITY_TOO_LARGE_413, "body_too_large", "more than " + config.maxBodyBytes() + " bytes");
            return;
        }

        String header = req.headers().first(SIGNATURE).orElse(null);
        SignatureVerifier.Outcome outcome = verifier.verify(header, body);
        if (outcome != SignatureVerifier.Outcome.VERIFIED) {
            reject(res, Status.UNAUTHORIZED_401, outcome.reason(), body.length + " bytes");
            return;
        }

        WorkosEvent event;
        try {
            event = EventParser.parse(body);
        } catch (InvalidEventException e) {
            reject(res, Status.BAD_REQUEST_400, e.reason(), body.length + " bytes, signature valid");
            return;
        }

        String directoryId = event.directoryId().orElse(null);
        boolean directorySync = directoryId != null;
        String topic = directorySync ? config.eventsTopic() : config.otherEventsTopic();
        String key = directorySync ? directoryId : event.id();
        long signedAt = SignatureHeader.parse(header).orElseThrow().timestampMillis();
        org.apache.kafka.common.header.Headers headers = new RecordHeaders()
                .add(InputHeaders.EVENT_ID, utf8(event.id()))
                .add(InputHeaders.EVENT_TYPE, utf8(event.type()))
                .add(InputHeaders.SIGNATURE_TIMESTAMP, utf8(Long.toString(signedAt)))
                .add(InputHeaders.RECEIVED_AT, utf8(Long.toString(receivedAt)))
                .add(InputHeaders.SOURCE, utf8(InputHeaders.WEBHOOK));
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, null, key, body, headers);

        long started = System.nanoTime();
        try {
            publisher.publish(record).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimeoutException) {
                unavailable(res, "kafka_timeout");
                return;
            }
            LOG.log(System.Logger.Level.WARNING, "Kafka did not store event {0} ({1}): {2}", event.id(), event.type(),
                    e.getCause().getClass().getSimpleName());
            unavailable(res, "kafka_error");
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unavailable(res, "interrupted");
            return;
        }
        metrics.produceLatency().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        String route = directorySync ? "directory_sync" : "other";
        metrics.request("accepted", route, 200);
        res.status(Status.OK_200).header(HeaderNames.CONTENT_TYPE, JSON)
                .send("{\"status\":\"accepted\",\"id\":" + EventParserJson.quote(event.id()) + "}");
    }

    private void reject(ServerResponse res, Status status, String reason, String detail) {
        metrics.request("rejected", reason, status.code());
        LOG.log(System.Logger.Level.WARNING, "Rejected webhook: status={0} reason={1} ({2})", status.code(), reason, detail);
        res.status(status).header(HeaderNames.CONTENT_TYPE, JSON)
                .send("{\"error\":\"" + errorCode(status) + "\"}");
    }

    private void unavailable(ServerResponse res, String reason) {
        metrics.request("rejected", reason, 503);
        LOG.log(System.Logger.Level.WARNING, "Webhook not stored, asking WorkOS to retry: reason={0}", reason);
        res.status(Status.SERVICE_UNAVAILABLE_503)
                .header(HeaderNames.RETRY_AFTER, Long.toString(config.retryAfter().toSeconds()))
                .header(HeaderNames.CONTENT_TYPE, JSON)
                .send("{\"error\":\"unavailable\"}");
    }

    private static String errorCode(Status status) {
        return switch (status.code()) {
            case 400 -> "invalid_event";
            case 401 -> "unauthorized";
            case 405 -> "method_not_allowed";
            case 413 -> "payload_too_large";
            default -> "error";
        };
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /** JSON string quoting for the event id echoed in the 200 response. */
    private static final class EventParserJson {
        static String quote(String value) {
            try {
                return EventParser.MAPPER.writeValueAsString(value);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
