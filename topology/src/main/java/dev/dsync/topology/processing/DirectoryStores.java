package dev.dsync.topology.processing;

import dev.dsync.topology.state.EntityRecord;
import dev.dsync.topology.state.EventKey;
import dev.dsync.topology.state.MembershipRecord;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;

/** The stores one task keeps its directories in, opened once and shared by the rules and the purger. */
record DirectoryStores(KeyValueStore<String, EntityRecord> directories,
                       KeyValueStore<String, EntityRecord> users,
                       KeyValueStore<String, EntityRecord> groups,
                       /** With its by-user index: see MembershipsStore. */
                       KeyValueStore<String, MembershipRecord> memberships,
                       KeyValueStore<String, byte[]> expiry,
                       KeyValueStore<String, EventKey> horizons,
                       KeyValueStore<String, Long> seenEvents) {

    static DirectoryStores open(ProcessorContext<?, ?> context, ApplyEventProcessor.Stores names) {
        return new DirectoryStores(context.getStateStore(names.directories()), context.getStateStore(names.users()),
                context.getStateStore(names.groups()), context.getStateStore(names.memberships()),
                context.getStateStore(names.expiry()), context.getStateStore(names.horizons()),
                context.getStateStore(names.seenEvents()));
    }
}
