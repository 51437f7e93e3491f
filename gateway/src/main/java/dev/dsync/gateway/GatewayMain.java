package dev.dsync.gateway;

import io.helidon.config.Config;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** {@code java -jar dsync-gateway.jar}: configured by application.yaml and environment variables. */
public final class GatewayMain {

    private GatewayMain() {
    }

    public static void main(String[] args) {
        // one log format: java.util.logging into SLF4J (System.Logger goes there through slf4j-jdk-platform-logging)
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        GatewayConfig config;
        try {
            config = GatewayConfig.from(Config.create());
        } catch (IllegalArgumentException e) {
            System.err.println("dsync gateway: " + e.getMessage());
            System.exit(2);
            return;
        }
        Gateway gateway = Gateway.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "gateway-shutdown"));
    }
}
