package dev.dsync.events.signature;

import static dev.dsync.events.signature.SignatureVerifier.Outcome.MALFORMED_HEADER;
import static dev.dsync.events.signature.SignatureVerifier.Outcome.MISSING_HEADER;
import static dev.dsync.events.signature.SignatureVerifier.Outcome.SIGNATURE_MISMATCH;
import static dev.dsync.events.signature.SignatureVerifier.Outcome.TIMESTAMP_OUT_OF_TOLERANCE;
import static dev.dsync.events.signature.SignatureVerifier.Outcome.VERIFIED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SignatureVerifierTest {

    static final String SECRET = "whsec_test_0123456789";
    static final long T = 1767225600000L;
    static final byte[] BODY = "{\"id\":\"event_01\",\"event\":\"dsync.user.created\",\"data\":{\"id\":\"directory_user_01\"}}"
            .getBytes(StandardCharsets.UTF_8);
    static final String EXPECTED = "d9f64a1b1c8da8de489ed8127f6db8b0116f22cb6e7d328dfcc00865383a1032";

    static SignatureVerifier verifierAt(long nowMillis, String... secrets) {
        return new SignatureVerifier(List.of(secrets), SignatureVerifier.DEFAULT_TOLERANCE,
                Clock.fixed(Instant.ofEpochMilli(nowMillis), ZoneOffset.UTC));
    }

    @Test
    void referenceVectorsFromWorkosMd() throws Exception {
        assertThat(rawHmac("test_secret", new byte[0]))
                .isEqualTo("f7f9bd47fb987337b5796fdc1fdb9ba221d0d5396814bfcaf9521f43fd8927fd");
        assertThat(rawHmac("test_secret", "😀".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("837da296d05c4fe31f61d5d7ead035099d9585a5bcde87de952012a78f0b0c43");
        assertThat(SignatureVerifier.sign(SECRET, T, BODY)).isEqualTo(EXPECTED);
        assertThat(verifierAt(T, SECRET).verify("t=" + T + ", v1=" + EXPECTED, BODY)).isEqualTo(VERIFIED);
    }

    @Test
    void compactSampleVerifiesAndReserialisedWithEscapedAmpersandDoesNot() throws IOException {
        byte[] compact = compactSample(false);
        assertThat(compact).hasSize(565);
        long t = 1782236550066L;
        assertThat(SignatureVerifier.sign(SECRET, t, compact))
                .isEqualTo("fa4cd1d759c9e9361c1d678962982ffe36320f4f5d0c5c7743caaaaef556c03f");
        byte[] escaped = compactSample(true);
        assertThat(SignatureVerifier.sign(SECRET, t, escaped)).startsWith("f0acee4c").endsWith("8b47");
        SignatureVerifier verifier = verifierAt(t, SECRET);
        String header = SignatureVerifier.header(SECRET, t, compact);
        assertThat(verifier.verify(header, compact)).isEqualTo(VERIFIED);
        assertThat(verifier.verify(header, escaped)).isEqualTo(SIGNATURE_MISMATCH);
    }

    /** The sample as Python's json.dumps(separators=(',',':'), ensure_ascii=False) writes it. */
    private static byte[] compactSample(boolean escapeAmpersand) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode tree;
        try (InputStream in = SignatureVerifierTest.class.getResourceAsStream("/samples/dsync.group.updated.json")) {
            tree = mapper.readTree(in);
        }
        String json = mapper.writeValueAsString(tree);
        if (escapeAmpersand) {
            json = json.replace("&", "\\u0026");
        }
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void workosSdkAlgorithmOverExactBytesVerifies() throws Exception {
        // The Kotlin SDK's createSignature: HMAC-SHA256("$timestamp.$data".toByteArray(), secret.toByteArray()), hex.
        String body = "{\"id\":\"event_é\",\"event\":\"dsync.group.updated\",\"data\":{\"name\":\"R&D — Zürich\"}}";
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String sdk = java.util.HexFormat.of().formatHex(mac.doFinal((T + "." + body).getBytes(StandardCharsets.UTF_8)));
        assertThat(verifierAt(T, SECRET).verify("t=" + T + ", v1=" + sdk, body.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(VERIFIED);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "t=%d, v1=%s",
            "t=%d,v1=%s",
            "  t=%d ,   v1=%s  ",
            "v1=%2$s, t=%1$d",
            "t=%d, v1=%s, v0=abc, scheme=x",
            "t=%d, v1=00, v1=%s",
            "t=%d, v1=%s, v1=ff",
            "t=%d, v1=%S",
    })
    void headerVariantsAreAccepted(String format) {
        String header = String.format(Locale.ROOT, format, T, EXPECTED);
        assertThat(verifierAt(T, SECRET).verify(header, BODY)).isEqualTo(VERIFIED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"garbage", "t=abc, v1=00", "v1=00", "t=123", "t=123, v2=00", "t=, v1="})
    void malformedHeadersAreRejected(String header) {
        assertThat(verifierAt(T, SECRET).verify(header, BODY)).isEqualTo(MALFORMED_HEADER);
    }

    @Test
    void missingHeaderIsRejected() {
        assertThat(verifierAt(T, SECRET).verify(null, BODY)).isEqualTo(MISSING_HEADER);
        assertThat(verifierAt(T, SECRET).verify("  ", BODY)).isEqualTo(MISSING_HEADER);
    }

    @Test
    void nonHexOrWrongLengthSignaturesMismatch() {
        assertThat(verifierAt(T, SECRET).verify("t=" + T + ", v1=zz" + EXPECTED.substring(2), BODY))
                .isEqualTo(SIGNATURE_MISMATCH);
        assertThat(verifierAt(T, SECRET).verify("t=" + T + ", v1=" + EXPECTED.substring(1), BODY))
                .isEqualTo(SIGNATURE_MISMATCH);
    }

    @Test
    void toleranceIsTwoSidedAndInclusive() {
        long tol = Duration.ofSeconds(180).toMillis();
        String header = "t=" + T + ", v1=" + EXPECTED;
        assertThat(verifierAt(T + tol, SECRET).verify(header, BODY)).isEqualTo(VERIFIED);
        assertThat(verifierAt(T - tol, SECRET).verify(header, BODY)).isEqualTo(VERIFIED);
        assertThat(verifierAt(T + tol + 1, SECRET).verify(header, BODY)).isEqualTo(TIMESTAMP_OUT_OF_TOLERANCE);
        assertThat(verifierAt(T - tol - 1, SECRET).verify(header, BODY)).isEqualTo(TIMESTAMP_OUT_OF_TOLERANCE);
        // a timestamp in seconds instead of milliseconds is 56 years away, not accepted
        assertThat(verifierAt(T, SECRET).verify("t=" + T / 1000 + ", v1=" + EXPECTED, BODY))
                .isEqualTo(TIMESTAMP_OUT_OF_TOLERANCE);
    }

    @Test
    void configurableTolerance() {
        SignatureVerifier strict = new SignatureVerifier(List.of(SECRET), Duration.ofSeconds(5),
                Clock.fixed(Instant.ofEpochMilli(T + 6000), ZoneOffset.UTC));
        assertThat(strict.verify("t=" + T + ", v1=" + EXPECTED, BODY)).isEqualTo(TIMESTAMP_OUT_OF_TOLERANCE);
    }

    @Test
    void rotationAcceptsEveryConfiguredSecret() {
        SignatureVerifier rotating = verifierAt(T, "whsec_new", SECRET);
        assertThat(rotating.verify(SignatureVerifier.header(SECRET, T, BODY), BODY)).isEqualTo(VERIFIED);
        assertThat(rotating.verify(SignatureVerifier.header("whsec_new", T, BODY), BODY)).isEqualTo(VERIFIED);
        assertThat(rotating.verify(SignatureVerifier.header("whsec_retired", T, BODY), BODY))
                .isEqualTo(SIGNATURE_MISMATCH);
    }

    @Test
    void secretsParsing() {
        assertThat(SignatureVerifier.parseSecrets(" a , b,,c ")).containsExactly("a", "b", "c");
        assertThat(SignatureVerifier.parseSecrets(null)).isEmpty();
        assertThatThrownBy(() -> new SignatureVerifier(List.of(), Duration.ZERO, Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static String rawHmac(String secret, byte[] message) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return java.util.HexFormat.of().formatHex(mac.doFinal(message));
    }
}
