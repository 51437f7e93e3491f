package dev.dsync.topology.state;

import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Stored state of one (group, user) membership: last writer wins on the event time, so a removal is kept as an
 * absent marker until retention ends, or a stale {@code user_added} retry would bring the membership back.
 *
 * @param version    the event that produced this state
 * @param markerAtMs wall-clock time an absent marker was written (0 when present)
 * @param value      the change-log value (JSON); null when absent
 */
public record MembershipRecord(EventKey version, long markerAtMs, String value) {

    public static final Serde<MembershipRecord> SERDE =
            Serdes.serdeFrom(new MembershipSerializer(), new MembershipDeserializer());

    private static final byte FORMAT = 1;

    public MembershipRecord {
        Objects.requireNonNull(version, "version");
    }

    public static MembershipRecord present(EventKey version, String value) {
        return new MembershipRecord(version, 0, Objects.requireNonNull(value, "value"));
    }

    public static MembershipRecord absent(EventKey version, long markerAtMs) {
        return new MembershipRecord(version, markerAtMs, null);
    }

    public boolean present() {
        return value != null;
    }

    public static String rendered(MembershipRecord record) {
        return record == null ? null : record.value;
    }

    private static final class MembershipSerializer implements Serializer<MembershipRecord> {
        @Override
        public byte[] serialize(String topic, MembershipRecord r) {
            if (r == null) {
                return null;
            }
            return BinaryCodec.encode(48 + (r.value == null ? 0 : r.value.length() + 8), out -> {
                out.writeByte(FORMAT);
                BinaryCodec.writeEventKey(out, r.version);
                out.writeLong(r.markerAtMs);
                BinaryCodec.writeString(out, r.value);
            });
        }
    }

    private static final class MembershipDeserializer implements Deserializer<MembershipRecord> {
        @Override
        public MembershipRecord deserialize(String topic, byte[] data) {
            if (data == null) {
                return null;
            }
            return BinaryCodec.decode(data, in -> {
                EntityRecord.checkFormat(in.get());
                EventKey version = BinaryCodec.readEventKey(in);
                return new MembershipRecord(version, in.getLong(), BinaryCodec.readString(in));
            });
        }
    }
}
