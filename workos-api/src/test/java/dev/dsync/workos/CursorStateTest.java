package dev.dsync.workos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CursorStateTest {

    private static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");

    private static CursorState.Seen seen(int second) {
        return new CursorState.Seen("event_%04d".formatted(second), T0.plusSeconds(second));
    }

    @Test
    void theResumePointTrailsTheNewestEventBySafetyWindow() {
        List<CursorState.Seen> written = new ArrayList<>();
        for (int s = 0; s <= 100; s += 10) {
            written.add(seen(s));
        }
        CursorState state = CursorState.startingAt(T0, T0).withWritten(written, Duration.ofSeconds(60), 500, T0);

        // newest at 100 s: everything older than 40 s left the window, the last of them is the cursor
        assertThat(state.after()).isEqualTo("event_0030");
        assertThat(state.window()).extracting(CursorState.Seen::id)
                .containsExactly("event_0040", "event_0050", "event_0060", "event_0070", "event_0080", "event_0090", "event_0100");
        assertThat(state.resumeTime()).isEqualTo(T0.plusSeconds(30));
    }

    @Test
    void theWindowIsBoundedInSizeAndKeepsTheNewest() {
        List<CursorState.Seen> written = new ArrayList<>();
        for (int s = 0; s < 20; s++) {
            written.add(seen(s));
        }
        CursorState state = CursorState.startingAt(T0, T0).withWritten(written, Duration.ofHours(1), 5, T0);

        assertThat(state.window()).hasSize(5).extracting(CursorState.Seen::id).endsWith("event_0019");
        assertThat(state.after()).isEqualTo("event_0014");
        assertThat(CursorState.startingAt(T0, T0).withWritten(List.of(seen(1)), Duration.ZERO, 1, T0).window()).hasSize(1);
    }

    @Test
    void aLateEventIsOrderedIntoTheWindow() {
        CursorState state = CursorState.startingAt(T0, T0)
                .withWritten(List.of(seen(10), seen(30)), Duration.ofMinutes(1), 500, T0)
                .withWritten(List.of(seen(20)), Duration.ofMinutes(1), 500, T0);

        assertThat(state.window()).extracting(CursorState.Seen::id).containsExactly("event_0010", "event_0020", "event_0030");
        assertThat(state.newest().id()).isEqualTo("event_0030");
    }

    @Test
    void survivesJsonWithGapAndCheckpoint() throws Exception {
        CursorState state = CursorState.startingAt(T0, T0)
                .withWritten(List.of(seen(0), seen(90), seen(100)), Duration.ofSeconds(60), 500, T0)
                .withCheckedAt(T0.plusSeconds(200))
                .withGap(new CursorState.Gap("cursor_expired", T0.minusSeconds(5), T0, T0.plusSeconds(200)));

        CursorState read = CursorState.fromJson(state.toJson());

        assertThat(read).isEqualTo(state);
        assertThat(new String(state.toJson(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"after\":\"event_0000\"", "\"reconciliation_needed\":{\"reason\":\"cursor_expired\"");
    }
}
