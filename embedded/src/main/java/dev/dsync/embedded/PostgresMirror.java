package dev.dsync.embedded;

import dev.dsync.connect.JdbcTarget;
import dev.dsync.connect.MirrorSchema;
import dev.dsync.connect.SinkOffsets;
import dev.dsync.events.config.DsyncEnv;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The PostgreSQL mirror in one call, as {@code ./dsync up} needs it: PostgreSQL (embedded, unless
 * {@code DSYNC_JDBC_URL} names one), the schema migration ({@link MirrorSchema}, Flyway), an in-process Kafka Connect
 * worker and the four dsync sink connectors.
 *
 * <p>When the migration created the schema just now (a new database: first run, deleted data directory, or
 * {@code DSYNC_JDBC_URL} pointing at another database), the sinks are registered STOPPED and their offsets are reset
 * through Connect's offsets REST API ({@link SinkOffsets}: delete the offsets, then resume), so the mirror is rebuilt
 * from the compacted change-logs instead of starting wherever an earlier database left off.
 *
 * <pre>{@code
 * PostgresMirror mirror = PostgresMirror.start(PostgresMirror.Settings.fromEnvironment(bootstrap, dataDir));
 * System.out.println(mirror.psqlCommand());    // psql postgresql://dsync:dsync@127.0.0.1:15432/dsync
 * ...
 * mirror.close();                               // worker, then embedded PostgreSQL
 * }</pre>
 *
 * @see LocalPostgres
 * @see MirrorSchema
 * @see SinkOffsets
 * @see ConnectWorker
 */
public final class PostgresMirror implements AutoCloseable {

    /**
     * @param bootstrapServers Kafka
     * @param dataDir          the embedded PostgreSQL keeps its data in {@code dataDir/postgres}, the worker its
     *                         offsets file in {@code dataDir/connect}
     * @param external         a database to use instead of the embedded one (from {@code DSYNC_JDBC_URL} etc.)
     * @param postgresPort     port of the embedded PostgreSQL ({@code DSYNC_PG_PORT}, default 15432)
     * @param connectRestPort  port of the Connect REST API ({@code DSYNC_CONNECT_PORT}, default 8083)
     */
    public record Settings(String bootstrapServers, Path dataDir, Optional<JdbcTarget> external, int postgresPort,
                           int connectRestPort) {

        public static Settings fromEnvironment(String bootstrapServers, Path dataDir) {
            return fromEnvironment(bootstrapServers, dataDir, System.getenv());
        }

        public static Settings fromEnvironment(String bootstrapServers, Path dataDir, Map<String, String> env) {
            return new Settings(bootstrapServers, dataDir, JdbcTarget.fromEnvironment(env),
                    DsyncEnv.PG_PORT.get(env), DsyncEnv.CONNECT_PORT.get(env));
        }
    }

    private final LocalPostgres postgres;      // null when external
    private final JdbcTarget target;
    private final MirrorSchema.Outcome migrated;
    private final ConnectWorker worker;

    private PostgresMirror(LocalPostgres postgres, JdbcTarget target, MirrorSchema.Outcome migrated,
                           ConnectWorker worker) {
        this.postgres = postgres;
        this.target = target;
        this.migrated = migrated;
        this.worker = worker;
    }

    /**
     * Starts everything and returns once the connectors run. On failure, whatever was started is stopped again.
     */
    public static PostgresMirror start(Settings settings) {
        LocalPostgres pg = null;
        ConnectWorker worker = null;
        try {
            JdbcTarget target;
            if (settings.external().isPresent()) {
                target = settings.external().get();
            } else {
                pg = LocalPostgres.start(settings.dataDir().resolve("postgres"), settings.postgresPort());
                target = pg.target();
            }
            MirrorSchema.Outcome migrated = MirrorSchema.migrate(target);
            worker = new ConnectWorker(settings.bootstrapServers(), settings.dataDir().resolve("connect"),
                    settings.connectRestPort());
            worker.start();
            if (migrated.createdSchema()) {
                // a new database: replay the compacted change-logs from the start, whatever an earlier database saw.
                // Registered STOPPED, so no task reads from the old position before the offsets are gone.
                List<String> names = worker.registerDsyncConnectors(target, true);
                new SinkOffsets(worker.restUrl()).reset(names, Duration.ofSeconds(30));
            } else {
                worker.registerDsyncConnectors(target);
            }
            worker.awaitConnectorsRunning(Duration.ofSeconds(60));
            return new PostgresMirror(pg, target, migrated, worker);
        } catch (RuntimeException e) {
            if (worker != null) {
                worker.close();
            }
            if (pg != null) {
                pg.close();
            }
            throw e;
        }
    }

    public JdbcTarget target() {
        return target;
    }

    /** The embedded PostgreSQL, or empty when {@code DSYNC_JDBC_URL} named an external database. */
    public Optional<LocalPostgres> localPostgres() {
        return Optional.ofNullable(postgres);
    }

    public ConnectWorker worker() {
        return worker;
    }

    /** Migration versions applied by this start (empty when the schema was already up to date). */
    public List<Integer> migrationsApplied() {
        return migrated.applied();
    }

    /** What the migration did at this start (versions applied, whether a pre-Flyway database was adopted). */
    public MirrorSchema.Outcome migration() {
        return migrated;
    }

    /** A {@code psql} command line; includes the password only for the embedded database. */
    public String psqlCommand() {
        return postgres != null ? postgres.psqlCommand() : target.psqlCommand();
    }

    @Override
    public void close() {
        try {
            worker.close();
        } finally {
            if (postgres != null) {
                postgres.close();
            }
        }
    }
}
