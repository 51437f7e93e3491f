package dev.dsync.topology;

import dev.dsync.events.SampleEvents;

/** The sample events under the name the topology's tests import them by. */
public final class TestEvents extends SampleEvents {

    private TestEvents() {
    }
}
