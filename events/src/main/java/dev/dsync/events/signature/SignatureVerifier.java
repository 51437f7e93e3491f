package dev.dsync.events.signature;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies WorkOS webhook signatures: HMAC-SHA256, keyed by the secret's UTF-8 bytes, over
 * {@code t + "." + rawBody}, with a two-sided timestamp tolerance.
 *
 * <p>Several secrets may be active at once so that a secret can be rotated without rejecting webhooks signed
 * with the old one. The MAC is computed over the received bytes, never over a re-serialised body: re-encoding
 * (for example {@code &} to {@code \u0026}) changes the signature.
 */
public final class SignatureVerifier {

    /** Why a request was rejected; the name is safe to log and to use as a metric tag. */
    public enum Outcome {
        VERIFIED,
        MISSING_HEADER,
        MALFORMED_HEADER,
        TIMESTAMP_OUT_OF_TOLERANCE,
        SIGNATURE_MISMATCH;

        public String reason() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static final Duration DEFAULT_TOLERANCE = Duration.ofSeconds(180);

    private static final String ALGORITHM = "HmacSHA256";

    /** A keyed MAC per secret, cloned per request: a new Mac's provider lookup and key set-up cost more than a hash. */
    private final List<Mac> keyed;
    private final long toleranceMillis;
    private final Clock clock;

    public SignatureVerifier(List<String> secrets, Duration tolerance, Clock clock) {
        if (secrets.isEmpty() || secrets.stream().anyMatch(s -> s == null || s.isBlank())) {
            throw new IllegalArgumentException("at least one non-blank webhook secret is required");
        }
        this.keyed = secrets.stream().map(SignatureVerifier::keyed).toList();
        this.toleranceMillis = tolerance.toMillis();
        this.clock = clock;
    }

    /** Parses a comma-separated secret list, as given in {@code WORKOS_WEBHOOK_SECRET}. */
    public static List<String> parseSecrets(String commaSeparated) {
        if (commaSeparated == null) {
            return List.of();
        }
        return java.util.Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    public Outcome verify(String header, byte[] body) {
        if (header == null || header.isBlank()) {
            return Outcome.MISSING_HEADER;
        }
        Optional<SignatureHeader> parsed = SignatureHeader.parse(header);
        if (parsed.isEmpty()) {
            return Outcome.MALFORMED_HEADER;
        }
        SignatureHeader signature = parsed.get();
        if (Math.abs(clock.millis() - signature.timestampMillis()) > toleranceMillis) {
            return Outcome.TIMESTAMP_OUT_OF_TOLERANCE;
        }
        for (Mac prototype : keyed) {
            byte[] expected = mac(copy(prototype), signature.timestampMillis(), body);
            for (String candidate : signature.signatures()) {
                byte[] provided = decodeHex(candidate);
                if (provided != null && MessageDigest.isEqual(expected, provided)) {
                    return Outcome.VERIFIED;
                }
            }
        }
        return Outcome.SIGNATURE_MISMATCH;
    }

    /** Lower-case hex HMAC, as WorkOS computes it; used by tests, the simulator and the benchmark to sign. */
    public static String sign(String secret, long timestampMillis, byte[] body) {
        return HexFormat.of().formatHex(mac(keyed(secret), timestampMillis, body));
    }

    /** A complete header value in the form WorkOS sends: {@code t=<ms>, v1=<hex>}. */
    public static String header(String secret, long timestampMillis, byte[] body) {
        return "t=" + timestampMillis + ", v1=" + sign(secret, timestampMillis, body);
    }

    private static Mac keyed(String secret) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM));
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    /** A Mac is not thread-safe; a clone of the keyed prototype is this request's own. */
    private static Mac copy(Mac prototype) {
        try {
            return (Mac) prototype.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the HmacSHA256 provider cannot clone a keyed MAC", e);
        }
    }

    private static byte[] mac(Mac mac, long timestampMillis, byte[] body) {
        mac.update((timestampMillis + ".").getBytes(StandardCharsets.US_ASCII));
        return mac.doFinal(body);
    }

    private static byte[] decodeHex(String hex) {
        if (hex.length() % 2 != 0) {
            return null;
        }
        try {
            return HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
