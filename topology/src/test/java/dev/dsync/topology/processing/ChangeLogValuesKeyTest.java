package dev.dsync.topology.processing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.events.EventParser;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The membership key is written by hand for speed; it must stay the bytes Jackson's generator would write. */
class ChangeLogValuesKeyTest {

    private static final String ALPHABET = "abcXYZ019_-.:/\\\"'\u0000\u0001\u001f\u007f\n\t\r\b\f é中\uD83D\uDE00\uD800\uDFFF";

    @Test
    void membershipKeyIsJacksonsRenderingForAnyIds() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int i = 0; i < 20_000; i++) {
            String group = randomId(random);
            String user = randomId(random);
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("group_id", group);
            o.put("user_id", user);
            byte[] expected = EventParser.MAPPER.writeValueAsString(o).getBytes(StandardCharsets.UTF_8);
            assertThat(ChangeLogValues.membershipKey(group, user))
                    .as("seed %d, ids %s / %s", seed, escape(group), escape(user))
                    .isEqualTo(expected);
        }
    }

    private static String randomId(Random random) {
        StringBuilder b = new StringBuilder();
        int length = random.nextInt(12);
        for (int i = 0; i < length; i++) {
            b.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        s.chars().forEach(c -> b.append(String.format("\\u%04x", c)));
        return b.toString();
    }
}
