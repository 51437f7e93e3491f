package dev.dsync.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link EventParser} reads only part of a body into a tree. Property: for any body, well-formed or not, it decides
 * exactly as reading the whole body into a tree would (the same reason, or the same envelope), and the
 * {@code data} it returns is the whole tree's {@code data} without what the parser documents it leaves out. The one
 * documented exception, a number too large to convert in a left-out part, is left to {@code EventParserTest}.
 */
class EventParserPruningTest {

    private static final String[] SCALARS = {"null", "true", "false", "\"\"", "\"  \"", "\"a\"", "\"\\u00e9\"",
            "\"\\ud800\"", "\"q\\\"\\\\\"", "0", "-0", "7", "12345678901234567890123", "1.50", "1e400", "-2.5E-3"};
    private static final String[] DATA_FIELDS = {"id", "directory_id", "organization_id", "name", "state", "email",
            "raw_attributes", "custom_attributes", "user", "group", "role", "roles", "domains", "updated_at"};
    private static final String[] ENVELOPE_FIELDS = {"id", "event", "created_at", "data", "object", "context", "x"};

    @Test
    void decidesAsAWholeTreeWouldAndLeavesOutOnlyWhatItSays() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int accepted = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] body = body(random);
            String expected = expected(body);
            String actual;
            try {
                WorkosEvent e = EventParser.parse(body);
                actual = "accepted " + e.id() + " " + e.type() + " " + e.createdAt() + " " + e.data();
            } catch (EventParser.InvalidEventException e) {
                actual = e.reason();
            }
            assertThat(actual).as("seed %d, body %s", seed, new String(body, StandardCharsets.UTF_8))
                    .isEqualTo(expected);
            accepted += actual.startsWith("accepted") ? 1 : 0;
        }
        // the generator must exercise both sides
        assertThat(accepted).as("seed %d", seed).isBetween(1_000, 19_000);
    }

    /** What reading the whole body as one tree decides, with {@code data} pruned as documented. */
    private static String expected(byte[] body) {
        JsonNode root;
        try (JsonParser parser = EventParser.MAPPER.createParser(body)) {
            root = EventParser.MAPPER.readTree(parser);
            if (root != null && parser.nextToken() != null) {
                return "trailing_content";
            }
        } catch (IOException e) {
            return "malformed_json";
        }
        if (root == null || !root.isObject()) {
            return "not_an_object";
        }
        String id = text(root, "id");
        String type = text(root, "event");
        JsonNode data = root.get("data");
        if (id == null) {
            return "missing_id";
        }
        if (type == null) {
            return "missing_event";
        }
        if (data == null || !data.isObject()) {
            return "missing_data";
        }
        ObjectNode pruned = ((ObjectNode) data).deepCopy();
        pruned.remove("raw_attributes");
        for (String embedded : List.of("user", "group")) {
            if (pruned.get(embedded) instanceof ObjectNode o) {
                List<String> leftOut = new ArrayList<>();
                o.properties().forEach(f -> {
                    if (f.getValue().isContainerNode() || !List.of("id", "organization_id").contains(f.getKey())) {
                        leftOut.add(f.getKey());
                    }
                });
                o.remove(leftOut);
            }
        }
        return "accepted " + id + " " + type + " " + text(root, "created_at") + " " + pruned;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
    }

    private static byte[] body(Random random) {
        String json = switch (random.nextInt(20)) {
            case 0 -> value(random, 0);
            default -> envelope(random);
        };
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return switch (random.nextInt(12)) {
            case 0 -> java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length + 1)); // truncated
            case 1 -> (json + pick(random, " x", "{}", "}", " ", "\n", "[]", "1")).getBytes(StandardCharsets.UTF_8);
            case 2 -> invalidUtf8(random, bytes);
            default -> bytes;
        };
    }

    private static byte[] invalidUtf8(Random random, byte[] bytes) {
        List<Integer> quotes = new ArrayList<>();
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '"') {
                quotes.add(i);
            }
        }
        if (quotes.isEmpty()) {
            return bytes;
        }
        byte[] copy = bytes.clone();
        int at = quotes.get(random.nextInt(quotes.size()));
        if (at + 1 < copy.length) {
            copy[at + 1] = (byte) new int[] {0xC3, 0xFF, 0x80, 0xED, 0xF8}[random.nextInt(5)];
        }
        return copy;
    }

    private static String envelope(Random random) {
        List<String> fields = new ArrayList<>();
        for (String f : ENVELOPE_FIELDS) {
            if (random.nextInt(8) == 0) {
                continue;
            }
            String v = switch (f) {
                case "id", "event", "created_at" -> random.nextInt(6) == 0 ? scalar(random)
                        : "\"" + f + "_" + random.nextInt(100) + "\"";
                case "data" -> random.nextInt(10) == 0 ? value(random, 0) : data(random, 0);
                default -> value(random, 0);
            };
            fields.add("\"" + f + "\":" + v);
        }
        return object(random, fields);
    }

    /** {@code depth} 0: an event's data; 1: a user or group it embeds. */
    private static String data(Random random, int depth) {
        List<String> fields = new ArrayList<>();
        for (String f : DATA_FIELDS) {
            if (random.nextInt(3) == 0) {
                continue;
            }
            String v = depth == 0 && (f.equals("user") || f.equals("group")) && random.nextInt(5) != 0
                    ? data(random, 1) : value(random, 0);
            fields.add("\"" + f + "\":" + v);
        }
        return object(random, fields);
    }

    /** An object of these fields, shuffled, sometimes with one of them twice (a duplicate key). */
    private static String object(Random random, List<String> fields) {
        List<String> all = new ArrayList<>(fields);
        if (!all.isEmpty() && random.nextInt(15) == 0) {
            all.add(all.get(random.nextInt(all.size())));
        }
        Collections.shuffle(all, random);
        return "{" + String.join(",", all) + "}";
    }

    private static String value(Random random, int depth) {
        int kind = random.nextInt(depth > 3 ? 1 : 5);
        if (kind <= 1) {
            return scalar(random);
        }
        if (kind == 2 && random.nextInt(40) == 0) {
            return "[".repeat(1_001) + "]".repeat(1_001); // beyond the parser's nesting limit
        }
        if (kind == 2 && random.nextInt(40) == 0) {
            return "9".repeat(1_001); // beyond its number length limit
        }
        List<String> items = new ArrayList<>();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
            items.add(kind == 2 ? value(random, depth + 1) : "\"k" + random.nextInt(5) + "\":" + value(random, depth + 1));
        }
        if (kind == 2) {
            return "[" + String.join(",", items) + "]";
        }
        List<String> unique = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String item : items) {
            if (names.add(item.substring(0, item.indexOf(':')))) {
                unique.add(item);
            }
        }
        return object(random, unique);
    }

    private static String scalar(Random random) {
        return SCALARS[random.nextInt(SCALARS.length)];
    }

    private static String pick(Random random, String... options) {
        return options[random.nextInt(options.length)];
    }
}
