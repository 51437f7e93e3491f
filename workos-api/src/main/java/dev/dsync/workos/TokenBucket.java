package dev.dsync.workos;

import java.util.concurrent.TimeUnit;

/**
 * A token bucket: {@code ratePerSecond} tokens a second, holding at most {@code capacity}. Callers block for a
 * token, so every thread sharing a bucket shares its budget.
 */
public final class TokenBucket {

    private final double ratePerNano;
    private final double capacity;
    private double tokens;
    private long refilledAt;

    public TokenBucket(double ratePerSecond, double capacity) {
        if (ratePerSecond <= 0 || capacity < 1) {
            throw new IllegalArgumentException("rate must be positive and capacity at least 1");
        }
        this.ratePerNano = ratePerSecond / 1e9;
        this.capacity = capacity;
        this.tokens = capacity;
        this.refilledAt = System.nanoTime();
    }

    /**
     * Takes one token, waiting for it until {@code deadlineNanos} ({@link System#nanoTime()} scale).
     *
     * @return false, without taking a token, when none would be available before the deadline
     */
    public boolean acquire(long deadlineNanos) throws InterruptedException {
        long wait;
        synchronized (this) {
            long now = System.nanoTime();
            refill(now);
            tokens -= 1;
            if (tokens >= 0) {
                return true;
            }
            // The token is reserved now (tokens went negative), so waiters queue up in arrival order.
            wait = (long) Math.ceil(-tokens / ratePerNano);
            if (now + wait > deadlineNanos) {
                tokens += 1;
                return false;
            }
        }
        TimeUnit.NANOSECONDS.sleep(wait);
        return true;
    }

    private void refill(long now) {
        tokens = Math.min(capacity, tokens + (now - refilledAt) * ratePerNano);
        refilledAt = now;
    }
}
