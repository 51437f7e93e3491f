package dev.dsync.client;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serdes for dsync's topics. Keys of directories, users, groups and provisioning events are plain UTF-8
 * strings ({@link Serdes#String()}); membership keys are {@link #membershipKey()}. A tombstone (null bytes)
 * deserializes to null.
 * <pre>{@code
 * var consumer = new KafkaConsumer<>(props, new StringDeserializer(),
 *         DsyncSerdes.provisioningEvent().deserializer());
 * }</pre>
 */
public final class DsyncSerdes {

    private DsyncSerdes() {
    }

    public static Serde<Directory> directory() {
        return json(Directory.class);
    }

    public static Serde<DirectoryUser> user() {
        return json(DirectoryUser.class);
    }

    public static Serde<DirectoryGroup> group() {
        return json(DirectoryGroup.class);
    }

    public static Serde<GroupMembership> membership() {
        return json(GroupMembership.class);
    }

    /** Renders exactly {@code {"group_id":"…","user_id":"…"}}, the bytes the topology keys memberships with. */
    public static Serde<MembershipKey> membershipKey() {
        return json(MembershipKey.class);
    }

    public static Serde<ProvisioningEvent> provisioningEvent() {
        return json(ProvisioningEvent.class);
    }

    private static <T> Serde<T> json(Class<T> type) {
        ObjectMapper mapper = DsyncJson.mapper();
        JavaType javaType = mapper.constructType(type);
        Serializer<T> serializer = (topic, value) -> {
            if (value == null) {
                return null;
            }
            try {
                return mapper.writeValueAsBytes(value);
            } catch (IOException e) {
                throw new SerializationException("cannot write a " + type.getSimpleName() + " for " + topic, e);
            }
        };
        Deserializer<T> deserializer = (topic, data) -> {
            if (data == null) {
                return null;
            }
            try {
                return mapper.readValue(data, javaType);
            } catch (IOException e) {
                // the message says where, never what: values hold personal data (names, e-mails)
                throw new SerializationException("cannot read a " + type.getSimpleName() + " from " + topic + ": "
                        + (e instanceof JacksonException je ? je.getOriginalMessage() : e.getMessage()), e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
