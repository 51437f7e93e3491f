package dev.dsync.launcher.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./dsync simulate --api}: what it takes from its options and the environment, and what it refuses (the
 * command line itself, unknown options and values that are not numbers, is {@code DsyncCommandLineTest}'s).
 */
class ApiSimulatorOptionsTest {

    @TempDir
    Path dataDir;

    /** The defaults of {@code ./dsync simulate --api} with no options. */
    private ApiSimulator.Options defaults(Map<String, String> env) throws ApiSimulator.OptionsException {
        return ApiSimulator.Options.from(ApiSimulator.Options.DEFAULT_USERS, 42, ApiSimulator.Options.DEFAULT_DROP,
                Simulator.Options.DEFAULT_TIMEOUT_SECONDS, Simulator.Options.DEFAULT_CONCURRENCY, env, dataDir);
    }

    private static Map<String, String> env(String url) {
        Map<String, String> env = new HashMap<>(Map.of("WORKOS_API_KEY", "sk_test_x", "WORKOS_WEBHOOK_SECRET", "whsec_1,whsec_2",
                "DSYNC_QUERY_TOKEN", "tok", "DSYNC_QUERY_PORT", "9081", "DSYNC_GATEWAY_PORT", "9080"));
        if (url != null) {
            env.put("WORKOS_API_URL", url);
        }
        return env;
    }

    @Test
    void defaultsAndTheStackItDrives() throws Exception {
        ApiSimulator.Options o = defaults(env("http://127.0.0.1:8090"));

        assertThat(o.apiKey()).isEqualTo("sk_test_x");
        assertThat(o.apiPort()).isEqualTo(8090);
        assertThat(o.drop()).isEqualTo(0.10);
        assertThat(o.base().users()).isEqualTo(1000);
        assertThat(o.base().seed()).isEqualTo(42);
        assertThat(o.base().timeoutSeconds()).isEqualTo(300);
        assertThat(o.base().concurrency()).isEqualTo(8);
        assertThat(o.base().webhookSecret()).isEqualTo("whsec_1");
        assertThat(o.base().webhookEndpoint().toString()).isEqualTo("http://127.0.0.1:9080/webhooks/workos");
        assertThat(o.base().queryBase().toString()).isEqualTo("http://127.0.0.1:9081/");
        assertThat(o.base().queryToken()).isEqualTo("tok");
        assertThat(o.base().policy()).isEqualTo(SimulatedDirectories.InactivePolicy.RETAIN);
    }

    @Test
    void takesItsSettingsAndTheTokensUpWrote() throws Exception {
        Files.writeString(dataDir.resolve("query-token"), "from-file\n");
        Files.writeString(dataDir.resolve("webhook-secret"), "whsec_file\n");
        Map<String, String> env = new HashMap<>(Map.of("WORKOS_API_KEY", "sk_test_y", "WORKOS_API_URL", "http://localhost:18090/",
                "DSYNC_INACTIVE_USERS", "delete"));

        ApiSimulator.Options o = ApiSimulator.Options.from(50, 12345678901L, 0.25, 60, 2, env, dataDir);

        assertThat(o.apiPort()).isEqualTo(18090);
        assertThat(o.drop()).isEqualTo(0.25);
        assertThat(o.base().users()).isEqualTo(50);
        assertThat(o.base().seed()).isEqualTo(12345678901L);
        assertThat(o.base().timeoutSeconds()).isEqualTo(60);
        assertThat(o.base().concurrency()).isEqualTo(2);
        assertThat(o.base().queryToken()).isEqualTo("from-file");
        assertThat(o.base().webhookSecret()).isEqualTo("whsec_file");
        assertThat(o.base().policy()).isEqualTo(SimulatedDirectories.InactivePolicy.DELETE);
    }

    @Test
    void refusesWithoutTheKeyOrALocalHttpUrl() {
        Map<String, String> noKey = env("http://127.0.0.1:8090");
        noKey.remove("WORKOS_API_KEY");
        assertThatThrownBy(() -> defaults(noKey))
                .isInstanceOf(ApiSimulator.OptionsException.class).hasMessageContaining("WORKOS_API_KEY");
        assertThatThrownBy(() -> defaults(env(null)))
                .isInstanceOf(ApiSimulator.OptionsException.class).hasMessageContaining("WORKOS_API_URL");
        for (String url : List.of("https://127.0.0.1:8090", "http://api.workos.com:80", "https://api.workos.com",
                "http://127.0.0.1", "http://10.0.0.5:8090", "http://127.0.0.1:8090/v1", "http://u:p@127.0.0.1:8090",
                "http://127.0.0.1:8090?x=1", "not a url", "")) {
            assertThatThrownBy(() -> defaults(env(url))).as(url)
                    .isInstanceOf(ApiSimulator.OptionsException.class)
                    .hasMessageContaining("WORKOS_API_URL must be a local http URL with a port");
        }
    }

    @Test
    void refusesSettingsOutOfRangeAndAMissingQueryToken() {
        Map<String, String> env = env("http://127.0.0.1:8090");
        assertThatThrownBy(() -> ApiSimulator.Options.from(5, 1, 0.1, 300, 8, env, dataDir))
                .isInstanceOf(ApiSimulator.OptionsException.class).hasMessage("simulate --api: --users must be at least 20");
        for (double drop : new double[] {1.5, -0.1, Double.NaN}) {
            assertThatThrownBy(() -> ApiSimulator.Options.from(20, 1, drop, 300, 8, env, dataDir)).as("drop " + drop)
                    .isInstanceOf(ApiSimulator.OptionsException.class).hasMessageStartingWith("simulate --api: --drop");
        }
        assertThatThrownBy(() -> ApiSimulator.Options.from(20, 1, 0.1, 0, 8, env, dataDir))
                .isInstanceOf(ApiSimulator.OptionsException.class).hasMessageContaining("must be positive");
        assertThatThrownBy(() -> ApiSimulator.Options.from(20, 1, 0.1, 300, 0, env, dataDir))
                .isInstanceOf(ApiSimulator.OptionsException.class).hasMessageContaining("must be positive");
        Map<String, String> noToken = env("http://127.0.0.1:8090");
        noToken.remove("DSYNC_QUERY_TOKEN");
        assertThatThrownBy(() -> defaults(noToken))
                .isInstanceOf(ApiSimulator.OptionsException.class).hasMessageContaining("DSYNC_QUERY_TOKEN");
        Map<String, String> noSecret = env("http://127.0.0.1:8090");
        noSecret.remove("WORKOS_WEBHOOK_SECRET");
        assertThatThrownBy(() -> defaults(noSecret))
                .isInstanceOf(ApiSimulator.OptionsException.class).hasMessageContaining("webhook secret");
    }
}
