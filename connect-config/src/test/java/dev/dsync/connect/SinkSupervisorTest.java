package dev.dsync.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The backoff schedule, the failure summary that keeps secrets out of the log, and a supervisor that cannot reach
 * Connect. Restarting real failed tasks is tested against a real worker and PostgreSQL in the embedded module
 * ({@code SinkOutageTest}).
 */
class SinkSupervisorTest {

    private static final SinkSupervisor.Backoff DEFAULT = SinkSupervisor.Settings
            .defaults(URI.create("http://127.0.0.1:8083"), List.of("x")).backoff();

    @Test
    void backoffDoublesFromOneSecondToACapOfSixtySeconds() {
        List<Long> seconds = new ArrayList<>();
        for (int attempt = 1; attempt <= 9; attempt++) {
            seconds.add(DEFAULT.delay(attempt, 0.0).toSeconds());
        }
        assertThat(seconds).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L);
        // a supervisor left running for weeks against a dead database must not overflow into tiny or negative delays
        assertThat(DEFAULT.delay(Integer.MAX_VALUE, 0.0)).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void jitterOnlyShortensAndByAtMostHalf() {
        for (int attempt = 1; attempt <= 12; attempt++) {
            Duration ceiling = DEFAULT.ceiling(attempt);
            for (double random : new double[] {0.0, 0.25, 0.5, 0.999999}) {
                Duration d = DEFAULT.delay(attempt, random);
                assertThat(d).as("attempt %d, random %s", attempt, random)
                        .isLessThanOrEqualTo(ceiling)
                        .isGreaterThanOrEqualTo(ceiling.dividedBy(2));
            }
            assertThat(DEFAULT.delay(attempt, 0.5)).isLessThan(DEFAULT.delay(attempt, 0.0));
        }
        assertThat(DEFAULT.delay(3, 0.5)).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void aFailureIsSummarizedByItsExceptionClassesOnly() {
        String trace = """
                org.apache.kafka.connect.errors.ConnectException: Exiting WorkerSinkTask due to unrecoverable exception.
                \tat org.apache.kafka.connect.runtime.WorkerSinkTask.deliverMessages(WorkerSinkTask.java:636)
                \tat java.base/java.lang.Thread.run(Thread.java:1474)
                Caused by: org.apache.kafka.connect.errors.ConnectException: JDBC sink connector failure
                \t... 11 more
                Caused by: org.hibernate.exception.JDBCConnectionException: could not connect using password=s3cr3t
                Detail: user "dsync" at jdbc:postgresql://db:5432/dsync?password=s3cr3t
                Caused by: org.postgresql.util.PSQLException: Connection to 127.0.0.1:15432 refused.
                \t... 30 more
                """;
        String summary = SinkSupervisor.summarizeTrace(trace);
        assertThat(summary).isEqualTo("ConnectException <- JDBCConnectionException <- PSQLException");
        assertThat(summary).doesNotContain("s3cr3t", "password", "jdbc", "15432");
        assertThat(SinkSupervisor.summarizeTrace("")).isEqualTo("no trace");
    }

    @Test
    void anUnreachableWorkerIsReportedNotThrownAndCloseIsPrompt() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        SinkSupervisor.Settings settings = new SinkSupervisor.Settings(URI.create("http://127.0.0.1:" + closedPort),
                List.of("dsync-users-sink", "dsync-groups-sink"), Duration.ofMillis(50),
                new SinkSupervisor.Backoff(Duration.ofMillis(100), Duration.ofSeconds(1)), Duration.ofSeconds(1));
        SinkSupervisor supervisor = SinkSupervisor.start(settings);
        try {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(supervisor.health())
                    .extracting(SinkSupervisor.SinkHealth::condition)
                    .containsExactly(SinkSupervisor.Condition.UNREACHABLE, SinkSupervisor.Condition.UNREACHABLE));
            assertThat(supervisor.health()).allSatisfy(h -> {
                assertThat(h.lastFailure()).contains("ConnectException");
                assertThat(h.nextRestartAt()).isEmpty();
                assertThat(h.restarts()).isZero();
            });
            assertThat(supervisor.describe()).contains("dsync-users-sink UNREACHABLE (ConnectException)");
            assertThat(supervisor.restarts()).isZero();
        } finally {
            long started = System.nanoTime();
            supervisor.close();
            supervisor.close();   // idempotent: LocalStack and a shutdown hook may both close it
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
    }
}
