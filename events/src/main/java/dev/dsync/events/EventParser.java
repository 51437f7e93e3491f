package dev.dsync.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

    private static final JsonNodeFactory NODES = MAPPER.getNodeFactory();

    /**
     * The mapper's parser settings without its duplicate detection: {@link #parse} detects duplicate keys itself
     * ({@link Names}), more cheaply than a hash set for every object, which took 3% of the topology's stream thread.
     */
    private static final JsonFactory PARSERS = MAPPER.getFactory().rebuild()
            .disable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private EventParser() {
    }

    /**
     * Parses an event.
     *
     * <p>The whole body is read and checked (well-formed, no duplicate keys, within the parser's limits, nothing
     * after it), but only what dsync reads of it becomes a tree: the envelope's {@code id}, {@code event},
     * {@code created_at} and {@code data}. Left out are the other envelope fields, {@code raw_attributes} (the
     * identity provider's own copy of the entity, often most of the body) and, of the user and group a membership
     * event embeds, everything but their scalar {@code id} and {@code organization_id}: a membership is about
     * those ids, and the user and group events carry the rest. Callers that forward an event forward its bytes.
     * (So a number that is well-formed but too large for any Java type is refused where it is kept, and passes
     * where it is left out: only the kept parts are converted.)
     *
     * @throws InvalidEventException with a short reason (safe to log: it never contains body content)
     */
    public static WorkosEvent parse(byte[] body) throws InvalidEventException {
        String id = null;
        String type = null;
        String createdAt = null;
        JsonNode data = null;
        try (JsonParser parser = PARSERS.createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                // read as a whole, for the same reasons as any body: malformed, trailing content, or not an object
                if (first != null) {
                    value(parser, first);
                    checkEnd(parser);
                }
                throw new InvalidEventException("not_an_object");
            }
            Names names = new Names();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = names.add(parser);
                JsonToken value = parser.nextToken();
                switch (name) {
                    case "id" -> id = text(parser, value);
                    case "event" -> type = text(parser, value);
                    case "created_at" -> createdAt = text(parser, value);
                    case "data" -> {
                        if (value == JsonToken.START_OBJECT) {
                            data = object(parser, false);
                        } else {
                            skip(parser, value);
                        }
                    }
                    default -> skip(parser, value);
                }
            }
            checkEnd(parser);
        } catch (IOException | NumberFormatException | ArithmeticException e) {
            // the unchecked ones: Jackson converting a number no BigDecimal holds (an exponent beyond an int)
            throw new InvalidEventException("malformed_json");
        }
        if (id == null) {
            throw new InvalidEventException("missing_id");
        }
        if (type == null) {
            throw new InvalidEventException("missing_event");
        }
        if (data == null) {
            throw new InvalidEventException("missing_data");
        }
        return new WorkosEvent(id, type, createdAt, data);
    }

    private static void checkEnd(JsonParser parser) throws IOException, InvalidEventException {
        if (parser.nextToken() != null) {
            throw new InvalidEventException("trailing_content");
        }
    }

    /** A non-blank string, else null (the value, whatever it is, is read past). */
    private static String text(JsonParser parser, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_STRING) {
            String text = parser.getText();
            return text.isBlank() ? null : text;
        }
        skip(parser, value);
        return null;
    }

    /** Reads past the value whose first token is {@code value}, checking it as a whole tree's reading would. */
    private static void skip(JsonParser parser, JsonToken value) throws IOException {
        if (value == JsonToken.START_OBJECT) {
            Names names = new Names();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                names.add(parser);
                skip(parser, parser.nextToken());
            }
        } else if (value == JsonToken.START_ARRAY) {
            JsonToken item;
            while ((item = next(parser)) != JsonToken.END_ARRAY) {
                skip(parser, item);
            }
        }
    }

    /** The next token, where the value being read cannot have ended yet. */
    private static JsonToken next(JsonParser parser) throws IOException {
        JsonToken token = parser.nextToken();
        if (token == null) {
            // the parser reports an unclosed value itself; this only guards the loops that rely on it
            throw new JsonParseException(parser, "unexpected end of input");
        }
        return token;
    }

    /**
     * The object at the parser, without what is left out: for {@code data} ({@code embedded} false) its
     * {@code raw_attributes}, and a membership's {@code user} and {@code group} are read as embedded objects, of which
     * only the scalar {@code id} and {@code organization_id} are kept.
     */
    private static ObjectNode object(JsonParser parser, boolean embedded) throws IOException {
        // an event's data has a dozen or two fields: sized for them, its map is never grown
        ObjectNode object = embedded ? NODES.objectNode() : new ObjectNode(NODES, new java.util.LinkedHashMap<>(64));
        Names names = new Names();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = names.add(parser);
            JsonToken value = parser.nextToken();
            boolean leftOut = embedded ? value.isStructStart() || !(name.equals("id") || name.equals("organization_id"))
                    : name.equals("raw_attributes");
            if (leftOut) {
                skip(parser, value);
            } else if (!embedded && value == JsonToken.START_OBJECT && (name.equals("user") || name.equals("group"))) {
                object.set(name, object(parser, true));
            } else {
                object.set(name, value(parser, value));
            }
        }
        return object;
    }

    /**
     * The value at the parser as the mapper's {@code readTree} reads it (ints in the smallest of int, long and
     * BigInteger; other numbers as BigDecimal, trailing zeros kept), without its per-call set-up.
     */
    private static JsonNode value(JsonParser parser, JsonToken value) throws IOException {
        return switch (value) {
            case VALUE_STRING -> NODES.textNode(parser.getText());
            case VALUE_NULL -> NODES.nullNode();
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT -> NODES.numberNode(parser.getIntValue());
                case LONG -> NODES.numberNode(parser.getLongValue());
                default -> NODES.numberNode(parser.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDecimalValue());
            case START_OBJECT -> {
                ObjectNode object = NODES.objectNode();
                Names names = new Names();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = names.add(parser);
                    object.set(name, value(parser, parser.nextToken()));
                }
                yield object;
            }
            case START_ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                JsonToken item;
                while ((item = next(parser)) != JsonToken.END_ARRAY) {
                    array.add(value(parser, item));
                }
                yield array;
            }
            default -> throw new JsonParseException(parser, "unexpected token " + value);
        };
    }

    /**
     * The keys of one object so far, to refuse a key that comes twice, as the mapper's strict duplicate detection
     * does. WorkOS objects have up to twenty keys or so (a user's data has nineteen), which a scan compares faster
     * than a hash set is filled.
     */
    private static final class Names {
        private static final int SCANNED = 32;
        private final String[] few = new String[SCANNED];
        private int count;
        private java.util.Set<String> many;

        /** The current key, after checking that the object has not had it. */
        String add(JsonParser parser) throws IOException {
            String name = parser.currentName();
            boolean added;
            if (many != null) {
                added = many.add(name);
            } else if (count < SCANNED) {
                added = true;
                // the parser hands out one canonical string per name, so the hash (cached) settles nearly every pair
                int hash = name.hashCode();
                for (int i = 0; i < count && added; i++) {
                    String seen = few[i];
                    added = seen != name && (seen.hashCode() != hash || !seen.equals(name));
                }
                if (added) {
                    few[count++] = name;
                }
            } else {
                many = new java.util.HashSet<>(java.util.Arrays.asList(few));
                added = many.add(name);
            }
            if (!added) {
                throw new JsonParseException(parser, "duplicate key");
            }
            return name;
        }
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
