package dev.dsync.topology.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.topology.AsyncApiContract;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The query server publishes the AsyncAPI document and its schemas over real HTTP, byte for byte as built, without a
 * token, while everything else under /v1 still needs one; every schema reference in the served document resolves
 * against the served document's own URL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PublishedContractsHttpTest {

    static final String TOKEN = "contract-test-token";
    QueryServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    void start() {
        // no topology is needed for the documents: the server listens before one is attached
        server = QueryServer.start(QueryConfig.fromEnv(Map.of("DSYNC_QUERY_TOKEN", TOKEN,
                "DSYNC_QUERY_HOST", "127.0.0.1", "DSYNC_QUERY_PORT", "0")));
    }

    @AfterAll
    void stop() {
        server.close();
    }

    HttpResponse<byte[]> get(String path, String token) throws Exception {
        return get(URI.create("http://127.0.0.1:" + server.port() + path), token);
    }

    HttpResponse<byte[]> get(URI uri, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void servesTheAsyncApiDocumentAsBuiltWithoutAToken() throws Exception {
        HttpResponse<byte[]> r = get("/v1/asyncapi.yaml", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/yaml");
        assertThat(r.body()).isEqualTo(AsyncApiContract.resource(AsyncApiContract.DOCUMENT));
        // the OpenAPI document stays where it was, also public
        assertThat(get("/v1/openapi.yaml", null).statusCode()).isEqualTo(200);
    }

    @Test
    void servesEverySchemaAsBuiltAndEveryReferenceInTheServedDocumentResolves() throws Exception {
        Set<String> files = new TreeSet<>();
        Path dir = Path.of(getClass().getClassLoader().getResource(AsyncApiContract.BASE + "schemas").toURI());
        try (Stream<Path> list = Files.list(dir)) {
            list.forEach(p -> files.add(p.getFileName().toString()));
        }
        assertThat(files).contains("user.json", "membership-key.json");
        for (String f : files) {
            HttpResponse<byte[]> r = get("/v1/schemas/" + f, null);
            assertThat(r.statusCode()).as(f).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/schema+json");
            assertThat(r.body()).as(f).isEqualTo(Files.readAllBytes(dir.resolve(f)));
        }
        URI document = URI.create("http://127.0.0.1:" + server.port() + "/v1/asyncapi.yaml");
        JsonNode served = AsyncApiContract.readYaml(get(document, null).body());
        List<String> external = served.findValues("$ref").stream().map(JsonNode::asText)
                .filter(ref -> !ref.startsWith("#")).distinct().toList();
        assertThat(external).isNotEmpty();
        for (String ref : external) {
            // as a tool reading the served document would: relative to the document's URL
            HttpResponse<byte[]> r = get(document.resolve(ref), null);
            assertThat(r.statusCode()).as(ref).isEqualTo(200);
            assertThat(AsyncApiContract.JSON.readTree(r.body()).path("$schema").asText()).as(ref)
                    .startsWith("http://json-schema.org/draft-07/schema");
        }
    }

    @Test
    void nothingElseBecomesPublic() throws Exception {
        assertThat(get("/v1/schemas/nope.json", null).statusCode()).isEqualTo(404);
        assertThat(get("/v1/schemas/..%2Fopenapi.yaml", null).statusCode()).isIn(400, 401, 404);
        assertThat(get("/v1/schemas/User.JSON", null).statusCode()).isEqualTo(401);
        assertThat(get("/v1/schemas/", null).statusCode()).isEqualTo(401);
        assertThat(get("/v1/directories", null).statusCode()).isEqualTo(401);
        // with the token, the data API is reachable (503: no topology attached), so the 401 above was the filter's
        assertThat(get("/v1/directories", TOKEN).statusCode()).isEqualTo(503);
    }

    /**
     * The OpenAPI document and the routes agree both ways: every documented operation is a registered route (it
     * answers, here 503 as no topology is attached, never the unknown-route 404), and every route the query service
     * registers is documented.
     */
    @Test
    void theOpenApiPathsAreExactlyTheRegisteredRoutes() throws Exception {
        JsonNode doc = AsyncApiContract.readYaml(AsyncApiContract.resource(AsyncApiContract.BASE + "openapi.yaml"));
        assertThat(doc.path("openapi").asText()).startsWith("3.");
        Set<String> documented = new TreeSet<>();
        for (var path : (Iterable<Map.Entry<String, JsonNode>>) doc.path("paths")::fields) {
            for (var op : (Iterable<Map.Entry<String, JsonNode>>) path.getValue()::fields) {
                if (!Set.of("get", "post", "put", "patch", "delete").contains(op.getKey())) {
                    continue;
                }
                assertThat(op.getValue().path("responses").size()).as(path.getKey() + " has responses").isPositive();
                documented.add(op.getKey().toUpperCase(java.util.Locale.ROOT) + " " + path.getKey());
                String concrete = path.getKey().replaceAll("\\{[a-z_]+}", "x_1");
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + concrete))
                        .timeout(Duration.ofSeconds(5)).header("Authorization", "Bearer " + TOKEN);
                HttpResponse<String> r = http.send(op.getKey().equals("post")
                        ? b.POST(HttpRequest.BodyPublishers.ofString("")).build() : b.GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.body()).as(op.getKey() + " " + concrete + " is a route").doesNotContain("no such route");
            }
        }
        // the routes as the service registers them (the source is the registry: each is written once there)
        String source = Files.readString(Path.of("src/main/java/dev/dsync/topology/query/DirectoryQueryService.java"));
        Set<String> registered = new TreeSet<>();
        var m = java.util.regex.Pattern.compile("\\.(get|post|put|patch|delete)\\(\"(/v1/[^\"]*)\"").matcher(source);
        while (m.find()) {
            registered.add(m.group(1).toUpperCase(java.util.Locale.ROOT) + " " + m.group(2));
        }
        assertThat(registered).isNotEmpty();
        Set<String> queryRoutes = new TreeSet<>(documented);
        // the documents themselves are served by the operations service, documented alongside
        queryRoutes.removeIf(r -> r.contains("openapi.yaml") || r.contains("asyncapi.yaml") || r.contains("/schemas/"));
        assertThat(registered).isEqualTo(queryRoutes);
    }
}
