package dev.dsync.topology.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Helpers for the stores' binary record formats. Binary rather than JSON because every event reads and writes
 * several records and the change-log value inside is already JSON text; wrapping it again would double the work.
 * The layout is {@link java.io.DataOutputStream}'s (big-endian), written without its streams: every event
 * encodes and decodes a few records, and those streams synchronise on every call.
 */
final class BinaryCodec {

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private BinaryCodec() {
    }

    interface Writer {
        void write(Out out);
    }

    interface Reader<T> {
        T read(ByteBuffer in) throws IOException;
    }

    /** A growable byte array written big-endian. */
    static final class Out {
        private byte[] buf;
        private int length;

        private Out(int sizeHint) {
            buf = new byte[Math.max(16, sizeHint)];
        }

        private void ensure(int more) {
            if (length + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, length + more));
            }
        }

        void writeByte(int b) {
            ensure(1);
            buf[length++] = (byte) b;
        }

        void writeBoolean(boolean v) {
            writeByte(v ? 1 : 0);
        }

        void writeInt(int v) {
            ensure(4);
            INT.set(buf, length, v);
            length += 4;
        }

        void writeLong(long v) {
            ensure(8);
            LONG.set(buf, length, v);
            length += 8;
        }

        void write(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, length, b.length);
            length += b.length;
        }

        private byte[] toByteArray() {
            return length == buf.length ? buf : Arrays.copyOf(buf, length);
        }
    }

    static byte[] encode(int sizeHint, Writer writer) {
        Out out = new Out(sizeHint);
        writer.write(out);
        return out.toByteArray();
    }

    static <T> T decode(byte[] data, Reader<T> reader) {
        try {
            return reader.read(ByteBuffer.wrap(data));
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt store record: " + e.getMessage(), e);
        } catch (BufferUnderflowException e) {
            throw new UncheckedIOException("corrupt store record: truncated", new IOException(e));
        }
    }

    /** Length-prefixed UTF-8, with -1 for null; unlike writeUTF it has no 64 KiB limit. */
    static void writeString(Out out, String s) {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    static String readString(ByteBuffer in) throws IOException {
        int len = in.getInt();
        if (len < 0) {
            return null;
        }
        if (len > in.remaining()) {
            throw new IOException("truncated string");
        }
        String s = new String(in.array(), in.arrayOffset() + in.position(), len, StandardCharsets.UTF_8);
        in.position(in.position() + len);
        return s;
    }

    static boolean readBoolean(ByteBuffer in) {
        return in.get() != 0;
    }

    static void writeEventKey(Out out, EventKey key) {
        out.writeBoolean(key != null);
        if (key != null) {
            out.writeLong(key.createdAtMicros());
            writeString(out, key.eventId());
        }
    }

    static EventKey readEventKey(ByteBuffer in) throws IOException {
        return readBoolean(in) ? new EventKey(in.getLong(), readString(in)) : null;
    }
}
