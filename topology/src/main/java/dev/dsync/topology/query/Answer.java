package dev.dsync.topology.query;

/**
 * A finished answer to a {@code /v1} request, whoever produced it (this instance or the one it was forwarded to).
 *
 * @param stale answered from a standby or restoring copy of the state (sent as {@code X-Dsync-Stale: true})
 */
record Answer(int status, String body, boolean stale) {

    static Answer ok(String json) {
        return new Answer(200, json, false);
    }

    static Answer notFound(String message) {
        return new Answer(404, Json.error("not_found", message), false);
    }

    static Answer badRequest(String message) {
        return new Answer(400, Json.error("invalid_request", message), false);
    }

    static Answer unavailable(String message) {
        return new Answer(503, Json.error("unavailable", message), false);
    }

    Answer markedStale() {
        return new Answer(status, body, true);
    }
}
