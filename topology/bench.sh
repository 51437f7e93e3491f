#!/usr/bin/env bash
# Runs dev.dsync.topology.bench.TopologyBenchmark (see its javadoc). Arguments are passed on, e.g.
#   topology/bench.sh --users 20000 --groups 1000 --memberships 60000 --runs 3
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
flock /tmp/dsync-mvn.lock ./mvnw -q -pl topology -am install -DskipTests
flock /tmp/dsync-mvn.lock ./mvnw -q -pl topology dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx3g \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=error \
    -cp "topology/target/test-classes:topology/target/classes:$(cat topology/target/bench-classpath.txt)" \
    dev.dsync.topology.bench.TopologyBenchmark "$@"
