package dev.dsync.gateway;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A gateway that cannot listen must not look started: Helidon only logs a listener that fails to bind. */
class PortInUseTest {

    @Test
    void aTakenPortFailsTheStart() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // Kafka is not needed to find out: the listener fails first
            GatewayConfig config = GatewayConfig.defaults(List.of(GatewayHarness.SECRET), "127.0.0.1:9", taken.getLocalPort());
            assertThatThrownBy(() -> Gateway.start(config)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }
}
