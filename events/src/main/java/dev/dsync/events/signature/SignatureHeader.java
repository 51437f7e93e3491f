package dev.dsync.events.signature;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The parsed {@code WorkOS-Signature} header: {@code t=<epoch ms>, v1=<hex>}.
 *
 * <p>Parsed leniently, like WorkOS's Go and Kotlin SDKs: items in any order, whitespace around them, several
 * {@code v1} values, unknown keys ignored. Anything that does not yield a numeric timestamp and at least one
 * {@code v1} value is malformed.
 */
public record SignatureHeader(long timestampMillis, List<String> signatures) {

    public SignatureHeader {
        signatures = List.copyOf(signatures);
    }

    public static Optional<SignatureHeader> parse(String header) {
        if (header == null) {
            return Optional.empty();
        }
        Long timestamp = null;
        List<String> signatures = new ArrayList<>();
        for (String item : header.split(",")) {
            int eq = item.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = item.substring(0, eq).trim();
            String value = item.substring(eq + 1).trim();
            if (key.equals("t")) {
                try {
                    timestamp = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            } else if (key.equals("v1") && !value.isEmpty()) {
                signatures.add(value);
            }
        }
        if (timestamp == null || signatures.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new SignatureHeader(timestamp, signatures));
    }
}
