package dev.dsync.topology.processing;

import dev.dsync.events.EventTimes;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.Month;
import java.time.Year;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * {@link EventTimes} with a fast path for the shapes WorkOS actually sends ({@code 2026-05-18T14:03:41.512Z},
 * {@code 2023-04-28 20:05:31.093}, {@code 2021-10-27 15:21:50.640959}): the lenient formatter allocates heavily,
 * and every event carries up to four timestamps. Anything else goes to {@link EventTimes}, so the results are
 * the same (TimesTest compares them).
 */
final class Times {

    private Times() {
    }

    static Optional<Instant> parse(String text) {
        Instant fast = fastParse(text);
        return fast != null ? Optional.of(fast) : EventTimes.parse(text);
    }

    /**
     * The ISO-8601 UTC form ({@code ISO_INSTANT}) of a WorkOS time, or null when it is not a time or lies outside
     * the years 0000–9999: PostgreSQL's {@code timestamptz} refuses a year such as 300000, and one such value failed
     * the users sink for good.
     */
    static String normalize(String text) {
        if (isCanonical(text)) {
            return text;
        }
        return parse(text).filter(Times::fourDigitYear).map(EventTimes::format).orElse(null);
    }

    /** Between 0000-01-01 and 9999-12-31 (UTC), the years ISO-8601 writes with four digits. */
    static boolean fourDigitYear(Instant t) {
        return !t.isBefore(FIRST) && t.isBefore(AFTER_LAST);
    }

    private static final Instant FIRST = Instant.parse("0000-01-01T00:00:00Z");
    private static final Instant AFTER_LAST = Instant.parse("+10000-01-01T00:00:00Z");

    /** {@code yyyy-MM-dd[T ]HH:mm:ss[.f{1,9}][Z]}, in UTC; null for any other shape or an invalid date. */
    static Instant fastParse(String s) {
        if (s == null || s.length() < 19) {
            return null;
        }
        char sep = s.charAt(10);
        if (s.charAt(4) != '-' || s.charAt(7) != '-' || (sep != 'T' && sep != ' ') || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
            return null;
        }
        int n = s.length();
        int i = 19;
        int nano = 0;
        if (i < n && s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
            int len = i - start;
            if (len == 0 || len > 9) {
                return null;
            }
            nano = digits(s, start, len);
            for (int k = len; k < 9; k++) {
                nano *= 10;
            }
        }
        if (i < n && s.charAt(i) == 'Z') {
            i++;
        }
        if (i != n) {
            return null;
        }
        // what LocalDateTime.of would refuse, checked without building one: every event has up to four times
        if (month < 1 || month > 12 || day < 1 || day > Month.of(month).length(Year.isLeap(year)) || hour > 23
                || minute > 59 || second > 59) {
            return null;
        }
        return Instant.ofEpochSecond(epochDay(year, month, day) * 86_400L + hour * 3_600L + minute * 60L + second,
                nano);
    }

    /**
     * Days since 1970-01-01 of a valid proleptic Gregorian date, as {@code LocalDate.toEpochDay} counts them, without
     * building the date (the days-from-civil algorithm).
     */
    static long epochDay(int year, int month, int day) {
        int y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        int yearOfEra = (int) (y - era * 400);
        int dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097 + dayOfEra - 719_468;
    }

    /** Already exactly what {@code ISO_INSTANT} would print (fraction of 3, 6 or 9 digits, none when zero). */
    static boolean isCanonical(String s) {
        if (s == null || s.length() < 20 || s.charAt(10) != 'T' || s.charAt(s.length() - 1) != 'Z'
                || fastParse(s) == null) {
            return false;
        }
        int len = s.length();
        if (len == 20) {
            return true;
        }
        if (s.charAt(19) != '.') {
            return false;
        }
        int fraction = len - 21;
        if (fraction != 3 && fraction != 6 && fraction != 9) {
            return false;
        }
        // ISO_INSTANT prints the shortest of 3, 6 or 9 digits that holds the value, so never ends them in 000
        return !s.regionMatches(len - 4, "000", 0, 3);
    }

    /**
     * {@code ISO_INSTANT}'s text of a time in epoch microseconds, written without the formatter: every event's
     * {@code created_at} is written this way, and the formatter cost the stream thread 2% of its time.
     */
    static String formatMicros(long micros) {
        long seconds = Math.floorDiv(micros, 1_000_000L);
        int fraction = (int) Math.floorMod(micros, 1_000_000L);
        if (micros < 0 || seconds >= LAST_FAST_SECOND) {
            return EventTimes.format(EventInterpreter.instant(micros));
        }
        LocalDateTime t = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC);
        char[] c = new char[27];
        put(c, 0, t.getYear(), 4);
        c[4] = '-';
        put(c, 5, t.getMonthValue(), 2);
        c[7] = '-';
        put(c, 8, t.getDayOfMonth(), 2);
        c[10] = 'T';
        put(c, 11, t.getHour(), 2);
        c[13] = ':';
        put(c, 14, t.getMinute(), 2);
        c[16] = ':';
        put(c, 17, t.getSecond(), 2);
        int end = 19;
        // as ISO_INSTANT: no fraction when it is zero, else the shortest of 3 or 6 digits that holds it
        if (fraction != 0) {
            c[end++] = '.';
            if (fraction % 1000 == 0) {
                put(c, end, fraction / 1000, 3);
                end += 3;
            } else {
                put(c, end, fraction, 6);
                end += 6;
            }
        }
        c[end++] = 'Z';
        return new String(c, 0, end);
    }

    /** The first second of the year 10000, which ISO_INSTANT writes with a sign. */
    private static final long LAST_FAST_SECOND = AFTER_LAST.getEpochSecond();

    private static void put(char[] c, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            c[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    private static int digits(String s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (!isDigit(c)) {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
