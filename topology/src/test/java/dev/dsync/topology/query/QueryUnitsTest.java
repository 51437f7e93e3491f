package dev.dsync.topology.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the query API does without Kafka: configuration, token checks, merging and the piece format. */
class QueryUnitsTest {

    @Test
    void refusesToStartWithoutATokenUnlessAuthIsDisabledExplicitly() {
        assertThatThrownBy(() -> QueryConfig.fromEnv(Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DSYNC_QUERY_TOKEN")
                .hasMessageContaining("DSYNC_QUERY_AUTH=disabled");
        assertThatThrownBy(() -> QueryConfig.fromEnv(Map.of("DSYNC_QUERY_TOKEN", "  ")))
                .hasMessageContaining("DSYNC_QUERY_TOKEN");
        assertThatThrownBy(() -> QueryConfig.fromEnv(Map.of("DSYNC_QUERY_AUTH", "off")))
                .hasMessageContaining("DSYNC_QUERY_AUTH");
        QueryConfig open = QueryConfig.fromEnv(Map.of("DSYNC_QUERY_AUTH", "disabled"));
        assertThat(open.authEnabled()).isFalse();
        assertThat(open.token()).isNull();
    }

    @Test
    void readsTheEnvironmentWithDefaults() {
        QueryConfig c = QueryConfig.fromEnv(Map.of("DSYNC_QUERY_TOKEN", "s3cret"));
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.port()).isEqualTo(8081);
        assertThat(c.maxStaleLag()).isEqualTo(100);
        assertThat(c.forwardTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.applicationServerFor(8081)).isEqualTo("127.0.0.1:8081");
        assertThat(c.toString()).doesNotContain("s3cret");
        // the WorkOS API source reports into health exactly when it runs: with a key
        assertThat(c.workosApi()).isFalse();
        assertThat(QueryConfig.fromEnv(Map.of("DSYNC_QUERY_TOKEN", "t", "WORKOS_API_KEY", "sk_test_k")).workosApi())
                .isTrue();
        QueryConfig d = QueryConfig.fromEnv(Map.of("DSYNC_QUERY_TOKEN", "t", "DSYNC_QUERY_PORT", "9000",
                "DSYNC_QUERY_HOST", "127.0.0.1", "DSYNC_APPLICATION_SERVER", "topology-b:9000",
                "DSYNC_QUERY_MAX_STALE_LAG", "5", "DSYNC_QUERY_FORWARD_TIMEOUT", "PT0.5S"));
        assertThat(d.port()).isEqualTo(9000);
        assertThat(d.applicationServerFor(9000)).isEqualTo("topology-b:9000");
        assertThat(d.maxStaleLag()).isEqualTo(5);
        assertThat(d.forwardTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThatThrownBy(() -> QueryConfig.fromEnv(Map.of("DSYNC_QUERY_TOKEN", "t", "DSYNC_QUERY_PORT", "x")))
                .hasMessageContaining("DSYNC_QUERY_PORT");
    }

    @Test
    void acceptsOnlyTheExactBearerToken() {
        BearerAuth auth = new BearerAuth("abc123", null);
        assertThat(auth.accepts("Bearer abc123")).isTrue();
        assertThat(auth.accepts("bearer abc123")).isTrue();
        assertThat(auth.accepts("Bearer abc1234")).isFalse();
        assertThat(auth.accepts("Bearer abc12")).isFalse();
        assertThat(auth.accepts("Basic abc123")).isFalse();
        assertThat(auth.accepts("abc123")).isFalse();
        assertThat(auth.accepts("Bearer ")).isFalse();
        assertThat(auth.accepts(null)).isFalse();
    }

    @Test
    void mergesPiecesInIdOrderAndKnowsWhetherThereIsMore() {
        Rows.Piece p1 = new Rows.Piece(List.of(row("a"), row("d")), false);
        Rows.Piece p2 = new Rows.Piece(List.of(row("b"), row("c")), true);
        Rows.Piece two = Rows.merge(List.of(p1, p2), 2);
        assertThat(two.rows()).extracting(Rows.Row::id).containsExactly("a", "b");
        assertThat(two.after()).isEqualTo("b");
        Rows.Piece all = Rows.merge(List.of(p1, new Rows.Piece(List.of(row("b")), false)), 5);
        assertThat(all.rows()).extracting(Rows.Row::id).containsExactly("a", "b", "d");
        assertThat(all.after()).isNull();
        // a piece that had more keeps the merged page open even when it is not full
        assertThat(Rows.merge(List.of(p2), 5).after()).isEqualTo("c");
        assertThat(Json.list(two.rows(), two.after()))
                .isEqualTo("{\"data\":[{\"id\":\"a\"},{\"id\":\"b\"}],\"list_metadata\":{\"after\":\"b\"}}");
    }

    @Test
    void piecesSurviveTheWireWhateverTheyContain() {
        Rows.Piece piece = new Rows.Piece(List.of(new Rows.Row("x:1\n", "{\"v\":\"a:b\\n12:3:\"}"),
                new Rows.Row("é", "{}")), true);
        assertThat(Rows.decode(Rows.encode(piece))).isEqualTo(piece);
        assertThat(Rows.decode(Rows.encode(new Rows.Piece(List.of(), false)))).isEqualTo(new Rows.Piece(List.of(), false));
    }

    @Test
    void routesDirectoriesLikeTheDefaultPartitioner() {
        byte[] key = "directory_01ABC".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int n = 1; n <= 12; n++) {
            assertThat(DirectoryLocator.partitionOf("directory_01ABC", n))
                    .isEqualTo(org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey(key, n));
        }
    }

    private static Rows.Row row(String id) {
        return new Rows.Row(id, "{\"id\":\"" + id + "\"}");
    }
}
