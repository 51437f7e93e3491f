package dev.dsync.workos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EventsPageTest {

    @Test
    void keepsEachEventsExactBytes() throws Exception {
        String first = "{\"object\":\"event\",\"id\":\"event_1\",\"event\":\"dsync.user.created\",\"data\":{\"directory_id\":"
                + "\"directory_A\",\"first_name\":\"Zoë\",\"custom_attributes\":{\"cost\":1.50,\"big\":1e6}},"
                + "\"created_at\":\"2026-11-20T10:00:00.000Z\" , \"context\":{}}";
        String second = "{\"id\":\"event_2\",\"event\":\"dsync.deleted\",\"data\":{\"id\":\"directory_B\"},"
                + "\"created_at\":\"2026-11-20 10:00:01.093\"}";
        String body = "{\"object\":\"list\",\"data\":[ " + first + ",\n" + second + ", 42 ],\"list_metadata\":{\"after\":\"event_2\",\"x\":[1]}}";

        EventsPage page = EventsPage.parse(body.getBytes(StandardCharsets.UTF_8));

        assertThat(page.after()).isEqualTo("event_2");
        assertThat(page.data()).hasSize(3);
        assertThat(new String(page.data().get(0).json(), StandardCharsets.UTF_8)).isEqualTo(first);
        assertThat(new String(page.data().get(1).json(), StandardCharsets.UTF_8)).isEqualTo(second);
        assertThat(page.data().get(0).event().directoryId()).contains("directory_A");
        assertThat(page.data().get(1).event().directoryId()).contains("directory_B");
        assertThat(page.data().get(1).createdAt()).isPresent();
        assertThat(page.data().get(2).valid()).isFalse();
        assertThat(page.data().get(2).invalidReason()).isEqualTo("not_an_object");
    }

    @Test
    void anEmptyTailPage() throws Exception {
        EventsPage page = EventsPage.parse("{\"object\":\"list\",\"data\":[],\"list_metadata\":{\"after\":null}}"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(page.data()).isEmpty();
        assertThat(page.after()).isNull();
    }
}
