package dev.dsync.gateway;

import io.helidon.config.Config;

/** {@code java -jar dsync-gateway.jar}: configured by application.yaml and environment variables. */
public final class GatewayMain {

    private GatewayMain() {
    }

    public static void main(String[] args) {
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
