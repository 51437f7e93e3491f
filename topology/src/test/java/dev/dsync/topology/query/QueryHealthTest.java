package dev.dsync.topology.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dsync.observe.Observability;
import dev.dsync.workos.CursorState;
import dev.dsync.workos.EventsApiSource;
import dev.dsync.workos.WorkosClient;
import io.helidon.webserver.WebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The query port's {@code /health/live} and {@code /health/ready}: the Streams client's state decides the status
 * code, and the WorkOS API source, whatever it reports, never does.
 */
class QueryHealthTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant T = Instant.parse("2026-06-09T08:15:09Z");
    static final EventsApiSource.Status FINE = new EventsApiSource.Status(true,
            new WorkosClient.Status(false, null, null, T), null, "event_1");
    static final EventsApiSource.Status REFUSED = new EventsApiSource.Status(true,
            new WorkosClient.Status(true, "unauthorized", "401 from /events", T), null, "event_1");
    static final EventsApiSource.Status GAP = new EventsApiSource.Status(false,
            new WorkosClient.Status(false, null, null, T), new CursorState.Gap("cursor_expired", T, T, T), null);

    final AtomicReference<KafkaStreams.State> state = new AtomicReference<>();
    final AtomicReference<Optional<EventsApiSource.Status>> workos = new AtomicReference<>(Optional.empty());
    final HttpClient http = HttpClient.newHttpClient();
    final List<AutoCloseable> open = new ArrayList<>();

    WebServer serve(boolean workosApi) {
        Observability observability = new Observability();
        WebServer server = WebServer.builder().host("127.0.0.1").port(0)
                .addFeature(observability.feature(QueryHealth.checks(state::get, workosApi, workos::get)))
                .build().start();
        open.add(observability);
        open.add(server::stop);
        return server;
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    record Health(int status, JsonNode body) {
        JsonNode check(String name) {
            for (JsonNode c : body.path("checks")) {
                if (c.path("name").asText().equals(name)) {
                    return c;
                }
            }
            return null;
        }
    }

    Health get(WebServer server, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        return new Health(r.statusCode(), JSON.readTree(r.body()));
    }

    @Test
    void theStreamsClientsStateAloneDecidesAndTheWorkosApiCheckNeverChangesTheStatusCode() throws Exception {
        WebServer server = serve(true);
        List<KafkaStreams.State> states = new ArrayList<>(Arrays.asList(KafkaStreams.State.values()));
        states.add(null);
        for (KafkaStreams.State s : states) {
            boolean live = s != KafkaStreams.State.ERROR && s != KafkaStreams.State.PENDING_ERROR;
            boolean ready = s == KafkaStreams.State.RUNNING;
            for (Optional<EventsApiSource.Status> w : List.of(Optional.<EventsApiSource.Status>empty(),
                    Optional.of(FINE), Optional.of(REFUSED), Optional.of(GAP))) {
                state.set(s);
                workos.set(w);
                String name = s == null ? "NOT_STARTED" : s.name();
                String as = name + " with WorkOS " + w;
                for (String path : List.of("/health/live", "/health/ready")) {
                    boolean up = path.endsWith("live") ? live : ready;
                    Health h = get(server, path);
                    assertThat(h.status()).as(as + " " + path).isEqualTo(up ? 200 : 503);
                    assertThat(h.body().path("status").asText()).as(as).isEqualTo(up ? "UP" : "DOWN");
                    assertThat(h.body().path("checks")).as(as).hasSize(2);
                    JsonNode streams = h.check("streams");
                    assertThat(streams.path("status").asText()).as(as).isEqualTo(up ? "UP" : "DOWN");
                    assertThat(streams.path("data").path("state").asText()).as(as).isEqualTo(name);
                    JsonNode api = h.check("workos_api");
                    assertThat(api.path("status").asText()).as(as).isEqualTo("UP");
                    JsonNode data = api.path("data");
                    if (w.equals(Optional.of(REFUSED))) {
                        assertThat(data.path("status").asText()).isEqualTo("DEGRADED");
                        assertThat(data.path("reason").asText()).isEqualTo("unauthorized");
                    } else if (w.equals(Optional.of(GAP))) {
                        assertThat(data.path("status").asText()).isEqualTo("DEGRADED");
                        assertThat(data.path("reason").asText()).isEqualTo("events_may_be_missing");
                    } else {
                        assertThat(data.path("status").asText()).isEqualTo("UP");
                        assertThat(data.path("reason").isNull()).as(as).isTrue();
                    }
                    assertThat(data.path("events_api_poller_here").isBoolean()).isTrue();
                    assertThat(data.path("events_api_poller_here").asBoolean())
                            .isEqualTo(w.map(EventsApiSource.Status::active).orElse(false));
                }
            }
        }
    }

    @Test
    void withoutAWorkosApiSourceOnlyTheStreamsClientIsReported() throws Exception {
        WebServer server = serve(false);
        state.set(KafkaStreams.State.RUNNING);
        Health ready = get(server, "/health/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.body().toString()).isEqualTo(
                "{\"status\":\"UP\",\"checks\":[{\"name\":\"streams\",\"status\":\"UP\",\"data\":{\"state\":\"RUNNING\"}}]}");
        state.set(KafkaStreams.State.REBALANCING);
        Health live = get(server, "/health/live");
        assertThat(live.status()).isEqualTo(200);
        assertThat(live.body().toString()).isEqualTo(
                "{\"status\":\"UP\",\"checks\":[{\"name\":\"streams\",\"status\":\"UP\",\"data\":{\"state\":\"REBALANCING\"}}]}");
        assertThat(get(server, "/health/ready").status()).isEqualTo(503);
    }
}
