package dev.dsync.client;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The Jackson configuration the records and serdes of this package use. Use {@link #mapper()} when you parse
 * dsync values yourself (for example from the query API, whose values have the change-log shapes).
 */
public final class DsyncJson {

    private static final ObjectMapper MAPPER = newMapper();

    private DsyncJson() {
    }

    /** A shared, thread-safe mapper; do not reconfigure it, call {@link #newMapper()} for your own. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * A mapper that reads and writes dsync's timestamps as {@link Instant}s (ISO-8601 UTC) and ignores fields it
     * does not know, so a consumer built against this version keeps working when dsync adds fields.
     */
    public static ObjectMapper newMapper() {
        SimpleModule times = new SimpleModule("dsync-instants");
        times.addSerializer(Instant.class, new InstantSerializer());
        times.addDeserializer(Instant.class, new InstantDeserializer());
        return new ObjectMapper()
                .registerModule(times)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                // custom attributes are arbitrary JSON; dsync keeps a number's text, so a double would lose it
                .configure(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, true);
    }

    // Our own two small classes instead of jackson-datatype-jsr310: dsync writes one timestamp shape only
    // (DateTimeFormatter.ISO_INSTANT), and a consumer library should not add dependencies it can avoid.
    private static final class InstantSerializer extends JsonSerializer<Instant> {
        @Override
        public void serialize(Instant value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeString(value.toString());
        }
    }

    private static final class InstantDeserializer extends JsonDeserializer<Instant> {
        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                return (Instant) ctxt.handleUnexpectedToken(Instant.class, p);
            }
            String text = p.getText();
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                return (Instant) ctxt.handleWeirdStringValue(Instant.class, text, "not an ISO-8601 instant");
            }
        }
    }
}
