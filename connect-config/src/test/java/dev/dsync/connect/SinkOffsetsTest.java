package dev.dsync.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The requests the offsets reset makes, against a stand-in for Connect's REST API that answers as Connect 4.x does.
 * The reset of real sinks (their consumer groups, a replay into a new database) is tested against a real worker in
 * the embedded module ({@code ConnectWorkerRestartTest}).
 */
class SinkOffsetsTest {

    /** Connect's answer to DELETE offsets while the sink's consumer group still has members. */
    private static final String GROUP_BUSY = "{\"error_code\":500,\"message\":\"Failed to reset consumer group offsets"
            + " for connector dsync-users-sink either because its tasks haven't stopped completely yet or the connector"
            + " was resumed before the request to reset its offsets could be successfully completed. If the connector"
            + " is in a stopped state, this operation can be safely retried.\"}";

    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger busyAnswers = new AtomicInteger();
    private volatile String state = "RUNNING";
    private volatile int offsetsStatus = 200;
    private volatile String offsetsBody = "{\"message\":\"The offsets for this connector have been reset successfully\"}";
    private HttpServer server;
    private SinkOffsets offsets;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/connectors/", this::handle);
        server.start();
        offsets = new SinkOffsets(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String call = exchange.getRequestMethod() + " " + path;
        requests.add(call);
        int status;
        String body = "";
        if (call.endsWith("/stop")) {
            state = "STOPPED";
            status = 202;
        } else if (call.endsWith("/resume")) {
            state = "RUNNING";
            status = 202;
        } else if (call.startsWith("GET") && path.endsWith("/status")) {
            status = 200;
            body = "{\"name\":\"x\",\"connector\":{\"state\":\"" + state + "\",\"worker_id\":\"w\"},\"tasks\":[]}";
        } else if (call.startsWith("DELETE") && path.endsWith("/offsets")) {
            if (busyAnswers.getAndDecrement() > 0) {
                status = 500;
                body = GROUP_BUSY;
            } else {
                status = offsetsStatus;
                body = offsetsBody;
            }
        } else {
            status = 404;
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    @Test
    void stopsDeletesTheOffsetsAndResumesEachConnectorInTurn() {
        offsets.reset(List.of("dsync-users-sink", "dsync-groups-sink"), Duration.ofSeconds(10));
        assertThat(requests).containsExactly(
                "PUT /connectors/dsync-users-sink/stop",
                "GET /connectors/dsync-users-sink/status",
                "DELETE /connectors/dsync-users-sink/offsets",
                "PUT /connectors/dsync-users-sink/resume",
                "PUT /connectors/dsync-groups-sink/stop",
                "GET /connectors/dsync-groups-sink/status",
                "DELETE /connectors/dsync-groups-sink/offsets",
                "PUT /connectors/dsync-groups-sink/resume");
    }

    @Test
    void waitsWhileTheConsumerGroupStillHasMembers() {
        busyAnswers.set(2);    // a dead worker's member, until its session times out
        offsets.reset(List.of("dsync-users-sink"), Duration.ofSeconds(10));
        assertThat(requests).containsExactly(
                "PUT /connectors/dsync-users-sink/stop",
                "GET /connectors/dsync-users-sink/status",
                "DELETE /connectors/dsync-users-sink/offsets",
                "DELETE /connectors/dsync-users-sink/offsets",
                "DELETE /connectors/dsync-users-sink/offsets",
                "PUT /connectors/dsync-users-sink/resume");
    }

    @Test
    void givesUpWhenTheGroupStaysBusyAndNeverResumes() {
        busyAnswers.set(Integer.MAX_VALUE);
        assertThatThrownBy(() -> offsets.reset(List.of("dsync-users-sink"), Duration.ofMillis(1200)))
                .hasMessageContaining("cannot reset the offsets of connector dsync-users-sink: HTTP 500")
                .hasMessageContaining("another Connect worker");
        assertThat(requests).doesNotContain("PUT /connectors/dsync-users-sink/resume");
    }

    @Test
    void anyOtherRefusalFailsAtOnceWithConnectsMessage() {
        offsetsStatus = 400;
        offsetsBody = "{\"error_code\":400,\"message\":\"Connectors must be in the STOPPED state before their offsets"
                + " can be modified.\"}";
        assertThatThrownBy(() -> offsets.reset(List.of("dsync-users-sink"), Duration.ofSeconds(10)))
                .hasMessage("cannot reset the offsets of connector dsync-users-sink: HTTP 400 Connectors must be in"
                        + " the STOPPED state before their offsets can be modified.");
        assertThat(requests).filteredOn(r -> r.startsWith("DELETE")).hasSize(1);
        assertThat(requests).doesNotContain("PUT /connectors/dsync-users-sink/resume");
    }
}
