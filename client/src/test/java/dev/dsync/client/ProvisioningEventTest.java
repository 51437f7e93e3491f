package dev.dsync.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** {@code dsync.provisioning} values as docs/change-log-format.md specifies them, read through the serde. */
class ProvisioningEventTest {

    private static final String DIRECTORY = "directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T";
    private static final String USER = "directory_user_01JV3CB2C3D4E5F6G7H8J9K0M1";
    private static final String GROUP = "directory_group_01JV3CD4E5F6G7H8J9K0M1N2P3";

    private static final String USER_UPDATED = """
            {"id":"prov_5b1f0c9e2d7a4f63b8e01c2d3e4f5a6b","type":"user.updated",\
            "directory_id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T","organization_id":"org_01JV3C5W2D8F1G4H6J7K9L0M1N",\
            "entity":{"kind":"user","id":"directory_user_01JV3CB2C3D4E5F6G7H8J9K0M1"},\
            "before":{"id":"directory_user_01JV3CB2C3D4E5F6G7H8J9K0M1","directory_id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T",\
            "organization_id":"org_01JV3C5W2D8F1G4H6J7K9L0M1N","idp_id":"8f3e2a1c","email":"amara.okafor@acme-corp.example",\
            "first_name":"Amara","last_name":"Okafor","name":"Amara Okafor","state":"active","role":"member",\
            "roles":["member"],"custom_attributes":{"department_name":"Research"},"created_at":"2026-05-18T14:03:42.001Z",\
            "updated_at":"2026-05-18T14:03:42.001Z","last_event_id":"event_01JV3CB3","last_event_at":"2026-05-18T14:03:42.300Z"},\
            "after":{"id":"directory_user_01JV3CB2C3D4E5F6G7H8J9K0M1","directory_id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T",\
            "organization_id":"org_01JV3C5W2D8F1G4H6J7K9L0M1N","idp_id":"8f3e2a1c","email":"amara.okafor@acme-corp.example",\
            "first_name":"Amara","last_name":"Okafor","name":"Amara Okafor","state":"active","role":"admin",\
            "roles":["admin","member"],"custom_attributes":{"department_name":"Forschung & Entwicklung"},\
            "created_at":"2026-05-18T14:03:42.001Z","updated_at":"2026-05-19T08:12:09.770Z",\
            "last_event_id":"event_01JV5F0A","last_event_at":"2026-05-19T08:12:10.131Z"},\
            "changed_fields":["custom_attributes.department_name","role","roles","updated_at"],\
            "cause":{"event_id":"event_01JV5F0A","event_type":"dsync.user.updated","source":"webhook"},\
            "occurred_at":"2026-05-19T08:12:10.131Z","applied_at":"2026-05-19T08:12:10.402Z"}""";

    private static ProvisioningEvent read(String json) {
        return DsyncSerdes.provisioningEvent().deserializer()
                .deserialize(DsyncTopics.PROVISIONING, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsAUserUpdateWithTypedBeforeAndAfter() {
        ProvisioningEvent e = read(USER_UPDATED);
        assertThat(e.id()).isEqualTo("prov_5b1f0c9e2d7a4f63b8e01c2d3e4f5a6b");
        assertThat(e.type()).isEqualTo(ProvisioningType.USER_UPDATED);
        assertThat(e.typeName()).isEqualTo("user.updated");
        assertThat(e.directoryId()).isEqualTo(DIRECTORY);
        assertThat(e.organizationId()).isEqualTo("org_01JV3C5W2D8F1G4H6J7K9L0M1N");
        assertThat(e.entity().kind()).isEqualTo(EntityKind.USER);
        assertThat(e.entity().id()).isEqualTo(USER);
        assertThat(e.entity().membershipKey()).isNull();
        assertThat(e.before()).isInstanceOfSatisfying(DirectoryUser.class, u -> assertThat(u.role()).isEqualTo("member"));
        assertThat(e.after()).isInstanceOfSatisfying(DirectoryUser.class, u -> {
            assertThat(u.role()).isEqualTo("admin");
            assertThat(u.roles()).containsExactly("admin", "member");
            assertThat(u.customAttributes().path("department_name").asText()).isEqualTo("Forschung & Entwicklung");
        });
        assertThat(e.changedFields()).containsExactly("custom_attributes.department_name", "role", "roles", "updated_at");
        assertThat(e.cause()).isEqualTo(new ProvisioningEvent.Cause("event_01JV5F0A", "dsync.user.updated",
                ProvisioningEvent.Cause.WEBHOOK));
        assertThat(e.occurredAt()).isEqualTo(Instant.parse("2026-05-19T08:12:10.131Z"));
        assertThat(e.appliedAt()).isEqualTo(Instant.parse("2026-05-19T08:12:10.402Z"));
    }

    @Test
    void readsAProvisioningFromAbsent() {
        String json = """
                {"id":"prov_0a1b2c3d4e5f60718293a4b5c6d7e8f9","type":"user.provisioned",\
                "directory_id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T","organization_id":"org_01JV3C5W2D8F1G4H6J7K9L0M1N",\
                "entity":{"kind":"user","id":"directory_user_01JV3CB2C3D4E5F6G7H8J9K0M1"},"before":null,\
                "after":{"id":"directory_user_01JV3CB2C3D4E5F6G7H8J9K0M1","directory_id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T",\
                "organization_id":"org_01JV3C5W2D8F1G4H6J7K9L0M1N","idp_id":"8f3e2a1c","email":"amara.okafor@acme-corp.example",\
                "first_name":"Amara","last_name":"Okafor","name":"Amara Okafor","state":"active","role":null,"roles":[],\
                "custom_attributes":{},"created_at":"2026-05-18T14:03:42.001Z","updated_at":"2026-05-18T14:03:42.001Z",\
                "last_event_id":"event_01JV3CB3","last_event_at":"2026-05-18T14:03:42.300Z"},\
                "changed_fields":["created_at","custom_attributes","directory_id","email","first_name","id","idp_id",\
                "last_name","name","organization_id","role","roles","state","updated_at"],\
                "cause":{"event_id":"event_01JV3CB3","event_type":"dsync.user.created","source":"webhook"},\
                "occurred_at":"2026-05-18T14:03:42.300Z","applied_at":"2026-05-18T14:03:42.515Z"}""";
        ProvisioningEvent e = read(json);
        assertThat(e.type()).isEqualTo(ProvisioningType.USER_PROVISIONED);
        assertThat(e.before()).isNull();
        assertThat(e.after()).isInstanceOf(DirectoryUser.class);
        assertThat(((DirectoryUser) e.after()).isActive()).isTrue();
        assertThat(e.changedFields()).contains("id", "state", "email").hasSize(14);
    }

    @Test
    void readsACascadedMembershipRevocation() {
        String json = """
                {"id":"prov_9f8e7d6c5b4a39281706f5e4d3c2b1a0","type":"membership.revoked",\
                "directory_id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T","organization_id":"org_01JV3C5W2D8F1G4H6J7K9L0M1N",\
                "entity":{"kind":"membership","group_id":"directory_group_01JV3CD4E5F6G7H8J9K0M1N2P3",\
                "user_id":"directory_user_01JV3CB2C3D4E5F6G7H8J9K0M1"},\
                "before":{"group_id":"directory_group_01JV3CD4E5F6G7H8J9K0M1N2P3","user_id":"directory_user_01JV3CB2C3D4E5F6G7H8J9K0M1",\
                "directory_id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T","organization_id":"org_01JV3C5W2D8F1G4H6J7K9L0M1N",\
                "last_event_id":"event_01JV3CF6","last_event_at":"2026-05-18T14:03:45.118Z"},"after":null,\
                "changed_fields":["directory_id","group_id","organization_id","user_id"],\
                "cause":{"event_id":"event_01JV6A1B","event_type":"dsync.group.deleted","source":"cascade"},\
                "occurred_at":"2026-05-20T09:00:00Z","applied_at":"2026-05-20T09:00:00.381Z"}""";
        ProvisioningEvent e = read(json);
        assertThat(e.type()).isEqualTo(ProvisioningType.MEMBERSHIP_REVOKED);
        assertThat(e.entity().kind()).isEqualTo(EntityKind.MEMBERSHIP);
        assertThat(e.entity().id()).isNull();
        assertThat(e.entity().membershipKey()).isEqualTo(new MembershipKey(GROUP, USER));
        assertThat(e.before()).isInstanceOfSatisfying(GroupMembership.class,
                m -> assertThat(m.key()).isEqualTo(e.entity().membershipKey()));
        assertThat(e.after()).isNull();
        assertThat(e.cause().source()).isEqualTo(ProvisioningEvent.Cause.CASCADE);
        assertThat(e.cause().eventType()).isEqualTo("dsync.group.deleted");
    }

    @Test
    void readsADirectoryDeletionAndAGroupCreation() {
        String deleted = """
                {"id":"prov_11112222333344445555666677778888","type":"directory.deleted",\
                "directory_id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T","organization_id":"org_01JV3C5W2D8F1G4H6J7K9L0M1N",\
                "entity":{"kind":"directory","id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T"},\
                "before":{"id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T","organization_id":"org_01JV3C5W2D8F1G4H6J7K9L0M1N",\
                "type":"okta scim v2.0","state":"deleting","name":"Acme Okta","domains":["acme-corp.example"],\
                "created_at":"2026-05-18T14:03:41.512Z","updated_at":"2026-05-21T10:00:00Z","last_event_id":"event_01JV7",\
                "last_event_at":"2026-05-21T10:00:00.010Z"},"after":null,\
                "changed_fields":["created_at","domains","id","name","organization_id","state","type","updated_at"],\
                "cause":{"event_id":"event_01JV8","event_type":"dsync.deleted","source":"webhook"},\
                "occurred_at":"2026-05-21T10:05:00Z","applied_at":"2026-05-21T10:05:01.200Z"}""";
        ProvisioningEvent d = read(deleted);
        assertThat(d.type()).isEqualTo(ProvisioningType.DIRECTORY_DELETED);
        assertThat(d.before()).isInstanceOfSatisfying(Directory.class,
                dir -> assertThat(dir.domains()).containsExactly("acme-corp.example"));

        String created = """
                {"id":"prov_aaaabbbbccccddddeeeeffff00001111","type":"group.created",\
                "directory_id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T","organization_id":null,\
                "entity":{"kind":"group","id":"directory_group_01JV3CD4E5F6G7H8J9K0M1N2P3"},"before":null,\
                "after":{"id":"directory_group_01JV3CD4E5F6G7H8J9K0M1N2P3","directory_id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T",\
                "organization_id":null,"idp_id":null,"name":"Engineering","created_at":null,"updated_at":null,\
                "last_event_id":"event_01JV3CE5","last_event_at":"2026-05-18T14:03:44.002Z"},\
                "changed_fields":["directory_id","id","name"],\
                "cause":{"event_id":"event_01JV3CE5","event_type":"dsync.group.created","source":"events-api"},\
                "occurred_at":"2026-05-18T14:03:44.002Z","applied_at":"2026-05-18T14:03:44.100Z"}""";
        ProvisioningEvent g = read(created);
        assertThat(g.type()).isEqualTo(ProvisioningType.GROUP_CREATED);
        assertThat(g.organizationId()).isNull();
        assertThat(g.after()).isInstanceOfSatisfying(DirectoryGroup.class, grp -> assertThat(grp.name()).isEqualTo("Engineering"));
        assertThat(g.cause().source()).isEqualTo(ProvisioningEvent.Cause.EVENTS_API);
    }

    @Test
    void aNewerProducersTypesKindsAndFieldsDoNotBreakAnOlderConsumer() {
        String json = """
                {"id":"prov_ffffeeeeddddccccbbbbaaaa99998888","type":"role.assigned","schema_version":2,\
                "directory_id":"directory_01JV3C7Q8Z4M2K9X5N6P7R8S9T","organization_id":"org_01JV3C5W2D8F1G4H6J7K9L0M1N",\
                "entity":{"kind":"role","id":"role_01","scope":"organization"},"before":null,\
                "after":{"id":"role_01","slug":"auditor","last_event_id":"event_01JV9","last_event_at":"2026-06-01T00:00:00Z"},\
                "changed_fields":["id","slug"],\
                "cause":{"event_id":"event_01JV9","event_type":"dsync.role.created","source":"webhook","attempt":3},\
                "occurred_at":"2026-06-01T00:00:00Z","applied_at":"2026-06-01T00:00:00.050Z","trace_id":"abc"}""";
        ProvisioningEvent e = read(json);
        assertThat(e.type()).isEqualTo(ProvisioningType.UNKNOWN);
        assertThat(e.typeName()).isEqualTo("role.assigned");
        assertThat(e.entity().kind()).isEqualTo(EntityKind.UNKNOWN);
        assertThat(e.entity().kindName()).isEqualTo("role");
        assertThat(e.after()).isInstanceOfSatisfying(UnknownEntityState.class, s -> {
            assertThat(s.value().path("slug").asText()).isEqualTo("auditor");
            assertThat(s.lastEventAt()).isEqualTo(Instant.parse("2026-06-01T00:00:00Z"));
        });
        assertThat(e.cause().eventId()).isEqualTo("event_01JV9");

        // a known kind with a new type, and new fields inside a known value
        String newType = USER_UPDATED.replace("\"type\":\"user.updated\"", "\"type\":\"user.locked\"")
                .replace("\"state\":\"active\",\"role\":\"admin\"", "\"state\":\"active\",\"locale\":\"de-CH\",\"role\":\"admin\"");
        ProvisioningEvent locked = read(newType);
        assertThat(locked.type()).isEqualTo(ProvisioningType.UNKNOWN);
        assertThat(locked.after()).isInstanceOf(DirectoryUser.class);
    }

    @Test
    void missingChangedFieldsAreAnEmptyList() {
        String json = USER_UPDATED.replace(
                "\"changed_fields\":[\"custom_attributes.department_name\",\"role\",\"roles\",\"updated_at\"],", "");
        assertThat(read(json).changedFields()).isEmpty();
    }

    @Test
    void writesTheDocumentedShape() throws Exception {
        ObjectMapper mapper = DsyncJson.mapper();
        for (String json : new String[] {USER_UPDATED}) {
            ProvisioningEvent e = read(json);
            byte[] written = DsyncSerdes.provisioningEvent().serializer().serialize(DsyncTopics.PROVISIONING, e);
            assertThat(new String(written, StandardCharsets.UTF_8)).isEqualTo(json);
            assertThat(mapper.readTree(written)).isEqualTo(mapper.readTree(json));
        }
        ProvisioningEvent membership = read(USER_UPDATED.replace(
                "\"entity\":{\"kind\":\"user\",\"id\":\"directory_user_01JV3CB2C3D4E5F6G7H8J9K0M1\"}",
                "\"entity\":{\"kind\":\"membership\",\"group_id\":\"g\",\"user_id\":\"u\"}")
                .replaceAll("\"before\":\\{.*?},\"after\"", "\"before\":null,\"after\"")
                .replaceAll("\"after\":\\{.*?},\"changed_fields\"", "\"after\":null,\"changed_fields\""));
        String written = new String(DsyncSerdes.provisioningEvent().serializer()
                .serialize(DsyncTopics.PROVISIONING, membership), StandardCharsets.UTF_8);
        assertThat(written).contains("\"entity\":{\"kind\":\"membership\",\"group_id\":\"g\",\"user_id\":\"u\"}");
    }
}
