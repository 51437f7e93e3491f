package dev.dsync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The change-log values exactly as docs/change-log-format.md specifies them, read through the serdes. */
class ChangeLogValuesTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsADirectory() {
        String json = """
                {"id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T","organization_id":"org_01JV3C5W2D8F1G4H6J7K9L0M1N",\
                "type":"azure scim v2.0","state":"active","name":"Acme Corp (Entra ID)",\
                "domains":["acme-corp.example","acme.example"],"created_at":"2026-05-18T14:03:41.512Z",\
                "updated_at":"2026-05-18T14:05:00Z","last_event_id":"event_01JV3C9A0B1C2D3E4F5G6H7J8K",\
                "last_event_at":"2026-05-18T14:05:00.004Z"}""";
        Directory d = DsyncSerdes.directory().deserializer().deserialize(DsyncTopics.DIRECTORIES, utf8(json));
        assertThat(d).isEqualTo(new Directory("directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T",
                "org_01JV3C5W2D8F1G4H6J7K9L0M1N", "azure scim v2.0", "active", "Acme Corp (Entra ID)",
                List.of("acme-corp.example", "acme.example"), Instant.parse("2026-05-18T14:03:41.512Z"),
                Instant.parse("2026-05-18T14:05:00Z"), "event_01JV3C9A0B1C2D3E4F5G6H7J8K",
                Instant.parse("2026-05-18T14:05:00.004Z")));
    }

    @Test
    void readsAUserWithCustomAttributesRolesAndNonAsciiNames() {
        String json = """
                {"id":"directory_user_01JV3CB2C3D4E5F6G7H8J9K0M1","directory_id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T",\
                "organization_id":"org_01JV3C5W2D8F1G4H6J7K9L0M1N","idp_id":"8f3e2a1c-77d4-4c1e-9b0a-2f6d5e4c3b2a",\
                "email":"Amara.Okafor@acme-corp.example","first_name":"Amara","last_name":"Okafor-Bjørnsen",\
                "name":"Amara Okafor-Bjørnsen","state":"active","role":"admin","roles":["admin","billing"],\
                "custom_attributes":{"department_name":"Forschung & Entwicklung","employee_number":"10442",\
                "manager":{"email":"k.tanaka@acme-corp.example"},"cost_center":1E+6},\
                "created_at":"2026-05-18T14:03:42.001Z","updated_at":"2026-05-19T08:12:09.770Z",\
                "last_event_id":"event_01JV5F0A1B2C3D4E5F6G7H8J9K","last_event_at":"2026-05-19T08:12:10.131Z"}""";
        DirectoryUser u = DsyncSerdes.user().deserializer().deserialize(DsyncTopics.USERS, utf8(json));
        assertThat(u.id()).isEqualTo("directory_user_01JV3CB2C3D4E5F6G7H8J9K0M1");
        assertThat(u.lastName()).isEqualTo("Okafor-Bjørnsen");
        assertThat(u.isActive()).isTrue();
        assertThat(u.role()).isEqualTo("admin");
        assertThat(u.roles()).containsExactly("admin", "billing");
        assertThat(u.customAttributes().path("department_name").asText()).isEqualTo("Forschung & Entwicklung");
        assertThat(u.customAttributes().path("manager").path("email").asText()).isEqualTo("k.tanaka@acme-corp.example");
        // dsync keeps a number's text; a double would print 1000000.0
        assertThat(u.customAttributes().path("cost_center").decimalValue()).isEqualByComparingTo("1E+6");
        assertThat(u.updatedAt()).isEqualTo(Instant.parse("2026-05-19T08:12:09.770Z"));
        assertThat(u.lastEventAt()).isEqualTo(Instant.parse("2026-05-19T08:12:10.131Z"));
    }

    @Test
    void fieldsWorkosDidNotSendAreNull() {
        String json = """
                {"id":"directory_user_01JV3CB2C3D4E5F6G7H8J9K0M2","directory_id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T",\
                "organization_id":null,"idp_id":null,"email":null,"first_name":null,"last_name":null,"name":null,\
                "state":"inactive","role":null,"roles":null,"custom_attributes":null,"created_at":null,\
                "updated_at":null,"last_event_id":"event_01JV5F0A1B2C3D4E5F6G7H8J9M","last_event_at":"2026-05-19T08:12:10Z"}""";
        DirectoryUser u = DsyncSerdes.user().deserializer().deserialize(DsyncTopics.USERS, utf8(json));
        assertThat(u.isActive()).isFalse();
        assertThat(u.roles()).isNull();
        assertThat(u.customAttributes()).isNull();
        assertThat(u.createdAt()).isNull();
    }

    @Test
    void readsAGroupAndAMembership() {
        String group = """
                {"id":"directory_group_01JV3CD4E5F6G7H8J9K0M1N2P3","directory_id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T",\
                "organization_id":"org_01JV3C5W2D8F1G4H6J7K9L0M1N","idp_id":"02a1f6c3-engineering",\
                "name":"Engineering – Zürich","created_at":"2026-05-18T14:03:43.250Z","updated_at":"2026-05-18T14:03:43.250Z",\
                "last_event_id":"event_01JV3CE5F6G7H8J9K0M1N2P3Q4","last_event_at":"2026-05-18T14:03:44.002Z"}""";
        DirectoryGroup g = DsyncSerdes.group().deserializer().deserialize(DsyncTopics.GROUPS, utf8(group));
        assertThat(g.name()).isEqualTo("Engineering – Zürich");
        assertThat(g.idpId()).isEqualTo("02a1f6c3-engineering");

        String membership = """
                {"group_id":"directory_group_01JV3CD4E5F6G7H8J9K0M1N2P3","user_id":"directory_user_01JV3CB2C3D4E5F6G7H8J9K0M1",\
                "directory_id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T","organization_id":"org_01JV3C5W2D8F1G4H6J7K9L0M1N",\
                "last_event_id":"event_01JV3CF6G7H8J9K0M1N2P3Q4R5","last_event_at":"2026-05-18T14:03:45.118Z"}""";
        GroupMembership m = DsyncSerdes.membership().deserializer().deserialize(DsyncTopics.MEMBERSHIPS, utf8(membership));
        assertThat(m.key()).isEqualTo(new MembershipKey("directory_group_01JV3CD4E5F6G7H8J9K0M1N2P3",
                "directory_user_01JV3CB2C3D4E5F6G7H8J9K0M1"));
        assertThat(m.lastEventAt()).isEqualTo(Instant.parse("2026-05-18T14:03:45.118Z"));
    }

    @Test
    void membershipKeysAreExactlyTheTopologysBytes() {
        String key = "{\"group_id\":\"directory_group_01JV3CD4E5F6G7H8J9K0M1N2P3\",\"user_id\":\"directory_user_01JV3CB2C3D4E5F6G7H8J9K0M1\"}";
        MembershipKey parsed = DsyncSerdes.membershipKey().deserializer().deserialize(DsyncTopics.MEMBERSHIPS, utf8(key));
        assertThat(parsed.groupId()).isEqualTo("directory_group_01JV3CD4E5F6G7H8J9K0M1N2P3");
        // a consumer that looks a membership up by key, or produces one, must hit the same compacted record
        assertThat(DsyncSerdes.membershipKey().serializer().serialize(DsyncTopics.MEMBERSHIPS, parsed))
                .isEqualTo(utf8(key));
    }

    @Test
    void aTombstoneIsNull() {
        assertThat(DsyncSerdes.user().deserializer().deserialize(DsyncTopics.USERS, null)).isNull();
        assertThat(DsyncSerdes.membership().deserializer().deserialize(DsyncTopics.MEMBERSHIPS, null)).isNull();
        assertThat(DsyncSerdes.user().serializer().serialize(DsyncTopics.USERS, null)).isNull();
    }

    @Test
    void fieldsAddedByANewerDsyncAreIgnored() {
        String json = """
                {"id":"directory_group_01JV3CD4E5F6G7H8J9K0M1N2P3","directory_id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T",\
                "organization_id":"org_01JV3C5W2D8F1G4H6J7K9L0M1N","idp_id":null,"name":"Sales","created_at":null,\
                "updated_at":null,"last_event_id":"event_01","last_event_at":"2026-05-18T14:03:44Z",\
                "description":"added in a later version","member_count":12,"owners":[{"id":"x"}]}""";
        assertThat(DsyncSerdes.group().deserializer().deserialize(DsyncTopics.GROUPS, utf8(json)).name())
                .isEqualTo("Sales");
    }

    @Test
    void aBrokenValueFailsWithoutEchoingItsContent() {
        String json = """
                {"id":"directory_user_01","email":"Amara.Okafor@acme-corp.example","created_at":"yesterday"}""";
        assertThatThrownBy(() -> DsyncSerdes.user().deserializer().deserialize(DsyncTopics.USERS, utf8(json)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("DirectoryUser")
                .hasMessageNotContaining("Amara");
    }

    @Test
    void writesWhatItReads() throws Exception {
        String json = """
                {"id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T","organization_id":"org_01JV3C5W2D8F1G4H6J7K9L0M1N",\
                "type":"okta scim v2.0","state":"inactive","name":"Acme","domains":[],"created_at":"2026-05-18T14:03:41.512Z",\
                "updated_at":null,"last_event_id":"event_01JV3C9A0B1C2D3E4F5G6H7J8K","last_event_at":"2026-05-18T14:05:00Z"}""";
        Directory d = DsyncSerdes.directory().deserializer().deserialize(DsyncTopics.DIRECTORIES, utf8(json));
        byte[] written = DsyncSerdes.directory().serializer().serialize(DsyncTopics.DIRECTORIES, d);
        assertThat(new String(written, StandardCharsets.UTF_8)).isEqualTo(json);
    }
}
