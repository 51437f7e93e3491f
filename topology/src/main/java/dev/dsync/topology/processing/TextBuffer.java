package dev.dsync.topology.processing;

import java.io.Writer;
import java.util.Arrays;

/**
 * A reusable, unsynchronised {@link Writer} that change-log values and provisioning records are generated into,
 * one per stream thread. A {@link java.io.StringWriter} per record synchronises on every write, grows its buffer
 * while a record is written, and copies it again to make a string and then bytes: about 4 KB of garbage per event.
 */
final class TextBuffer extends Writer {

    /** What the buffer shrinks back to after an unusually large record. */
    private static final int KEPT = 16 * 1024;

    private char[] chars = new char[2048];
    private int length;

    /** Empties the buffer for the next record. */
    TextBuffer reset() {
        if (chars.length > KEPT) {
            chars = new char[KEPT];
        }
        length = 0;
        return this;
    }

    private void ensure(int more) {
        if (length + more > chars.length) {
            chars = Arrays.copyOf(chars, Math.max(chars.length * 2, length + more));
        }
    }

    @Override
    public void write(char[] c, int offset, int count) {
        ensure(count);
        System.arraycopy(c, offset, chars, length, count);
        length += count;
    }

    @Override
    public void write(int c) {
        ensure(1);
        chars[length++] = (char) c;
    }

    @Override
    public void write(String s, int offset, int count) {
        ensure(count);
        s.getChars(offset, offset + count, chars, length);
        length += count;
    }

    @Override
    public void flush() {
        // nothing is buffered beyond the text itself
    }

    @Override
    public void close() {
        // reused: a generator closing its target must not end it
    }

    @Override
    public String toString() {
        return new String(chars, 0, length);
    }

    /**
     * The text in UTF-8, byte for byte what {@code toString().getBytes(UTF_8)} gives, without the string: a lone
     * surrogate (which a JSON escape in an accepted event can produce) becomes {@code ?}.
     */
    byte[] utf8() {
        int size = 0;
        for (int i = 0; i < length; i++) {
            char c = chars[i];
            if (c < 0x80) {
                size++;
            } else if (c < 0x800) {
                size += 2;
            } else if (!Character.isSurrogate(c)) {
                size += 3;
            } else if (pairAt(i)) {
                size += 4;
                i++;
            } else {
                size++;
            }
        }
        byte[] out = new byte[size];
        int at = 0;
        for (int i = 0; i < length; i++) {
            char c = chars[i];
            if (c < 0x80) {
                out[at++] = (byte) c;
            } else if (c < 0x800) {
                out[at++] = (byte) (0xC0 | (c >> 6));
                out[at++] = (byte) (0x80 | (c & 0x3F));
            } else if (!Character.isSurrogate(c)) {
                out[at++] = (byte) (0xE0 | (c >> 12));
                out[at++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[at++] = (byte) (0x80 | (c & 0x3F));
            } else if (pairAt(i)) {
                int cp = Character.toCodePoint(c, chars[++i]);
                out[at++] = (byte) (0xF0 | (cp >> 18));
                out[at++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                out[at++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                out[at++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                out[at++] = '?';
            }
        }
        return out;
    }

    private boolean pairAt(int i) {
        return Character.isHighSurrogate(chars[i]) && i + 1 < length && Character.isLowSurrogate(chars[i + 1]);
    }
}
