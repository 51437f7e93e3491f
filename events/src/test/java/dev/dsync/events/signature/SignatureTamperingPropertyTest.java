package dev.dsync.events.signature;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property: any change to one byte of the body, the timestamp or the signature makes verification fail.
 * Each seed generates one random case; a failure names its seed, so it can be replayed exactly.
 */
class SignatureTamperingPropertyTest {

    static final String SECRET = "whsec_property";
    static final long T = 1782236550066L;

    final SignatureVerifier verifier = new SignatureVerifier(List.of(SECRET), SignatureVerifier.DEFAULT_TOLERANCE,
            Clock.fixed(Instant.ofEpochMilli(T), ZoneOffset.UTC));

    static LongStream seeds() {
        return LongStream.range(0, 400);
    }

    static byte[] randomBody(Random random, int minLength) {
        byte[] body = new byte[minLength + random.nextInt(2000)];
        random.nextBytes(body);
        return body;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void untouchedBodyVerifies(long seed) {
        byte[] body = randomBody(new Random(seed), 0);
        assertThat(verifier.verify(SignatureVerifier.header(SECRET, T, body), body))
                .isEqualTo(SignatureVerifier.Outcome.VERIFIED);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void flippingAnyBodyByteFails(long seed) {
        Random random = new Random(seed);
        byte[] body = randomBody(random, 1);
        String header = SignatureVerifier.header(SECRET, T, body);
        byte[] tampered = body.clone();
        tampered[random.nextInt(body.length)] ^= (byte) (1 + random.nextInt(255));
        assertThat(verifier.verify(header, tampered)).isEqualTo(SignatureVerifier.Outcome.SIGNATURE_MISMATCH);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void changingTheTimestampFails(long seed) {
        Random random = new Random(seed);
        byte[] body = randomBody(random, 0);
        long delta = random.nextBoolean() ? 1 + random.nextInt(170_000) : -1 - random.nextInt(170_000);
        String signature = SignatureVerifier.sign(SECRET, T, body);
        assertThat(verifier.verify("t=" + (T + delta) + ", v1=" + signature, body))
                .isEqualTo(SignatureVerifier.Outcome.SIGNATURE_MISMATCH);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void changingAnySignatureByteFails(long seed) {
        Random random = new Random(seed);
        byte[] body = randomBody(random, 0);
        byte[] signature = HexFormat.of().parseHex(SignatureVerifier.sign(SECRET, T, body));
        signature[random.nextInt(signature.length)] ^= (byte) (1 + random.nextInt(255));
        assertThat(verifier.verify("t=" + T + ", v1=" + HexFormat.of().formatHex(signature), body))
                .isEqualTo(SignatureVerifier.Outcome.SIGNATURE_MISMATCH);
    }
}
