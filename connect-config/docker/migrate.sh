#!/bin/sh
# Runs dev.dsync.connect.MirrorSchema (docker-compose service migrate), in the same image as the Connect worker:
# creates or upgrades the mirror's schema with Flyway (the scripts packaged in the connect-config jar, the same
# migration as `./dsync up`), adopting a database created before Flyway, then exits (0 = the schema is up to date).
# Needs DSYNC_JDBC_URL, DSYNC_JDBC_USER, DSYNC_JDBC_PASSWORD. Only this classpath (the connect-config jar, Flyway, the
# PostgreSQL driver) is added to Kafka's own libraries (Jackson, SLF4J, Log4j 2).
export CLASSPATH="/opt/dsync/migrate/*"
export KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=/opt/dsync/migrate-log4j2.properties"
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx128m}"
exec /opt/kafka/bin/kafka-run-class.sh dev.dsync.connect.MirrorSchema
