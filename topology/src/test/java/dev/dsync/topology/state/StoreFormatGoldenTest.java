package dev.dsync.topology.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The bytes the RocksDB stores (and their changelog topics) hold, frozen: a change to the record format must be a
 * new format byte that the readers dispatch on, never a silent reinterpretation of what a running deployment already
 * stored. Each record starts with its format byte (01 today); an unknown one is refused, not misread.
 */
class StoreFormatGoldenTest {

    private static final HexFormat HEX = HexFormat.of();

    static final EntityRecord LIVE = new EntityRecord(new Version(1_700_000_000_000_001L, 1_700_000_000_000_002L,
            "event_1"), false, new EventKey(1_600_000_000_000_000L, "event_0"), 42L, "{\"id\":\"u\"}");
    static final EntityRecord TOMBSTONE = EntityRecord.tombstone(new Version(5L, 6L, "event_del"), null, 7L);
    static final MembershipRecord PRESENT = MembershipRecord.present(new EventKey(9L, "event_m"), "{\"g\":1}");
    static final MembershipRecord ABSENT = MembershipRecord.absent(new EventKey(10L, "event_r"), 11L);
    static final EventKey KEY = new EventKey(12L, "event_k");

    static final String LIVE_HEX =
            "010000060a24181e400100060a24181e4002000000076576656e745f31010005af3107a40000000000076576656e745f30000000000000002a0000000a7b226964223a2275227d";
    static final String TOMBSTONE_HEX =
            "010100000000000000050000000000000006000000096576656e745f64656c000000000000000007ffffffff";
    static final String PRESENT_HEX =
            "01010000000000000009000000076576656e745f6d0000000000000000000000077b2267223a317d";
    static final String ABSENT_HEX =
            "0101000000000000000a000000076576656e745f72000000000000000bffffffff";
    static final String KEY_HEX =
            "0101000000000000000c000000076576656e745f6b";

    @Test
    void entityRecordsKeepTheirBytes() {
        assertThat(hex(EntityRecord.SERDE.serializer().serialize("t", LIVE))).isEqualTo(LIVE_HEX);
        assertThat(hex(EntityRecord.SERDE.serializer().serialize("t", TOMBSTONE))).isEqualTo(TOMBSTONE_HEX);
        assertThat(EntityRecord.SERDE.deserializer().deserialize("t", HEX.parseHex(LIVE_HEX))).isEqualTo(LIVE);
        assertThat(EntityRecord.SERDE.deserializer().deserialize("t", HEX.parseHex(TOMBSTONE_HEX))).isEqualTo(TOMBSTONE);
    }

    @Test
    void membershipRecordsAndEventKeysKeepTheirBytes() {
        assertThat(hex(MembershipRecord.SERDE.serializer().serialize("t", PRESENT))).isEqualTo(PRESENT_HEX);
        assertThat(hex(MembershipRecord.SERDE.serializer().serialize("t", ABSENT))).isEqualTo(ABSENT_HEX);
        assertThat(hex(EventKey.SERDE.serializer().serialize("t", KEY))).isEqualTo(KEY_HEX);
        assertThat(MembershipRecord.SERDE.deserializer().deserialize("t", HEX.parseHex(PRESENT_HEX))).isEqualTo(PRESENT);
        assertThat(MembershipRecord.SERDE.deserializer().deserialize("t", HEX.parseHex(ABSENT_HEX))).isEqualTo(ABSENT);
        assertThat(EventKey.SERDE.deserializer().deserialize("t", HEX.parseHex(KEY_HEX))).isEqualTo(KEY);
    }

    @Test
    void aRecordOfAnotherFormatIsRefusedNotMisread() {
        byte[] entity = HEX.parseHex(LIVE_HEX);
        byte[] membership = HEX.parseHex(PRESENT_HEX);
        byte[] key = HEX.parseHex(KEY_HEX);
        for (byte[] golden : new byte[][] {entity, membership, key}) {
            assertThat(golden[0]).as("the format byte leads").isEqualTo((byte) 1);
            golden[0] = 2;
        }
        assertThatThrownBy(() -> EntityRecord.SERDE.deserializer().deserialize("t", entity)).hasMessageContaining("format");
        assertThatThrownBy(() -> MembershipRecord.SERDE.deserializer().deserialize("t", membership))
                .hasMessageContaining("format");
        assertThatThrownBy(() -> EventKey.SERDE.deserializer().deserialize("t", key)).hasMessageContaining("format");
    }

    private static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }
}
