package dev.dsync.topology.processing;

import java.io.Writer;
import java.util.Arrays;

/**
 * A reusable, unsynchronised {@link Writer} that change-log values are generated into (one per thread; provisioning
 * records are written as bytes, {@link JsonBytes}). A {@link java.io.StringWriter} per record synchronises on every
 * write, grows its buffer while a record is written, and copies it once more to make a string: 2–3 KB of garbage per
 * event.
 */
final class TextBuffer extends Writer {

    /** What the buffer shrinks back to after an unusually large record. */
    private static final int KEPT = 16 * 1024;

    private char[] chars = new char[2048];
    private int length;
    private boolean inUse;

    /**
     * This buffer, emptied, for one record; a new one when this one is still taken (a record written while another is
     * being written on the same thread, which nothing does today), so that two records can never mix.
     */
    TextBuffer take() {
        TextBuffer b = inUse ? new TextBuffer() : this;
        b.length = 0;
        b.inUse = true;
        return b;
    }

    /** The record's text; the buffer is free again, and shrunk back after an unusually large record. */
    String release() {
        String text = toString();
        length = 0;
        inUse = false;
        if (chars.length > KEPT) {
            chars = new char[KEPT];
        }
        return text;
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
}
