package dev.dsync.topology.processing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;
import java.io.StringWriter;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Custom attributes are written without the mapper: the text must be the mapper's for any tree a body can hold. */
class ChangeLogValuesTreeTest {

    private static final String[] SCALARS = {"null", "true", "false", "\"\"", "\"a b\"", "\"\\u00e9\\u4e2d\"",
            "\"\\ud800\"", "\"\\ud83d\\ude00\"", "\"q\\\"\\\\/\\n\\t\\u0001\"", "0", "-0", "7", "-2147483648",
            "2147483648", "9223372036854775807", "9223372036854775808", "12345678901234567890123", "1.50", "-0.0",
            "1e400", "-2.5E-3", "1E+2", "0.000001"};

    @Test
    void writesEveryTreeAsTheMapperDoes() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int i = 0; i < 20_000; i++) {
            String json = value(random, 0);
            JsonNode tree = EventParser.MAPPER.readTree(json);
            StringWriter out = new StringWriter();
            try (JsonGenerator g = EventParser.MAPPER.getFactory().createGenerator(out)) {
                ChangeLogValues.writeTree(g, tree);
            }
            assertThat(out.toString()).as("seed %d, tree %s", seed, json)
                    .isEqualTo(EventParser.MAPPER.writeValueAsString(tree));
        }
    }

    @Test
    void writesATreeAsDeepAsTheParserAllows() throws Exception {
        String json = "{\"deep\":" + "[".repeat(998) + "1.50" + "]".repeat(998) + "}";
        JsonNode tree = EventParser.MAPPER.readTree(json);
        StringWriter out = new StringWriter();
        try (JsonGenerator g = EventParser.MAPPER.getFactory().createGenerator(out)) {
            ChangeLogValues.writeTree(g, tree);
        }
        assertThat(out.toString()).isEqualTo(json);
    }

    private static String value(Random random, int depth) {
        int kind = depth > 3 ? 0 : random.nextInt(3);
        if (kind == 0) {
            return SCALARS[random.nextInt(SCALARS.length)];
        }
        StringBuilder b = new StringBuilder(kind == 1 ? "[" : "{");
        int n = random.nextInt(5);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                b.append(',');
            }
            if (kind == 2) {
                b.append("\"k").append(i).append(random.nextBoolean() ? "\\u00e9" : "").append("\":");
            }
            b.append(value(random, depth + 1));
        }
        return b.append(kind == 1 ? "]" : "}").toString();
    }
}
