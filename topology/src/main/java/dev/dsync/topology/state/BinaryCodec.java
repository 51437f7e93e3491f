package dev.dsync.topology.state;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Helpers for the stores' binary record formats. Binary rather than JSON because every event reads and writes
 * several records and the change-log value inside is already JSON text; wrapping it again would double the work.
 */
final class BinaryCodec {

    private BinaryCodec() {
    }

    interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    static byte[] encode(int sizeHint, Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(sizeHint);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static <T> T decode(byte[] data, Reader<T> reader) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            return reader.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt store record: " + e.getMessage(), e);
        }
    }

    /** Length-prefixed UTF-8, with -1 for null; unlike writeUTF it has no 64 KiB limit. */
    static void writeString(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    static String readString(DataInputStream in) throws IOException {
        int len = in.readInt();
        if (len < 0) {
            return null;
        }
        byte[] b = in.readNBytes(len);
        if (b.length != len) {
            throw new IOException("truncated string");
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    static void writeEventKey(DataOutputStream out, EventKey key) throws IOException {
        out.writeBoolean(key != null);
        if (key != null) {
            out.writeLong(key.createdAtMicros());
            writeString(out, key.eventId());
        }
    }

    static EventKey readEventKey(DataInputStream in) throws IOException {
        return in.readBoolean() ? new EventKey(in.readLong(), readString(in)) : null;
    }
}
