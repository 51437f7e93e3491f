package dev.dsync.workos;

/**
 * No successful answer within the time the caller allowed: WorkOS is rate limiting, failing, unreachable or
 * refusing the API key. The client has already logged and counted it; the caller tries again later.
 */
public final class WorkosUnavailableException extends Exception {

    public WorkosUnavailableException(String reason) {
        super(reason, null, false, false);
    }
}
