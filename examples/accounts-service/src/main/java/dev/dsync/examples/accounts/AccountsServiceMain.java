package dev.dsync.examples.accounts;

import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * {@code java -jar accounts-service.jar}: configuration from the environment (see {@link AccountsConfig}); SIGTERM
 * or Ctrl-C stops it after the batch in hand.
 */
public final class AccountsServiceMain {

    public static void main(String[] args) throws Exception {
        // one log format: java.util.logging (the PostgreSQL driver's, System.Logger's) into SLF4J
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        AccountsService service = AccountsService.start(AccountsConfig.fromEnv(System.getenv()));
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "accounts-service-shutdown"));
        if (!service.awaitStopped()) {
            // not from the shutdown hook (exit would block there): the loop died, so tell the supervisor
            System.exit(1);
        }
    }

    private AccountsServiceMain() {
    }
}
