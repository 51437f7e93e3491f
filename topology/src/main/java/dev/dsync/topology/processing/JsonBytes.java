package dev.dsync.topology.processing;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A reusable byte buffer that a provisioning record is written into as UTF-8 JSON, piece by piece: the change-log
 * values it embeds are copied as the bytes already encoded for the change-log topics instead of being encoded again.
 * Strings are escaped as Jackson's generator escapes them, and a lone surrogate becomes {@code ?} as the JDK's
 * encoder makes it on the change-log topics. One per processor: not thread-safe.
 */
final class JsonBytes {

    /** What the buffer shrinks back to after an unusually large record. */
    private static final int KEPT = 16 * 1024;

    private byte[] bytes = new byte[4096];
    private int length;

    /** Empties the buffer for the next record. */
    JsonBytes reset() {
        length = 0;
        return this;
    }

    /** The record written since {@link #reset}; the buffer shrinks back after an unusually large one. */
    byte[] toByteArray() {
        byte[] out = Arrays.copyOf(bytes, length);
        if (bytes.length > KEPT) {
            bytes = new byte[KEPT];
        }
        length = 0;
        return out;
    }

    /** Bytes that are already JSON (a change-log value, or {@code null} when there is none). */
    JsonBytes raw(byte[] json) {
        if (json == null) {
            return ascii("null");
        }
        ensure(json.length);
        System.arraycopy(json, 0, bytes, length, json.length);
        length += json.length;
        return this;
    }

    /** Text the caller knows to be ASCII and already JSON (punctuation, a quoted field name, a hex id). */
    JsonBytes ascii(String text) {
        int n = text.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            bytes[length++] = (byte) text.charAt(i);
        }
        return this;
    }

    /** A JSON string, or {@code null}. */
    JsonBytes string(String s) {
        if (s == null) {
            return ascii("null");
        }
        int n = s.length();
        ensure(n + 2);
        int start = length;
        bytes[length++] = '"';
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') {
                // anything to escape or encode: the way the generator and the encoder would
                length = start;
                byte[] quoted = ("\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"")
                        .getBytes(StandardCharsets.UTF_8);
                return raw(quoted);
            }
            bytes[length++] = (byte) c;
        }
        bytes[length++] = '"';
        return this;
    }

    private void ensure(int more) {
        if (length + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
        }
    }
}
