package dev.dsync.workos;

/**
 * WorkOS answered with a status that retrying will not change (400, 404, 422, …). The message is WorkOS's
 * {@code message} field, shortened; it names ids at most, never personal data we sent.
 */
public final class WorkosApiException extends Exception {

    private final int status;
    private final String requestId;

    public WorkosApiException(int status, String message, String requestId) {
        super("WorkOS answered " + status + ": " + message + (requestId == null ? "" : " (request id " + requestId + ")"));
        this.status = status;
        this.requestId = requestId;
    }

    public int status() {
        return status;
    }

    public String requestId() {
        return requestId;
    }
}
