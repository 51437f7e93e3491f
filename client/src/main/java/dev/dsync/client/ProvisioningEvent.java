package dev.dsync.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * A value of {@code dsync.provisioning}: one effective change to one entity, with its state before and after
 * (docs/change-log-format.md, "Provisioning events"). Deduplicate on {@link #id()}: it is deterministic, so a
 * replay of the same input yields the same id.
 *
 * <p>{@link #before()} and {@link #after()} are typed by {@link Entity#kind()} ({@link DirectoryUser} for a user,
 * and so on) and null when the entity was, or is now, absent:
 * <pre>{@code
 * switch (event.type()) {
 *     case USER_PROVISIONED, USER_UPDATED, USER_REACTIVATED -> upsert((DirectoryUser) event.after());
 *     case USER_DEACTIVATED -> deactivate(event.entity().id());
 *     case USER_DEPROVISIONED -> delete(event.entity().id());
 *     default -> { } // other kinds, and UNKNOWN types from a newer dsync
 * }
 * }</pre>
 *
 * @param typeName the {@code type} as sent; {@link #type()} is its typed form
 * @param organizationId from {@code after}, or {@code before} when {@code after} is null
 * @param changedFields top-level fields that differ, sorted; custom attributes as {@code custom_attributes.<key>}
 * @param occurredAt the causing WorkOS event's {@code created_at}
 * @param appliedAt when dsync applied the change (its clock)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"id", "type", "directory_id", "organization_id", "entity", "before", "after", "changed_fields",
        "cause", "occurred_at", "applied_at"})
@JsonDeserialize(using = ProvisioningEvent.Reader.class)
public record ProvisioningEvent(
        @JsonProperty("id") String id,
        @JsonProperty("type") String typeName,
        @JsonProperty("directory_id") String directoryId,
        @JsonProperty("organization_id") String organizationId,
        @JsonProperty("entity") Entity entity,
        @JsonProperty("before") EntityState before,
        @JsonProperty("after") EntityState after,
        @JsonProperty("changed_fields") List<String> changedFields,
        @JsonProperty("cause") Cause cause,
        @JsonProperty("occurred_at") Instant occurredAt,
        @JsonProperty("applied_at") Instant appliedAt) {

    public ProvisioningEvent {
        changedFields = changedFields == null ? List.of() : List.copyOf(changedFields);
    }

    /** The typed {@code type}; {@link ProvisioningType#UNKNOWN} for a type added after this version. */
    public ProvisioningType type() {
        return ProvisioningType.fromWireName(typeName);
    }

    /**
     * What changed: {@code {"kind":"user","id":"…"}}, or for a membership
     * {@code {"kind":"membership","group_id":"…","user_id":"…"}}.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"kind", "id", "group_id", "user_id"})
    public record Entity(
            @JsonProperty("kind") String kindName,
            @JsonProperty("id") String id,
            @JsonProperty("group_id") String groupId,
            @JsonProperty("user_id") String userId) {

        public EntityKind kind() {
            return EntityKind.fromWireName(kindName);
        }

        /** The membership's key, for a membership entity; null otherwise. */
        public MembershipKey membershipKey() {
            return kind() == EntityKind.MEMBERSHIP ? new MembershipKey(groupId, userId) : null;
        }
    }

    /**
     * The WorkOS event that produced the change. For a {@link #CASCADE} it is the deletion the change follows
     * from (a group's deletion for its memberships' revocations, a directory's for everything in it).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"event_id", "event_type", "source"})
    public record Cause(
            @JsonProperty("event_id") String eventId,
            @JsonProperty("event_type") String eventType,
            @JsonProperty("source") String source) {

        public static final String WEBHOOK = "webhook";
        public static final String EVENTS_API = "events-api";
        public static final String RECONCILIATION = "reconciliation";
        public static final String CASCADE = "cascade";
    }

    /**
     * Reads {@code before}/{@code after} as the record type of {@code entity.kind}: the JSON alone does not say
     * which it is, and a kind unknown to this version becomes an {@link UnknownEntityState} instead of an error.
     */
    static final class Reader extends StdDeserializer<ProvisioningEvent> {

        Reader() {
            super(ProvisioningEvent.class);
        }

        @Override
        public ProvisioningEvent deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            JsonNode n = ctx.readTree(p);
            if (!n.isObject()) {
                return ctx.reportInputMismatch(ProvisioningEvent.class, "a provisioning event is a JSON object, not %s",
                        n.getNodeType());
            }
            Entity entity = read(ctx, n.get("entity"), ctx.constructType(Entity.class));
            EntityKind kind = entity == null ? EntityKind.UNKNOWN : entity.kind();
            JavaType stringList = ctx.getTypeFactory().constructCollectionType(List.class, String.class);
            return new ProvisioningEvent(
                    text(n, "id"),
                    text(n, "type"),
                    text(n, "directory_id"),
                    text(n, "organization_id"),
                    entity,
                    state(ctx, n.get("before"), kind),
                    state(ctx, n.get("after"), kind),
                    read(ctx, n.get("changed_fields"), stringList),
                    read(ctx, n.get("cause"), ctx.constructType(Cause.class)),
                    read(ctx, n.get("occurred_at"), ctx.constructType(Instant.class)),
                    read(ctx, n.get("applied_at"), ctx.constructType(Instant.class)));
        }

        private static EntityState state(DeserializationContext ctx, JsonNode value, EntityKind kind)
                throws IOException {
            if (value == null || value.isNull()) {
                return null;
            }
            if (kind == EntityKind.UNKNOWN) {
                return new UnknownEntityState(value);
            }
            return read(ctx, value, ctx.constructType(kind.stateType()));
        }

        private static <T> T read(DeserializationContext ctx, JsonNode value, JavaType type) throws IOException {
            return value == null || value.isNull() ? null : ctx.readTreeAsValue(value, type);
        }

        private static String text(JsonNode n, String field) {
            JsonNode v = n.get(field);
            return v == null || v.isNull() ? null : v.asText();
        }
    }
}
