package dev.dsync.topology.state;

import java.io.IOException;
import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Stored state of a directory, user or group.
 *
 * @param version  the version of the event that produced this state (a delete is a version too)
 * @param deleted  a tombstone marker: the row is gone, the version stays so that stale events cannot revive it
 * @param barrier  the newest delete seen for this entity, even one that lost on version: events (memberships, or
 *                 for a directory everything in it) at or before it are ignored. Null when there was none.
 * @param markerAtMs wall-clock time the tombstone or barrier was written; retention is measured from it
 * @param value    the change-log value (JSON) this state renders to; null when deleted
 */
public record EntityRecord(Version version, boolean deleted, EventKey barrier, long markerAtMs, String value) {

    public static final Serde<EntityRecord> SERDE = Serdes.serdeFrom(new EntitySerializer(), new EntityDeserializer());

    private static final byte FORMAT = 1;

    public EntityRecord {
        Objects.requireNonNull(version, "version");
        if (deleted == (value != null)) {
            throw new IllegalArgumentException("a live record needs a value, a tombstone must have none");
        }
    }

    public static EntityRecord live(Version version, String value, EntityRecord previous) {
        return previous == null
                ? new EntityRecord(version, false, null, 0, value)
                : new EntityRecord(version, false, previous.barrier, previous.markerAtMs, value);
    }

    public static EntityRecord tombstone(Version version, EventKey barrier, long markerAtMs) {
        return new EntityRecord(version, true, barrier, markerAtMs, null);
    }

    public EntityRecord withBarrier(EventKey newBarrier, long newMarkerAtMs) {
        return new EntityRecord(version, deleted, newBarrier, newMarkerAtMs, value);
    }

    /** The change-log value of this state: null for a tombstone. */
    public static String rendered(EntityRecord record) {
        return record == null ? null : record.value;
    }

    private static final class EntitySerializer implements Serializer<EntityRecord> {
        @Override
        public byte[] serialize(String topic, EntityRecord r) {
            if (r == null) {
                return null;
            }
            return BinaryCodec.encode(64 + (r.value == null ? 0 : r.value.length() + 16), out -> {
                out.writeByte(FORMAT);
                out.writeBoolean(r.deleted);
                out.writeLong(r.version.updatedAtMicros());
                out.writeLong(r.version.createdAtMicros());
                BinaryCodec.writeString(out, r.version.eventId());
                BinaryCodec.writeEventKey(out, r.barrier);
                out.writeLong(r.markerAtMs);
                BinaryCodec.writeString(out, r.value);
            });
        }
    }

    private static final class EntityDeserializer implements Deserializer<EntityRecord> {
        @Override
        public EntityRecord deserialize(String topic, byte[] data) {
            if (data == null) {
                return null;
            }
            return BinaryCodec.decode(data, in -> {
                checkFormat(in.get());
                boolean deleted = BinaryCodec.readBoolean(in);
                Version version = new Version(in.getLong(), in.getLong(), BinaryCodec.readString(in));
                EventKey barrier = BinaryCodec.readEventKey(in);
                long markerAt = in.getLong();
                return new EntityRecord(version, deleted, barrier, markerAt, BinaryCodec.readString(in));
            });
        }
    }

    static void checkFormat(byte format) throws IOException {
        if (format != FORMAT) {
            throw new IOException("unknown store record format " + format);
        }
    }
}
