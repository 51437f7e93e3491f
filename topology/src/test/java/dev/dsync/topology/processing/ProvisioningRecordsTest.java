package dev.dsync.topology.processing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.topology.state.EventKey;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProvisioningRecordsTest {

    /** A JSON escape in an accepted event can leave a lone surrogate in a value; rendering must not fail on it. */
    @Test
    void aLoneSurrogateIsEncodedAsOnTheChangeLogs() {
        EventMeta meta = new EventMeta("event_1", "dsync.user.created", "directory_1", new EventKey(1, "event_1"),
                "2026-01-01T00:00:00.000Z");
        String after = "{\"id\":\"user_\uD800x\",\"first_name\":\"\uDC00\",\"state\":\"active\"}";
        ChangeLog.Entity user = new ChangeLog.Entity(ChangeLog.Topic.USERS, "user_\uD800x", null);
        byte[] record = new ProvisioningRecords().render(user, user.key(), null, after,
                after.getBytes(StandardCharsets.UTF_8), null, false, meta, "webhook", 0);
        String text = new String(record, StandardCharsets.UTF_8);
        assertThat(text).contains("\"type\":\"user.provisioned\"")
                .contains(new String(after.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
    }
}
