package dev.dsync.launcher.bench;

import dev.dsync.events.SampleEvents;
import dev.dsync.embedded.EmbeddedKafka;
import dev.dsync.events.Topics;
import dev.dsync.events.config.DsyncEnv;
import dev.dsync.topology.DsyncStreams;
import dev.dsync.topology.TopologyConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/**
 * Initial-sync throughput of the topology against a trivial pass-through Kafka Streams app, both with
 * exactly_once_v2, over the same pre-produced input on an in-process KRaft broker; and against a pass-through that
 * makes the topology's writes per event and nothing else, which shows what share of the gap those writes explain.
 *
 * <p>For each run and app: a fresh application id and state directory; the clock starts when the app reaches
 * RUNNING and stops when a read_committed consumer has seen the last output record it must produce (so the
 * figure includes the final commit). Reported: input events per second (median over the runs) and the time from
 * {@code start()} to the last committed record.
 *
 * <pre>
 * ./dsync bench topology --users 100000 --groups 5000 --memberships 300000 --directories 1 --partitions 3 --runs 3
 * </pre>
 */
public final class TopologyBenchmark {

    static final String PASS_THROUGH_TOPIC = "bench.passthrough";
    /** The second output of the writes-alike pass-through: the stand-in for {@code dsync.provisioning}. */
    static final String PASS_THROUGH_SECOND_TOPIC = "bench.passthrough.second";

    private TopologyBenchmark() {
    }

    /** Runs the benchmark and prints its results; returns the exit status, 1 when a run failed. */
    public static int run(int users, int groups, int memberships, int directories, int partitions, int runs)
            throws Exception {
        Path work = Files.createTempDirectory("dsync-bench");
        System.out.printf("dsync topology benchmark: %d users, %d groups, %d memberships in %d directories; "
                + "%d partitions; %d runs; work dir %s%n", users, groups, memberships, directories, partitions,
                runs, work);

        EmbeddedKafka kafka = new EmbeddedKafka(work.resolve("kafka"), 0).start();
        int exitCode = 0;
        try {
            kafka.createContractTopics(partitions);
            kafka.createTopics(List.of(PASS_THROUGH_TOPIC, PASS_THROUGH_SECOND_TOPIC), partitions);
            long t0 = System.nanoTime();
            long[] produced = produce(kafka, users, groups, memberships, directories);
            double produceSeconds = (System.nanoTime() - t0) / 1e9;
            long events = produced[0];
            System.out.printf("produced %d events (%.1f MB) in %.1f s: %.0f events/s%n", events,
                    produced[1] / 1e6, produceSeconds, events / produceSeconds);

            // every event of an initial sync changes state, so each emits exactly one change-log record
            long expectedChanges = events;
            List<Result> pass = new ArrayList<>();
            List<Result> alike = new ArrayList<>();
            List<Result> topo = new ArrayList<>();
            List<Result> noProvisioning = new ArrayList<>();
            // one unmeasured run of each app first: the measured runs then compare compiled code, not the JIT's
            // warm-up (which the short pass-through suffered most from)
            runPassThrough(kafka, work.resolve("pass-warm-up"), "bench-pass-warm-up", events);
            runWritesAlike(kafka, work.resolve("alike-warm-up"), "bench-alike-warm-up", events, memberships);
            runTopology(kafka, work.resolve("topo-warm-up"), "bench-topology-warm-up", expectedChanges, true);
            System.out.println("warm-up runs done");
            for (int run = 1; run <= runs; run++) {
                Result p = runPassThrough(kafka, work.resolve("pass-" + run), "bench-pass-" + run, events);
                System.out.printf("run %d  pass-through: %s%n", run, p.format(events));
                pass.add(p);
                Result a = runWritesAlike(kafka, work.resolve("alike-" + run), "bench-alike-" + run, events,
                        memberships);
                System.out.printf("run %d  writes-alike pass-through: %s%n", run, a.format(events));
                alike.add(a);
                // alternate which goes first, so that neither always runs on the warmer JVM and broker
                for (boolean provisioning : run % 2 == 1 ? new boolean[] {true, false} : new boolean[] {false, true}) {
                    Result t = runTopology(kafka, work.resolve("topo-" + provisioning + "-" + run),
                            "bench-topology-" + provisioning + "-" + run, expectedChanges, provisioning);
                    System.out.printf("run %d  topology%s: %s%n", run,
                            provisioning ? "" : " without provisioning", t.format(events));
                    (provisioning ? topo : noProvisioning).add(t);
                }
            }
            double passRate = median(pass, r -> r.rate(events));
            double topoRate = median(topo, r -> r.rate(events));
            double topoTotal = median(topo, r -> r.totalMs / 1000.0);
            double passCpu = median(pass, r -> r.cpuSecondsPer1000(events));
            double topoCpu = median(topo, r -> r.cpuSecondsPer1000(events));
            double passThread = median(pass, r -> r.streamThreadMicros(events));
            double topoThread = median(topo, r -> r.streamThreadMicros(events));
            System.out.printf("%nmedian pass-through: %.0f events/s, %.3f CPU-s per 1,000 events (this JVM: app and "
                    + "broker), stream thread %.1f µs per event%n", passRate, passCpu, passThread);
            System.out.printf("median topology:     %.0f events/s, %.3f CPU-s per 1,000 events, stream thread %.1f µs "
                    + "per event, %.1f s from start() to the last change-log record committed%n", topoRate, topoCpu,
                    topoThread, topoTotal);
            double alikeRate = median(alike, r -> r.rate(events));
            System.out.printf("median writes-alike pass-through: %.0f events/s = %.0f%% of the pass-through, "
                    + "%.3f CPU-s per 1,000 events, stream thread %.1f µs per event%n", alikeRate,
                    100 * alikeRate / passRate, median(alike, r -> r.cpuSecondsPer1000(events)),
                    median(alike, r -> r.streamThreadMicros(events)));
            System.out.printf("topology / pass-through: %.0f%% (goal >= 60%%); topology / writes-alike pass-through: "
                    + "%.0f%%%n", 100 * topoRate / passRate, 100 * topoRate / alikeRate);
            // A task starts processing as soon as its own stores are restored, which can be before the client reports
            // RUNNING; so the same runs are also given with the clock started at start(), start-up and all.
            double passFromStart = median(pass, r -> r.rateFromStart(events));
            double topoFromStart = median(topo, r -> r.rateFromStart(events));
            System.out.printf("from start() instead: pass-through %.0f events/s, topology %.0f events/s = %.0f%%%n",
                    passFromStart, topoFromStart, 100 * topoFromStart / passFromStart);
            double npRate = median(noProvisioning, r -> r.rate(events));
            System.out.printf("median topology without dsync.provisioning: %.0f events/s; provisioning costs %.0f%% "
                    + "of throughput (goal <= 15%%)%n", npRate, 100 * (1 - topoRate / npRate));
        } catch (Exception e) {
            e.printStackTrace();
            exitCode = 1;
        } finally {
            kafka.stop();
            deleteQuietly(work);
        }
        return exitCode;
    }

    private static double median(List<Result> runs, java.util.function.ToDoubleFunction<Result> figure) {
        return LatencyRecorder.median(runs.stream().mapToDouble(figure).toArray());
    }

    /**
     * {@code cpuNanos}: CPU time of this whole JVM (the app and the broker) while the app ran;
     * {@code streamThreadNanos}: of that, the app's stream threads', where the per-event work is done.
     */
    record Result(long runningMs, long totalMs, long cpuNanos, long streamThreadNanos) {
        double rate(long events) {
            return events / (runningMs / 1000.0);
        }

        double rateFromStart(long events) {
            return events / (totalMs / 1000.0);
        }

        double cpuSecondsPer1000(long events) {
            return cpuNanos / 1e9 / (events / 1000.0);
        }

        String format(long events) {
            return String.format("%.0f events/s, %.3f CPU-s per 1,000 events, stream thread %.1f µs per event "
                            + "(%.1f s after RUNNING, %.1f s after start())", rate(events), cpuSecondsPer1000(events),
                    streamThreadMicros(events), runningMs / 1000.0, totalMs / 1000.0);
        }

        double streamThreadMicros(long events) {
            return streamThreadNanos / 1e3 / events;
        }
    }

    /** Returns {events, bytes}. Users first, then groups, then memberships: WorkOS's initial-sync order. */
    static long[] produce(EmbeddedKafka kafka, int users, int groups, int memberships, int directories) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        Random random = new Random(7);
        long[] count = {0, 0};
        long t = 0;
        try (KafkaProducer<String, byte[]> producer =
                     new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (int d = 0; d < directories; d++) {
                String dir = "directory_bench_" + d;
                send(producer, dir, SampleEvents.directory("dsync.activated", "event_" + dir, t, dir, "active",
                        "Bench " + d, t), count);
            }
            for (int u = 0; u < users; u++) {
                String dir = "directory_bench_" + (u % directories);
                t++;
                send(producer, dir, SampleEvents.user("dsync.user.created", "event_u" + u, t, dir,
                        "directory_user_" + u, "active", "User" + u, t), count);
            }
            for (int g = 0; g < groups; g++) {
                String dir = "directory_bench_" + (g % directories);
                t++;
                send(producer, dir, SampleEvents.group("dsync.group.created", "event_g" + g, t, dir,
                        "directory_group_" + g, "Group " + g, t), count);
            }
            for (int m = 0; m < memberships; m++) {
                int d = m % directories;
                String dir = "directory_bench_" + d;
                int g = d + directories * random.nextInt(Math.max(1, groups / directories));
                int u = d + directories * random.nextInt(Math.max(1, users / directories));
                t++;
                send(producer, dir, SampleEvents.membership("dsync.group.user_added", "event_m" + m, t, dir,
                        "directory_group_" + g, "directory_user_" + u), count);
            }
            producer.flush();
        }
        return count;
    }

    private static void send(KafkaProducer<String, byte[]> producer, String key, String json, long[] count) {
        byte[] value = json.getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(Topics.EVENTS, key, value));
        count[0]++;
        count[1] += value.length;
    }

    static Result runPassThrough(EmbeddedKafka kafka, Path stateDir, String appId, long expected)
            throws Exception {
        Topology t = new Topology();
        t.addSource("in", new ByteArrayDeserializer(), new ByteArrayDeserializer(), Topics.EVENTS);
        t.addSink("out", PASS_THROUGH_TOPIC, new ByteArraySerializer(), new ByteArraySerializer(), "in");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        return runApp(kafka, t, p, expected, appId);
    }

    /**
     * A pass-through that makes the writes the topology must make for an initial sync, and nothing else: per event
     * its input bytes to two topics (the change-log record and the provisioning record), a put to a logged store
     * (the entity or membership and its changelog record), and for the memberships' share of the events a small put
     * that is not logged (the memberships store's by-user index entry). It runs with the topology's Streams settings
     * (commit interval, producer batches), so it shows how fast these writes alone can go under exactly-once on this
     * machine. It leaves out the topology's reads and its unlogged seen-events store, so the topology can approach it
     * but not reach it.
     */
    static Result runWritesAlike(EmbeddedKafka kafka, Path stateDir, String appId, long expected, long memberships)
            throws Exception {
        // memberships' share of the events, spread evenly (on any partitioning) over each partition's offsets
        double membershipShare = memberships / (double) expected;
        Topology t = new Topology();
        t.addSource("in", new ByteArrayDeserializer(), new ByteArrayDeserializer(), Topics.EVENTS);
        t.addProcessor("write", () -> new org.apache.kafka.streams.processor.api.Processor<byte[], byte[], byte[],
                byte[]>() {
            private org.apache.kafka.streams.processor.api.ProcessorContext<byte[], byte[]> context;
            private org.apache.kafka.streams.state.KeyValueStore<byte[], byte[]> entities;
            private org.apache.kafka.streams.state.KeyValueStore<byte[], byte[]> index;

            @Override
            public void init(org.apache.kafka.streams.processor.api.ProcessorContext<byte[], byte[]> context) {
                this.context = context;
                entities = context.getStateStore("entities");
                index = context.getStateStore("index");
            }

            @Override
            public void process(org.apache.kafka.streams.processor.api.Record<byte[], byte[]> record) {
                long offset = context.recordMetadata().orElseThrow().offset();
                byte[] key = Long.toString(offset).getBytes(StandardCharsets.UTF_8);
                context.forward(record.withKey(key), "out");
                context.forward(record, "second");
                entities.put(key, record.value());
                if ((long) ((offset + 1) * membershipShare) > (long) (offset * membershipShare)) {
                    index.put(key, new byte[1]);
                }
            }
        }, "in");
        for (String store : List.of("entities", "index")) {
            var builder = org.apache.kafka.streams.state.Stores.keyValueStoreBuilder(
                    org.apache.kafka.streams.state.Stores.persistentKeyValueStore(store),
                    org.apache.kafka.common.serialization.Serdes.ByteArray(),
                    org.apache.kafka.common.serialization.Serdes.ByteArray());
            t.addStateStore(store.equals("index") ? builder.withLoggingDisabled() : builder, "write");
        }
        t.addSink("out", PASS_THROUGH_TOPIC, new ByteArraySerializer(), new ByteArraySerializer(), "write");
        t.addSink("second", PASS_THROUGH_SECOND_TOPIC, new ByteArraySerializer(), new ByteArraySerializer(),
                "write");
        // the topology's own settings; whether it would write provisioning records does not change them
        Properties p = topologyConfig(kafka, stateDir, appId, true).toStreamsProperties();
        p.remove(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG);
        return runApp(kafka, t, p, expected, appId);
    }

    /** Runs a bare Streams app until {@code expected} records of {@link #PASS_THROUGH_TOPIC} are committed. */
    private static Result runApp(EmbeddedKafka kafka, Topology t, Properties p, long expected, String appId)
            throws Exception {
        try (CommittedCounter counter = new CommittedCounter(kafka, List.of(PASS_THROUGH_TOPIC))) {
            long start = System.nanoTime();
            KafkaStreams streams = new KafkaStreams(t, p);
            CountDownLatch running = new CountDownLatch(1);
            streams.setStateListener((n, o) -> {
                if (n == KafkaStreams.State.RUNNING) {
                    running.countDown();
                }
            });
            streams.start();
            try {
                return measure(start, running, counter, expected, appId);
            } finally {
                streams.close(Duration.ofSeconds(30));
            }
        }
    }

    /** The topology's configuration for a run; DSYNC_* variables apply as in production. */
    private static TopologyConfig topologyConfig(EmbeddedKafka kafka, Path stateDir, String appId,
                                                 boolean provisioning) {
        return TopologyConfig.fromEnv(DsyncEnv.with(System.getenv(), Map.of(
                DsyncEnv.KAFKA_BOOTSTRAP_SERVERS.name(), kafka.bootstrapServers(),
                DsyncEnv.APPLICATION_ID.name(), appId,
                DsyncEnv.STATE_DIR.name(), stateDir.toString(),
                DsyncEnv.PROVISIONING.name(), provisioning ? "on" : "off")));
    }

    static Result runTopology(EmbeddedKafka kafka, Path stateDir, String appId, long expected, boolean provisioning)
            throws Exception {
        TopologyConfig config = topologyConfig(kafka, stateDir, appId, provisioning);
        try (CommittedCounter counter = new CommittedCounter(kafka, Topics.CHANGE_LOGS)) {
            long start = System.nanoTime();
            DsyncStreams topology = DsyncStreams.start(config);
            CountDownLatch running = new CountDownLatch(1);
            topology.awaitRunning(Duration.ofSeconds(60));
            running.countDown();
            try {
                return measure(start, running, counter, expected, appId);
            } finally {
                System.out.println("    metrics: " + topology.metrics());
                topology.close();
            }
        }
    }

    private static Result measure(long start, CountDownLatch running, CommittedCounter counter, long expected,
                                  String appId) throws Exception {
        if (!running.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("not RUNNING after 60 s");
        }
        long runningAt = System.nanoTime();
        long cpuAtRunning = processCpuNanos();
        long streamThreadAtRunning = streamThreadCpuNanos(appId);
        counter.awaitCount(expected, Duration.ofMinutes(10));
        long end = System.nanoTime();
        return new Result((end - runningAt) / 1_000_000, (end - start) / 1_000_000, processCpuNanos() - cpuAtRunning,
                streamThreadCpuNanos(appId) - streamThreadAtRunning);
    }

    /** CPU time so far of the stream threads of the app {@code appId} (Streams names them after it). */
    private static long streamThreadCpuNanos(String appId) {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        // names only (no stack traces); a thread gone since is null, its CPU time -1
        return java.util.Arrays.stream(threads.getThreadInfo(threads.getAllThreadIds()))
                .filter(t -> t != null && t.getThreadName().startsWith(appId + "-")
                        && t.getThreadName().contains("-StreamThread-"))
                .mapToLong(t -> Math.max(0, threads.getThreadCpuTime(t.getThreadId())))
                .sum();
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Counts records that become visible to read_committed on some topics, from their current end. */
    static final class CommittedCounter implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;

        CommittedCounter(EmbeddedKafka kafka, List<String> topics) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
            consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                consumer.partitionsFor(topic).forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolve the end now, before the app writes anything
        }

        void awaitCount(long expected, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            long seen = 0;
            while (seen < expected) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("saw only " + seen + " of " + expected + " records");
                }
                seen += consumer.poll(Duration.ofMillis(100)).count();
            }
            if (seen > expected) {
                throw new IllegalStateException("saw " + seen + " records, expected " + expected);
            }
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    /** Deletes a benchmark's temporary directory, as far as it can. */
    static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception ignored) {
            // best effort: it is a temp dir
        }
    }
}
