package dev.dsync.observe;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.metrics.api.Clock;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MetricsFactory;
import io.helidon.metrics.api.Tag;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;

/**
 * Health and metrics of one web server, the same way for the gateway and the query API: Helidon's observe feature
 * with a health observer ({@code /health}, {@code /health/live}, {@code /health/ready}, JSON with every check's
 * details) and a metrics observer ({@code /metrics}, Prometheus text, or OpenMetrics when asked for), over a
 * Micrometer registry of this server's own with the JVM's metrics bound to it.
 *
 * <p>The registry is not Helidon's process-wide one, so that every server in a process (the gateway and the
 * query API in {@code ./dsync up}, several instances in a test) shows exactly its own meters; Helidon's Micrometer
 * provider formats it (it reads Micrometer's simpleclient-based Prometheus registry, hence that registry).
 */
public final class Observability implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** Closed in reverse order with this: Kafka client binders, then the JVM's GC listener. */
    private final Deque<AutoCloseable> bound = new ArrayDeque<>();

    public Observability() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        bind(new JvmGcMetrics());
    }

    /** Where this server's meters go; {@code /metrics} shows them under Micrometer's Prometheus names. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Binds {@code binder} (a Kafka client's or Kafka Streams' metrics, say) until this is closed. */
    public synchronized <B extends MeterBinder & AutoCloseable> B bind(B binder) {
        binder.bindTo(registry);
        bound.push(binder);
        return binder;
    }

    /** Binds the Kafka producer's client metrics ({@code kafka_producer_*}, tagged with its {@code client_id}). */
    public KafkaClientMetrics bindKafkaProducer(Producer<?, ?> producer) {
        return bind(new KafkaClientMetrics(producer));
    }

    /**
     * The observe feature for {@code WebServer.builder().addFeature(...)}: {@code checks} at {@code /health},
     * {@code /health/live} and {@code /health/ready} by their type (200 with the checks' JSON when all are UP, 503
     * when one is DOWN), this registry at {@code /metrics}, and nothing under Helidon's default {@code /observe}.
     */
    public ObserveFeature feature(List<HealthCheck> checks) {
        return ObserveFeature.builder()
                .observersDiscoverServices(false)
                .endpoint("/")
                .addObserver(HealthObserver.builder()
                        .useSystemServices(false)
                        .details(true)
                        .addHealthChecks(checks)
                        .build())
                .addObserver(MetricsObserver.builder()
                        .meterRegistry(new Served(new CompositeMeterRegistry().add(registry)))
                        .build())
                .build();
    }

    /** A health check of {@code type} named {@code name}. */
    public static HealthCheck check(String name, HealthCheckType type, Supplier<HealthCheckResponse> call) {
        return new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return type;
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public HealthCheckResponse call() {
                return call.get();
            }
        };
    }

    @Override
    public synchronized void close() {
        while (!bound.isEmpty()) {
            try {
                bound.pop().close();
            } catch (Exception e) {
                System.getLogger(Observability.class.getName())
                        .log(System.Logger.Level.DEBUG, "closing a metrics binder failed", e);
            }
        }
        registry.close();
    }

    /**
     * This server's registry as the metrics observer sees it: Helidon's Micrometer formatter scrapes the Prometheus
     * registry it unwraps to. Helidon's own meters (the observer's request counter) are not kept: {@code /metrics}
     * shows this server's meters only, exactly as registered.
     */
    private record Served(CompositeMeterRegistry composite) implements io.helidon.metrics.api.MeterRegistry {

        @Override
        public <R> R unwrap(Class<? extends R> c) {
            return c.cast(composite);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <B extends Meter.Builder<B, M>, M extends Meter> M getOrCreate(B builder) {
            return (M) MetricsFactory.getInstance().noOpMeter(builder);
        }

        @Override
        public boolean isMeterEnabled(String name, Map<String, String> tags, Optional<String> scope) {
            return false;
        }

        @Override
        public List<Meter> meters() {
            return List.of();
        }

        @Override
        public Collection<Meter> meters(Predicate<Meter> filter) {
            return List.of();
        }

        @Override
        public Iterable<Meter> meters(Iterable<String> scopeSelection) {
            return List.of();
        }

        @Override
        public Iterable<String> scopes() {
            return List.of();
        }

        @Override
        public <M extends Meter> Optional<M> meter(Class<M> mClass, String name, Iterable<Tag> tags) {
            return Optional.empty();
        }

        @Override
        public Optional<Meter> remove(Meter meter) {
            return Optional.empty();
        }

        @Override
        public Optional<Meter> remove(Meter.Id id) {
            return Optional.empty();
        }

        @Override
        public Optional<Meter> remove(Meter.Id id, String scope) {
            return Optional.empty();
        }

        @Override
        public Optional<Meter> remove(String name, Iterable<Tag> tags) {
            return Optional.empty();
        }

        @Override
        public Optional<Meter> remove(String name, Iterable<Tag> tags, String scope) {
            return Optional.empty();
        }

        @Override
        public boolean isDeleted(Meter meter) {
            return false;
        }

        @Override
        public io.helidon.metrics.api.MeterRegistry onMeterAdded(Consumer<Meter> listener) {
            return this;
        }

        @Override
        public io.helidon.metrics.api.MeterRegistry onMeterRemoved(Consumer<Meter> listener) {
            return this;
        }

        @Override
        public Clock clock() {
            return MetricsFactory.getInstance().clockSystem();
        }

        @Override
        public void close() {
        }
    }
}
