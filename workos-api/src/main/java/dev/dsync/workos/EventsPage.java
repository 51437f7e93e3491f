package dev.dsync.workos;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.dsync.events.EventParser;
import dev.dsync.events.EventTimes;
import dev.dsync.events.WorkosEvent;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One {@code GET /events} answer: {@code {"object":"list","data":[event, …],"list_metadata":{"after":…}}}.
 *
 * <p>Each event keeps the exact bytes WorkOS sent for it, cut out of the response, so the input topic holds what
 * WorkOS produced (as the gateway stores a webhook body byte for byte) rather than a re-rendering of it.
 */
public record EventsPage(List<Item> data, String after) {

    /**
     * One element of {@code data}: its bytes, and either the parsed event or why it is not usable.
     *
     * @param createdAt the event time; empty when missing or unreadable (the topology dead-letters such events)
     */
    public record Item(byte[] json, WorkosEvent event, String invalidReason, Optional<Instant> createdAt) {

        public boolean valid() {
            return event != null;
        }

        public String id() {
            return event != null ? event.id() : null;
        }
    }

    public static EventsPage parse(byte[] body) throws IOException {
        List<Item> items = new ArrayList<>();
        String after = null;
        boolean sawData = false;
        try (JsonParser p = EventParser.MAPPER.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("the events list is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("data") && value == JsonToken.START_ARRAY) {
                    sawData = true;
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        int start = (int) p.currentTokenLocation().getByteOffset();
                        p.skipChildren();
                        int end = (int) p.currentLocation().getByteOffset();
                        items.add(item(Arrays.copyOfRange(body, start, end)));
                    }
                } else if (field.equals("list_metadata") && value == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        JsonToken v = p.nextToken();
                        if (name.equals("after") && v == JsonToken.VALUE_STRING) {
                            after = p.getText();
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
        if (!sawData) {
            throw new IOException("the events list has no data array");
        }
        return new EventsPage(List.copyOf(items), after);
    }

    private static Item item(byte[] json) {
        try {
            WorkosEvent event = EventParser.parse(json);
            return new Item(json, event, null, EventTimes.parse(event.createdAt()));
        } catch (EventParser.InvalidEventException e) {
            return new Item(json, null, e.reason(), Optional.empty());
        }
    }
}
