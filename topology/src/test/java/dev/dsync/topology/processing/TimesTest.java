package dev.dsync.topology.processing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.events.EventTimes;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The fast path must agree with EventTimes on every input, shapes it handles or not. */
class TimesTest {

    static LongStream seeds() {
        return LongStream.range(0, 20).map(i -> 0x71DE5L + i);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void agreesWithEventTimesOnRandomTimes(long seed) {
        Random r = new Random(seed);
        for (int i = 0; i < 2000; i++) {
            Instant t = Instant.ofEpochSecond(r.nextLong(-62167219200L, 253402300799L), r.nextInt(4) == 0 ? 0
                    : r.nextBoolean() ? r.nextInt(1000) * 1_000_000 : r.nextInt(1_000_000_000));
            String iso = EventTimes.format(t);
            String text = switch (r.nextInt(6)) {
                case 0 -> iso;
                case 1 -> iso.replace('T', ' ');
                case 2 -> iso.replace("Z", "");
                case 3 -> iso.replace('T', ' ').replace("Z", "");
                case 4 -> iso.replace("Z", "") + "000".substring(r.nextInt(3));
                default -> mutate(iso, r);
            };
            check(text, seed);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void formatsMicrosAsEventTimesDoes(long seed) {
        Random r = new Random(seed);
        for (int i = 0; i < 5000; i++) {
            long seconds = switch (r.nextInt(4)) {
                case 0 -> r.nextLong(0, 253402300799L); // up to 9999-12-31T23:59:59
                case 1 -> r.nextLong(253402300799L - 100, 253402300799L + 100); // around the year 10000
                case 2 -> r.nextLong(0, 100); // around the epoch
                default -> r.nextLong(1_500_000_000L, 2_000_000_000L); // the years WorkOS events carry
            };
            long micros = seconds * 1_000_000L + switch (r.nextInt(4)) {
                case 0 -> 0;
                case 1 -> r.nextInt(1000) * 1000L;
                default -> r.nextInt(1_000_000);
            };
            assertThat(Times.formatMicros(micros)).as("seed %d: %d", seed, micros)
                    .isEqualTo(EventTimes.format(EventInterpreter.instant(micros)));
        }
        assertThat(Times.formatMicros(Long.MAX_VALUE)).isEqualTo(EventTimes.format(EventInterpreter.instant(Long.MAX_VALUE)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-05-18T14:03:41.512Z", "2023-04-28 20:05:31.093", "2021-10-27 15:21:50.640959",
            "2021-06-25T19:07:33Z", "2021-06-25T19:07:33.000Z", "2021-06-25T19:07:33.100000Z",
            "2021-06-25T19:07:33.123456789Z", "2021-06-25T19:07:33.1234567891Z", "2021-02-30T10:00:00Z",
            "2021-06-25T19:07", "2021-06-25T19:07:33+02:00", "2021-06-25t19:07:33z", " 2021-06-25T19:07:33Z ",
            "2021-06-25T19:07:33.", "2021-06-25T24:00:00Z", "2021-06-25T19:07:60Z", "garbage", "",
            "20210625T190733Z", "2021-06-25T19:07:33ZZ", "+12021-06-25T19:07:33Z", "+300000-01-01T00:00:00Z",
            "-4714-11-24T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z"})
    void agreesWithEventTimesOnOddShapes(String text) {
        check(text, -1);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4, 100, 399, 400, 1600, 1700, 1900, 1969, 1970, 1972, 2000, 2023, 2024, 2100, 9996, 9999})
    void agreesWithEventTimesOnEveryDayOfTheCalendarsEdges(int year) {
        for (int month = 0; month <= 13; month++) {
            for (int day = 0; day <= 32; day++) {
                boolean valid = month >= 1 && month <= 12 && day >= 1
                        && day <= java.time.YearMonth.of(year, month).lengthOfMonth();
                for (String text : List.of(String.format("%04d-%02d-%02dT23:59:59.5Z", year, month, day),
                        String.format("%04d-%02d-%02d 00:00:00", year, month, day))) {
                    check(text, year);
                    // the fast path itself, which parse() would otherwise hide behind its fallback
                    assertThat(Times.fastParse(text)).as(text)
                            .isEqualTo(valid ? EventTimes.parse(text).orElseThrow() : null);
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void timesPostgresqlCannotHoldAreNull() {
        assertThat(Times.normalize("+300000-01-01T00:00:00Z")).isNull();
        assertThat(Times.normalize("-4714-11-24T00:00:00Z")).isNull();
        assertThat(Times.normalize("+10000-01-01T00:00:00Z")).isNull();
        assertThat(Times.normalize("9999-12-31 23:59:59.999")).isEqualTo("9999-12-31T23:59:59.999Z");
        assertThat(Times.normalize("0000-01-01 00:00:00")).isEqualTo("0000-01-01T00:00:00Z");
    }

    private static void check(String text, long seed) {
        assertThat(Times.parse(text)).as("seed %d: %s", seed, text).isEqualTo(EventTimes.parse(text));
        assertThat(Times.normalize(text)).as("seed %d: %s", seed, text)
                .isEqualTo(EventTimes.parse(text).filter(Times::fourDigitYear).map(EventTimes::format).orElse(null));
    }

    private static String mutate(String s, Random r) {
        StringBuilder b = new StringBuilder(s);
        int at = r.nextInt(b.length());
        switch (r.nextInt(3)) {
            case 0 -> b.deleteCharAt(at);
            case 1 -> b.insert(at, "0:.T Z-".charAt(r.nextInt(7)));
            default -> b.setCharAt(at, "0123456789:.TZ -".charAt(r.nextInt(16)));
        }
        return b.toString();
    }
}
