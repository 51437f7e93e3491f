package dev.dsync.launcher.bench;

import java.util.Arrays;

/** Collects latencies (nanoseconds) from many threads; percentiles by sorting, which is fine at bench sizes. */
final class LatencyRecorder {

    private long[] samples = new long[1 << 16];
    private int count;

    synchronized void record(long nanos) {
        if (count == samples.length) {
            samples = Arrays.copyOf(samples, samples.length * 2);
        }
        samples[count++] = nanos;
    }

    synchronized int count() {
        return count;
    }

    /** The q-quantile in milliseconds (q in 0..1). */
    synchronized double percentileMillis(double q) {
        if (count == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        int index = (int) Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1));
        return sorted[index] / 1e6;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
