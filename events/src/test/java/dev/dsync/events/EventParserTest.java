package dev.dsync.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventParserTest {

    static byte[] sample(String type) throws IOException {
        try (InputStream in = EventParserTest.class.getResourceAsStream("/samples/" + type + ".json")) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dsync.activated", "dsync.deleted", "dsync.group.created", "dsync.group.deleted",
            "dsync.group.updated", "dsync.group.user_added", "dsync.group.user_removed", "dsync.user.created",
            "dsync.user.deleted", "dsync.user.updated"})
    void everySampleParsesWithTheSampleDirectory(String type) throws Exception {
        WorkosEvent event = EventParser.parse(sample(type));
        assertThat(event.type()).isEqualTo(type);
        assertThat(event.id()).startsWith("event_");
        assertThat(event.directoryId()).contains("directory_01KRXP60QYZVB8HYTWH1V60HNV");
        assertThat(EventTimes.parse(event.createdAt())).isPresent();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"id\":\"e\",\"event\":\"connection.activated\",\"data\":{\"id\":\"conn_1\"}}|",
            "{\"id\":\"e\",\"event\":\"dsync.user.created\",\"data\":{\"id\":\"u\"}}|",
            "{\"id\":\"e\",\"event\":\"dsync.user.created\",\"data\":{\"directory_id\":\"\"}}|",
            "{\"id\":\"e\",\"event\":\"dsync.deactivated\",\"data\":{\"id\":\"directory_9\"}}|directory_9",
            "{\"id\":\"e\",\"event\":\"dsync.token.created\",\"data\":{\"directory_id\":\"directory_8\"}}|directory_8",
    })
    void directoryIdDerivation(String json, String expected) throws Exception {
        WorkosEvent event = EventParser.parse(json.getBytes(StandardCharsets.UTF_8));
        assertThat(event.directoryId().orElse(null)).isEqualTo(expected);
    }

    /** Objects of more keys than the parser compares one by one: it switches to a set, which must refuse the same. */
    @org.junit.jupiter.api.Test
    void duplicateKeysAreRefusedInObjectsOfManyKeys() throws Exception {
        String forty = java.util.stream.IntStream.range(0, 40).mapToObj(i -> "\"k" + i + "\":" + i)
                .collect(java.util.stream.Collectors.joining(","));
        assertThat(EventParser.parse(body("custom_attributes", forty)).data().get("custom_attributes").size())
                .isEqualTo(40);
        assertThat(EventParser.parse(body("raw_attributes", forty)).id()).isEqualTo("e");
        for (String repeated : List.of("\"k3\":1", "\"k33\":1", "\"k39\":1")) {
            // a kept part and a left-out part
            for (String part : List.of("custom_attributes", "raw_attributes")) {
                assertThatThrownBy(() -> EventParser.parse(body(part, forty + "," + repeated)))
                        .as(part + " " + repeated).isInstanceOfSatisfying(EventParser.InvalidEventException.class,
                                e -> assertThat(e.reason()).isEqualTo("malformed_json"));
            }
        }
    }

    private static byte[] body(String part, String fields) {
        return ("{\"id\":\"e\",\"event\":\"x\",\"data\":{\"" + part + "\":{" + fields + "}}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "not json|malformed_json",
            "[1,2]|not_an_object",
            "\"x\"|not_an_object",
            "{\"event\":\"dsync.user.created\",\"data\":{}}|missing_id",
            "{\"id\":\"e\",\"data\":{}}|missing_event",
            "{\"id\":\"e\",\"event\":\"x\"}|missing_data",
            "{\"id\":\"e\",\"event\":\"x\",\"data\":[]}|missing_data",
            "{\"id\":\"e\",\"event\":\"x\",\"data\":{}} {}|trailing_content",
            "{\"id\":\"e\",\"id\":\"f\",\"event\":\"x\",\"data\":{}}|malformed_json",
            // a number no BigDecimal holds (its exponent is beyond an int): Jackson throws an unchecked exception
            "{\"id\":\"e\",\"event\":\"x\",\"data\":{\"custom_attributes\":{\"n\":1e2147483649}}}|malformed_json",
            "{\"id\":\"e\",\"event\":\"x\",\"data\":{\"n\":-1E-2147483649}}|malformed_json",
            "[1E-2147483649]|malformed_json",
    })
    void invalidBodiesHaveAReason(String json, String reason) {
        assertThatThrownBy(() -> EventParser.parse(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(EventParser.InvalidEventException.class,
                        e -> assertThat(e.reason()).isEqualTo(reason));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "2021-06-25T19:07:33.155Z|2021-06-25T19:07:33.155Z",
            "2023-04-28 20:05:31.093|2023-04-28T20:05:31.093Z",
            "2021-10-27 15:21:50.640959|2021-10-27T15:21:50.640959Z",
            "2021-10-27T15:21:50|2021-10-27T15:21:50Z",
            "2021-10-27T15:21:50.1Z|2021-10-27T15:21:50.100Z",
            "2021-10-27T17:21:50+02:00|2021-10-27T15:21:50Z",
    })
    void lenientTimes(String text, String expected) {
        assertThat(EventTimes.parse(text)).contains(Instant.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "yesterday", "2021-13-45T00:00:00Z", "2021-06-25"})
    void unparseableTimes(String text) {
        assertThat(EventTimes.parse(text)).isEmpty();
    }

    @Test
    void aNumberInAPartLeftOutIsCheckedButNotConverted() throws Exception {
        WorkosEvent event = EventParser.parse(("{\"id\":\"e\",\"event\":\"dsync.user.created\",\"context\":{\"n\":"
                + "1e2147483649},\"data\":{\"id\":\"u\",\"raw_attributes\":{\"n\":1e2147483649}}}")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(event.data().has("raw_attributes")).isFalse();
        assertThat(event.data().get("id").asText()).isEqualTo("u");
    }
}
