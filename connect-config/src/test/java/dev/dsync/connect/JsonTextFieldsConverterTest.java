package dev.dsync.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

class JsonTextFieldsConverterTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final String SCHEMA = """
            {"type":"struct","optional":true,"fields":[
              {"field":"id","type":"string","optional":false},
              {"field":"roles","type":"string","optional":true,"name":"io.debezium.data.Json"},
              {"field":"custom_attributes","type":"string","optional":true,"name":"io.debezium.data.Json"},
              {"field":"created_at","type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp"}]}""";

    private static JsonTextFieldsConverter converter(Object fields) {
        JsonTextFieldsConverter c = new JsonTextFieldsConverter();
        c.configure(Map.of("schemas.enable", "true", "schema.content", SCHEMA,
                JsonTextFieldsConverter.JSON_TEXT_FIELDS_CONFIG, fields), false);
        return c;
    }

    private static Struct convert(JsonTextFieldsConverter c, String json) {
        SchemaAndValue sv = c.toConnectData("dsync.users", json.getBytes(StandardCharsets.UTF_8));
        assertThat(sv.schema()).isNotNull();
        return (Struct) sv.value();
    }

    private static JsonNode json(String text) throws Exception {
        return MAPPER.readTree(text);
    }

    @Test
    void objectsAndArraysBecomeJsonTextUnderTheJsonSchemaName() throws Exception {
        Struct s = convert(converter("custom_attributes,roles"), """
                {"id":"u1","roles":["admin","billing"],
                 "custom_attributes":{"department_name":"R&D","manager":{"email":"m@x.io"},"emails":[{"primary":true}]},
                 "created_at":"2026-05-18T14:03:41.512Z"}""");

        assertThat(s.getString("id")).isEqualTo("u1");
        assertThat(json(s.getString("roles"))).isEqualTo(json("[\"admin\",\"billing\"]"));
        assertThat(json(s.getString("custom_attributes"))).isEqualTo(
                json("{\"department_name\":\"R&D\",\"manager\":{\"email\":\"m@x.io\"},\"emails\":[{\"primary\":true}]}"));
        assertThat(s.schema().field("custom_attributes").schema().name()).isEqualTo("io.debezium.data.Json");
        assertThat(s.getString("created_at")).isEqualTo("2026-05-18T14:03:41.512Z");
    }

    @Test
    void withoutTheConverterAnObjectSilentlyBecomesNull() {
        // The trap this converter exists for: plain JsonConverter drops an object declared as string, no error.
        JsonConverter plain = new JsonConverter();
        plain.configure(Map.of("schemas.enable", "true", "schema.content", SCHEMA), false);
        SchemaAndValue sv = plain.toConnectData("t",
                "{\"id\":\"u1\",\"custom_attributes\":{\"a\":\"b\"}}".getBytes(StandardCharsets.UTF_8));
        assertThat(((Struct) sv.value()).getString("custom_attributes")).isNull();

        Struct s = convert(converter("custom_attributes"), "{\"id\":\"u1\",\"custom_attributes\":{\"a\":\"b\"}}");
        assertThat(s.getString("custom_attributes")).isEqualTo("{\"a\":\"b\"}");
    }

    @Test
    void nullAndAbsentStayNull() {
        JsonTextFieldsConverter c = converter("custom_attributes,roles");
        Struct s = convert(c, "{\"id\":\"u1\",\"roles\":null}");
        assertThat(s.getString("roles")).isNull();
        assertThat(s.getString("custom_attributes")).isNull();
    }

    @Test
    void emptyContainersAreKeptAsJson() {
        Struct s = convert(converter("custom_attributes,roles"), "{\"id\":\"u1\",\"roles\":[],\"custom_attributes\":{}}");
        assertThat(s.getString("roles")).isEqualTo("[]");
        assertThat(s.getString("custom_attributes")).isEqualTo("{}");
    }

    @Test
    void scalarsBecomeValidJsonText() {
        Struct s = convert(converter("custom_attributes,roles"),
                "{\"id\":\"u1\",\"roles\":\"admin\",\"custom_attributes\":42}");
        assertThat(s.getString("roles")).isEqualTo("\"admin\"");
        assertThat(s.getString("custom_attributes")).isEqualTo("42");
    }

    @Test
    void numbersKeepTheirExactTextAndNonAsciiSurvives() throws Exception {
        Struct s = convert(converter("custom_attributes"), """
                {"id":"u1","custom_attributes":{"cost":1.10,"big":123456789012345678901234567890,"tiny":1e-30,
                 "名前":"山田 太郎","emoji":"🚀","quote":"a\\"b"}}""");
        String text = s.getString("custom_attributes");
        assertThat(text).contains("\"cost\":1.10").contains("123456789012345678901234567890")
                .contains("\"名前\":\"山田 太郎\"").contains("🚀");
        assertThat(json(text).get("quote").asText()).isEqualTo("a\"b");
    }

    @Test
    void tombstonePassesThrough() {
        SchemaAndValue sv = converter("custom_attributes").toConnectData("dsync.users", null);
        assertThat(sv.value()).isNull();
        assertThat(sv.schema()).isNull();
    }

    @Test
    void valuesThatAreNotObjectsArePassedToJsonConverterUntouched() {
        JsonTextFieldsConverter c = new JsonTextFieldsConverter();
        c.configure(Map.of("schemas.enable", "true", "schema.content", "{\"type\":\"string\",\"optional\":true}",
                "json.text.fields", "roles"), false);
        assertThat(c.toConnectData("t", "\"plain\"".getBytes(StandardCharsets.UTF_8)).value()).isEqualTo("plain");
    }

    @Test
    void invalidJsonIsADataException() {
        JsonTextFieldsConverter c = converter("roles");
        assertThatThrownBy(() -> c.toConnectData("t", "{not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(DataException.class);
    }

    @Test
    void missingRequiredFieldStillFailsLoudly() {
        JsonTextFieldsConverter c = converter("roles");
        assertThatThrownBy(() -> c.toConnectData("t", "{\"roles\":[]}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(DataException.class);
    }

    @Test
    void fieldListAcceptsListsAndIgnoresBlanks() {
        assertThat(converter(List.of("roles", " custom_attributes ")).jsonTextFields())
                .containsExactlyInAnyOrder("roles", "custom_attributes");
        assertThat(converter(" roles, ,custom_attributes,").jsonTextFields())
                .containsExactlyInAnyOrder("roles", "custom_attributes");
        assertThat(converter("").jsonTextFields()).isEmpty();
    }

    @Test
    void withNoFieldsItBehavesLikeJsonConverter() {
        JsonTextFieldsConverter c = converter("");
        byte[] in = "{\"id\":\"u1\",\"roles\":\"[1]\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(c.renderJsonTextFields(in)).isSameAs(in);
        assertThat(convert(c, new String(in, StandardCharsets.UTF_8)).getString("roles")).isEqualTo("[1]");
    }

    @Test
    void configDefDescribesOwnAndJsonConverterSettings() {
        assertThat(new JsonTextFieldsConverter().config().names())
                .contains("json.text.fields", "schema.content", "schemas.enable");
    }

    @Test
    void serialisationIsPlainJsonConverter() {
        JsonTextFieldsConverter c = converter("roles");
        Struct s = convert(c, "{\"id\":\"u1\",\"roles\":[\"a\"]}");
        byte[] out = c.fromConnectData("t", s.schema(), s);
        assertThat(new String(out, StandardCharsets.UTF_8)).contains("\"roles\":\"[\\\"a\\\"]\"");
    }

    @Test
    void nulCharactersBecomeReplacementCharactersEverywhere() throws Exception {
        // PostgreSQL text and jsonb cannot hold U+0000: one such value failed the sink task for good
        Struct s = convert(converter("custom_attributes"),
                "{\"id\":\"u\\u0000\",\"custom_attributes\":{\"k\\u0000\":[\"v\\u0000\"]}}");
        assertThat(s.getString("id")).isEqualTo("u\uFFFD");
        assertThat(json(s.getString("custom_attributes"))).isEqualTo(json("{\"k\uFFFD\":[\"v\uFFFD\"]}"));
        assertThat(s.getString("custom_attributes")).doesNotContain("\\u0000");
        JsonTextFieldsConverter plain = converter("");
        assertThat(convert(plain, "{\"id\":\"a\\u0000b\"}").getString("id")).isEqualTo("a\uFFFDb");
        byte[] escapedBackslash = "{\"id\":\"a\\\\u0000\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(plain.renderJsonTextFields(escapedBackslash)).isSameAs(escapedBackslash);
    }

    @Test
    void numbersPostgresqlCannotReadBecomeStringsInJsonFields() throws Exception {
        Struct s = convert(converter("custom_attributes"), "{\"id\":\"u1\",\"custom_attributes\":{\"ok\":1e1000,"
                + "\"small\":1e-1000,\"big\":1e1001,\"tiny\":-1.5e-1001,\"zero\":0e5000,\"deep\":[{\"n\":1e100000}]}}");
        String text = s.getString("custom_attributes");
        assertThat(text).contains("\"ok\":1E+1000", "\"small\":1E-1000", "\"big\":\"1E+1001\"",
                "\"tiny\":\"-1.5E-1001\"", "\"n\":\"1E+100000\"", "\"zero\":\"0E+5000\"");
    }

    /** The one-parse path must give exactly what rendering the fields and handing the bytes to JsonConverter gives. */
    @Test
    void oneParseGivesWhatJsonConverterGivesTheRenderedValue() throws Exception {
        long seed = System.nanoTime();
        java.util.Random random = new java.util.Random(seed);
        JsonTextFieldsConverter c = converter("custom_attributes,roles");
        assertThat(c.parsesOnce()).isTrue();
        JsonConverter plain = new JsonConverter();
        plain.configure(Map.of("schemas.enable", "true", "schema.content", SCHEMA), false);
        List<String> names = List.of("id", "roles", "custom_attributes", "created_at", "other");
        for (int i = 0; i < 5_000; i++) {
            com.fasterxml.jackson.databind.node.ObjectNode value = MAPPER.createObjectNode();
            for (String name : names) {
                switch (random.nextInt(8)) {
                    case 0 -> { } // absent
                    case 1 -> value.putNull(name);
                    case 2 -> value.put(name, "text " + random.nextInt(9));
                    case 3 -> value.put(name, "nul \u0000 inside");
                    case 4 -> value.put(name, new java.math.BigDecimal(random.nextBoolean() ? "1e1001" : "2.50"));
                    case 5 -> value.put(name, random.nextBoolean());
                    case 6 -> value.putObject(name).put("k\u0000", "v").putArray("a").add(1);
                    default -> value.putArray(name).add("admin").add("x\u0000");
                }
            }
            byte[] bytes = MAPPER.writeValueAsBytes(value);
            Object expected = outcome(() -> plain.toConnectData("dsync.users", c.renderJsonTextFields(bytes)));
            Object actual = outcome(() -> c.toConnectData("dsync.users", bytes));
            assertThat(actual).as("seed %d, value %s", seed, value).isEqualTo(expected);
        }
    }

    private static Object outcome(java.util.function.Supplier<SchemaAndValue> convert) {
        try {
            SchemaAndValue sv = convert.get();
            return List.of(sv.schema(), sv.value());
        } catch (DataException e) {
            return "DataException";
        }
    }
}
