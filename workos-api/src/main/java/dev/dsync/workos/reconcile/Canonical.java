package dev.dsync.workos.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.events.EventTimes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What a consumer of the mirror can see of a directory, user or group, in one form for both sides of a
 * reconciliation: a WorkOS REST object and a change-log value (docs/change-log-format.md) of the same entity in the
 * same state have the same fingerprint. Bookkeeping fields ({@code last_event_id}, {@code last_event_at},
 * {@code created_at}) and REST-only fields ({@code groups}, {@code raw_attributes}, {@code object}) are left out.
 */
public final class Canonical {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Canonical() {
    }

    public static long user(JsonNode u) {
        ObjectNode o = NODES.objectNode();
        for (String f : new String[] {"organization_id", "idp_id", "email", "first_name", "last_name", "name"}) {
            o.put(f, text(u, f));
        }
        o.put("state", userState(u));
        o.put("role", slug(u.get("role")));
        JsonNode roles = u.get("roles");
        if (roles != null && roles.isArray()) {
            TreeSet<String> slugs = new TreeSet<>();
            roles.forEach(r -> {
                String s = slug(r);
                if (s != null) {
                    slugs.add(s);
                }
            });
            ArrayNode a = o.putArray("roles");
            slugs.forEach(a::add);
        } else {
            o.putNull("roles");
        }
        JsonNode custom = u.get("custom_attributes");
        o.set("custom_attributes", custom != null && custom.isObject() ? custom : NODES.nullNode());
        o.put("updated_at", time(u, "updated_at"));
        return hash(o);
    }

    public static long group(JsonNode g) {
        ObjectNode o = NODES.objectNode();
        for (String f : new String[] {"organization_id", "idp_id", "name"}) {
            o.put(f, text(g, f));
        }
        o.put("updated_at", time(g, "updated_at"));
        return hash(o);
    }

    public static long directory(JsonNode d) {
        ObjectNode o = NODES.objectNode();
        for (String f : new String[] {"organization_id", "type", "name"}) {
            o.put(f, text(d, f));
        }
        o.put("state", directoryState(text(d, "state")));
        o.put("updated_at", time(d, "updated_at"));
        return hash(o);
    }

    /**
     * The REST API speaks of {@code linked}/{@code unlinked} directories, events (and so the mirror) of
     * {@code active}/{@code inactive}.
     */
    public static String directoryState(String state) {
        if (state == null) {
            return null;
        }
        return switch (state) {
            case "linked" -> "active";
            case "unlinked" -> "inactive";
            default -> state;
        };
    }

    public static Optional<Instant> instant(JsonNode node, String field) {
        String t = text(node, field);
        return t == null ? Optional.empty() : EventTimes.parse(t);
    }

    public static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v == null || v.isNull() || v.isContainerNode() ? null : v.asText();
    }

    private static String userState(JsonNode u) {
        String s = text(u, "state");
        return "suspended".equals(s) ? "inactive" : s;
    }

    private static String slug(JsonNode role) {
        if (role == null || role.isNull()) {
            return null;
        }
        return role.isTextual() ? role.asText() : text(role, "slug");
    }

    private static String time(JsonNode node, String field) {
        return instant(node, field).map(EventTimes::format).orElse(text(node, field));
    }

    private static long hash(ObjectNode o) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(o.toString().getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
