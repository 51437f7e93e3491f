#!/bin/sh
# Runs dev.dsync.connect.SinkSupervisor (docker-compose service sink-supervisor), in the same image as the Connect
# worker: it restarts failed dsync sink connectors through the worker's REST API at DSYNC_CONNECT_URL.
# Only the supervisor's jar is added to Kafka's own libraries (Jackson, SLF4J, Log4j 2); the worker's plugin
# directory stays out of this classpath.
export CLASSPATH="/opt/dsync/supervisor/*"
export KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=/opt/dsync/sink-supervisor-log4j2.properties"
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx64m}"
exec /opt/kafka/bin/kafka-run-class.sh dev.dsync.connect.SinkSupervisor
