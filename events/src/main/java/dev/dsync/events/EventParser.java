package dev.dsync.events;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/** Parses raw webhook bodies into {@link WorkosEvent}s, tolerating unknown fields. */
public final class EventParser {

    /**
     * Shared, thread-safe mapper configured for WorkOS payloads. Decimals are read as BigDecimal and written back in
     * their own scale, so a re-rendered value keeps its numbers' text ({@code 1e6} stays {@code 1E+6}, not
     * {@code 1000000.0}; {@code 1e400} stays finite instead of becoming the invalid JSON {@code Infinity}) and is
     * never much longer than what came in.
     */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    private EventParser() {
    }

    /**
     * Parses an event.
     *
     * @throws InvalidEventException with a short reason (safe to log: it never contains body content)
     */
    public static WorkosEvent parse(byte[] body) throws InvalidEventException {
        JsonNode root;
        try (JsonParser parser = MAPPER.createParser(body)) {
            root = MAPPER.readTree(parser);
            if (root != null && parser.nextToken() != null) {
                throw new InvalidEventException("trailing_content");
            }
        } catch (IOException e) {
            throw new InvalidEventException("malformed_json");
        }
        if (root == null || !root.isObject()) {
            throw new InvalidEventException("not_an_object");
        }
        String id = text(root, "id");
        String type = text(root, "event");
        JsonNode data = root.get("data");
        if (id == null) {
            throw new InvalidEventException("missing_id");
        }
        if (type == null) {
            throw new InvalidEventException("missing_event");
        }
        if (data == null || !data.isObject()) {
            throw new InvalidEventException("missing_data");
        }
        return new WorkosEvent(id, type, text(root, "created_at"), data);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
    }

    /** A body that is not a usable WorkOS event. */
    public static final class InvalidEventException extends Exception {
        private final String reason;

        public InvalidEventException(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }
}
