package dev.dsync.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The key of {@code dsync.group_memberships}. Its serialized form is exactly
 * {@code {"group_id":"…","user_id":"…"}} (this order, no spaces): compaction compares key bytes, so a consumer that
 * produces or looks up keys must render them the same way, which {@link DsyncSerdes#membershipKey()} does.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"group_id", "user_id"})
public record MembershipKey(@JsonProperty("group_id") String groupId, @JsonProperty("user_id") String userId) {
}
