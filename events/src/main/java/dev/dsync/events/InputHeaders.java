package dev.dsync.events;

import java.util.Set;

/**
 * The headers every record on the input topic carries, whoever wrote it (the gateway, the Events API poller):
 * one definition, so the writers and the topology that reads them cannot drift apart.
 */
public final class InputHeaders {

    public static final String EVENT_ID = "workos-event-id";
    public static final String EVENT_TYPE = "workos-event-type";
    /** Epoch ms of the webhook signature; only the gateway has one. */
    public static final String SIGNATURE_TIMESTAMP = "workos-signature-timestamp";
    /** Epoch ms at which dsync received (or fetched) the event. */
    public static final String RECEIVED_AT = "dsync-received-at";
    /** Where the event came from: one of {@link #SOURCES}. */
    public static final String SOURCE = "dsync-source";

    public static final String WEBHOOK = "webhook";
    public static final String EVENTS_API = "events-api";
    public static final String RECONCILIATION = "reconciliation";
    public static final Set<String> SOURCES = Set.of(WEBHOOK, EVENTS_API, RECONCILIATION);

    private InputHeaders() {
    }
}
