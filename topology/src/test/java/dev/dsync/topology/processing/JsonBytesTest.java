package dev.dsync.topology.processing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.events.EventParser;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Provisioning records are written as bytes: every string must come out as the mapper and the encoder make it. */
class JsonBytesTest {

    static LongStream seeds() {
        long base = Long.getLong("dsync.seed", 20_261_129L);
        return LongStream.range(base, base + 20);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void stringsAreWrittenAsTheMapperWritesThem(long seed) throws Exception {
        Random r = new Random(seed);
        JsonBytes out = new JsonBytes();
        for (int i = 0; i < 2_000; i++) {
            String s = randomString(r);
            byte[] expected = EventParser.MAPPER.writeValueAsString(s).getBytes(StandardCharsets.UTF_8);
            assertThat(new String(out.reset().string(s).toByteArray(), StandardCharsets.ISO_8859_1))
                    .as("seed %d: %s", seed, s)
                    .isEqualTo(new String(expected, StandardCharsets.ISO_8859_1));
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void piecesFollowEachOtherAcrossTheBuffersGrowth(long seed) {
        Random r = new Random(seed);
        JsonBytes out = new JsonBytes().reset();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            String piece = "x".repeat(r.nextInt(3_000));
            out.ascii(piece);
            expected.append(piece);
            byte[] raw = ("[" + i + "]").getBytes(StandardCharsets.UTF_8);
            out.raw(raw);
            expected.append('[').append(i).append(']');
        }
        out.raw(null);
        expected.append("null");
        assertThat(new String(out.toByteArray(), StandardCharsets.UTF_8)).isEqualTo(expected.toString());
        assertThat(out.reset().string(null).toByteArray()).isEqualTo("null".getBytes(StandardCharsets.UTF_8));
    }

    private static String randomString(Random r) {
        int n = r.nextInt(12);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(8)) {
                case 0 -> b.append((char) r.nextInt(0x20)); // control characters
                case 1 -> b.append("\"\\/\u007f".charAt(r.nextInt(4)));
                case 2 -> b.append((char) (0x80 + r.nextInt(0x800))); // two-byte UTF-8
                case 3 -> b.append((char) (0xD800 + r.nextInt(0x800))); // lone or paired surrogates
                case 4 -> b.appendCodePoint(0x10000 + r.nextInt(0x10000)); // a proper pair
                default -> b.append((char) (0x20 + r.nextInt(0x5F))); // printable ASCII
            }
        }
        return b.toString();
    }
}
