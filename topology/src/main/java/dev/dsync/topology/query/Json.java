package dev.dsync.topology.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.List;
import java.util.Locale;

/**
 * JSON in and out. Stored rows already are their change-log JSON, so responses are assembled from those strings
 * as they are (never re-serialized): every instance, and every route through them, answers the same bytes.
 */
final class Json {

    static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private Json() {
    }

    /** {@code {"data":[...],"list_metadata":{"after":...}}}, shaped like WorkOS's own lists. */
    static String list(List<Rows.Row> rows, String after) {
        int size = 64;
        for (Rows.Row r : rows) {
            size += r.json().length() + 1;
        }
        StringBuilder sb = new StringBuilder(size).append("{\"data\":[");
        for (int i = 0; i < rows.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(rows.get(i).json());
        }
        return sb.append("],\"list_metadata\":{\"after\":").append(after == null ? "null" : quote(after))
                .append("}}").toString();
    }

    static String error(String code, String message) {
        return "{\"error\":" + quote(code) + ",\"message\":" + quote(message) + "}";
    }

    static String quote(String s) {
        try {
            return MAPPER.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A top-level text field of a stored row; null when absent or not text. */
    static String field(String json, String name) {
        try {
            JsonNode v = MAPPER.readTree(json).get(name);
            return v == null || !v.isTextual() ? null : v.asText();
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** E-mail matching is case-insensitive everywhere (as the PostgreSQL {@code lower(email)} index). */
    static String normalizeEmail(String email) {
        return email == null ? null : email.trim().toLowerCase(Locale.ROOT);
    }
}
