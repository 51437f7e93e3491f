package dev.dsync.topology.processing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.topology.state.EventKey;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The summary noted while a value is written must be the summary of the rendered value as a consumer reads it back
 * (a removal is summarised that way): nothing the writer drops or changes may make them differ.
 */
class ValueSummaryTest {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final List<String> USER_FIELDS = List.of("id", "directory_id", "organization_id", "idp_id",
            "email", "first_name", "last_name", "name", "state", "role", "roles", "custom_attributes", "created_at",
            "updated_at");

    @Test
    void summaryWhileRenderingIsTheSummaryOfTheRenderedValue() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        EventMeta meta = new EventMeta("event_1", "dsync.user.created", "directory_1", new EventKey(1, "event_1"),
                "2026-01-01T00:00:00.000Z");
        for (int i = 0; i < 2_000; i++) {
            ObjectNode user = NODES.objectNode();
            for (String field : USER_FIELDS) {
                switch (random.nextInt(4)) {
                    case 0 -> { } // absent
                    case 1 -> user.putNull(field);
                    case 2 -> user.put(field, field.equals("state") ? pick(random, "active", "inactive", "suspended")
                            : field + random.nextInt(3));
                    default -> {
                        if (field.equals("roles")) {
                            user.putArray(field).addObject().put("slug", "admin");
                        } else if (field.equals("custom_attributes") || field.equals("role")) {
                            user.putObject(field).put("slug", "x");
                        } else {
                            user.put(field, random.nextInt(10));
                        }
                    }
                }
            }
            ChangeLogValues.Rendered rendered = ChangeLogValues.user(user, meta);
            assertThat(rendered.summary()).as("seed %d, data %s", seed, user)
                    .isEqualTo(readBack(rendered.json()));
            ChangeLogValues.Rendered group = ChangeLogValues.group(user, meta);
            assertThat(group.summary()).as("seed %d, data %s", seed, user)
                    .isEqualTo(readBack(group.json()));
            ChangeLogValues.Rendered directory = ChangeLogValues.directory(user, meta,
                    random.nextBoolean() ? "inactive" : null);
            assertThat(directory.summary()).as("seed %d, data %s", seed, user)
                    .isEqualTo(readBack(directory.json()));
        }
    }

    private static ValueSummary readBack(String json) throws Exception {
        return ValueSummary.of(dev.dsync.events.EventParser.MAPPER.readTree(json));
    }

    private static String pick(Random random, String... options) {
        return options[random.nextInt(options.length)];
    }
}
