#!/usr/bin/env bash
# Runs a topology benchmark from the test classpath (see each class's javadoc); `./dsync bench topology|query` calls
# this. Arguments after the name are passed on, e.g.
#   topology/bench.sh topology --users 20000 --groups 1000 --memberships 60000 --runs 3
#   topology/bench.sh query --runs 5 --lookups 5000
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  topology) main=dev.dsync.topology.bench.TopologyBenchmark ;;
  query) main=dev.dsync.topology.query.bench.QueryBenchmark ;;
  *) echo "usage: topology/bench.sh topology|query [options]" >&2; exit 2 ;;
esac
shift
# ./dsync finds a Java 21+ and exports JAVA_HOME before it calls this script
: "${JAVA_HOME:?set JAVA_HOME to a JDK 21+, or run this through ./dsync bench, which finds one}"
# builds never overlap on a shared 2-core machine
flock /tmp/dsync-mvn.lock ./mvnw -q -B -pl topology -am install -DskipTests >&2
flock /tmp/dsync-mvn.lock ./mvnw -q -B -pl topology dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt >&2
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx3g \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=error \
    -cp "topology/target/test-classes:topology/target/classes:$(cat topology/target/bench-classpath.txt)" \
    "$main" "$@"
