package dev.dsync.topology.query;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The API's OpenAPI document and the topics' AsyncAPI document with the JSON Schemas it references. */
final class DocumentsService implements HttpService {

    private final byte[] openApi;
    private final byte[] asyncApi;
    /** Schemas by file name, read on first request: the set is whatever the build put beside asyncapi.yaml. */
    private final Map<String, Optional<byte[]>> schemas = new ConcurrentHashMap<>();

    DocumentsService() {
        this.openApi = resource("openapi.yaml").orElseThrow(
                () -> new IllegalStateException("openapi.yaml is missing from the classpath"));
        this.asyncApi = resource("asyncapi.yaml").orElseThrow(
                () -> new IllegalStateException("asyncapi.yaml is missing from the classpath"));
    }

    private static Optional<byte[]> resource(String name) {
        try (InputStream in = DocumentsService.class.getResourceAsStream(name)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(BearerAuth.OPENAPI_PATH, (req, res) -> res
                        .header(HeaderNames.CONTENT_TYPE, "application/yaml")
                        .send(openApi))
                .get(BearerAuth.ASYNCAPI_PATH, (req, res) -> res
                        .header(HeaderNames.CONTENT_TYPE, "application/yaml")
                        .send(asyncApi))
                .get(BearerAuth.SCHEMAS_PREFIX + "{name}", (req, res) -> {
                    String name = req.path().pathParameters().get("name");
                    // only plain file names reach the classpath: no path can climb out of the schemas folder
                    Optional<byte[]> schema = BearerAuth.isSchemaName(name)
                            ? schemas.computeIfAbsent(name, n -> resource("schemas/" + n))
                            : Optional.empty();
                    if (schema.isEmpty()) {
                        res.status(Status.NOT_FOUND_404)
                                .header(HeaderNames.CONTENT_TYPE, "application/json")
                                .send(Json.error("not_found", "no such schema"));
                        return;
                    }
                    res.header(HeaderNames.CONTENT_TYPE, "application/schema+json").send(schema.get());
                });
    }
}
