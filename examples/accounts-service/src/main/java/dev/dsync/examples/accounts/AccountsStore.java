package dev.dsync.examples.accounts;

import dev.dsync.client.DirectoryUser;
import dev.dsync.client.MembershipKey;
import dev.dsync.client.ProvisioningEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's own tables, in schema {@code accounts}, and how one provisioning event changes them. Every method
 * runs inside the caller's transaction, so an event's effect and its row in {@code processed_events} commit
 * together: a redelivered event finds its id there and changes nothing.
 */
final class AccountsStore {

    private static final Logger LOG = LoggerFactory.getLogger(AccountsStore.class);

    /** What {@link #apply} did with one event. */
    enum Outcome { APPLIED, DUPLICATE, IGNORED }

    private static final String SCHEMA = """
            create schema if not exists accounts;
            create table if not exists accounts.accounts (
                user_id              text primary key,
                directory_id         text not null,
                organization_id      text,
                email                text,
                display_name         text,
                role                 text,
                status               text not null check (status in ('active', 'deactivated')),
                changed_at           timestamptz not null,
                last_provisioning_id text not null
            );
            create index if not exists accounts_by_directory on accounts.accounts (directory_id);
            create table if not exists accounts.access_grants (
                group_id             text not null,
                user_id              text not null,
                directory_id         text not null,
                last_provisioning_id text not null,
                primary key (group_id, user_id)
            );
            create index if not exists access_grants_by_user on accounts.access_grants (user_id);
            create table if not exists accounts.sessions (
                id         text primary key,
                user_id    text not null,
                created_at timestamptz not null default now()
            );
            create index if not exists sessions_by_user on accounts.sessions (user_id);
            create table if not exists accounts.processed_events (
                id           text primary key,
                processed_at timestamptz not null default now()
            );
            """;

    /**
     * Creates the tables if they are missing. The advisory lock serialises instances starting together:
     * concurrent {@code create table if not exists} can still collide on PostgreSQL's catalog.
     */
    static void migrate(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("select pg_advisory_xact_lock(hashtext('dsync-example-accounts-schema'))");
            s.execute(SCHEMA);
        }
        c.commit();
    }

    /**
     * Drops dedupe rows older than {@code keep}. A redelivery only ever comes from offsets not yet committed, or
     * from a replay of the topic, which holds at most its retention (30 days by default); rows older than that can
     * never match again.
     */
    static int pruneProcessed(Connection c, java.time.Duration keep) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("delete from accounts.processed_events where processed_at < ?")) {
            s.setTimestamp(1, Timestamp.from(Instant.now().minus(keep)));
            int n = s.executeUpdate();
            c.commit();
            return n;
        }
    }

    static Outcome apply(Connection c, ProvisioningEvent e) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "insert into accounts.processed_events (id) values (?) on conflict (id) do nothing")) {
            s.setString(1, e.id());
            if (s.executeUpdate() == 0) {
                return Outcome.DUPLICATE;
            }
        }
        switch (e.type()) {
            case USER_PROVISIONED, USER_UPDATED, USER_REACTIVATED -> {
                return upsertAccount(c, e) ? Outcome.APPLIED : Outcome.IGNORED;
            }
            case USER_DEACTIVATED -> {
                if (!upsertAccount(c, e)) {
                    return Outcome.IGNORED;
                }
                LOG.info("{} {}: account deactivated, {} sessions revoked", e.typeName(), e.entity().id(),
                        revokeSessions(c, e.entity().id()));
                return Outcome.APPLIED;
            }
            case USER_DEPROVISIONED -> {
                String userId = e.entity().id();
                int sessions = revokeSessions(c, userId);
                try (PreparedStatement s = c.prepareStatement("delete from accounts.accounts where user_id = ?")) {
                    s.setString(1, userId);
                    s.executeUpdate();
                }
                LOG.info("{} {}: account deleted, {} sessions revoked", e.typeName(), userId, sessions);
                return Outcome.APPLIED;
            }
            case MEMBERSHIP_GRANTED -> {
                MembershipKey key = e.entity().membershipKey();
                try (PreparedStatement s = c.prepareStatement("""
                        insert into accounts.access_grants (group_id, user_id, directory_id, last_provisioning_id)
                        values (?, ?, ?, ?)
                        on conflict (group_id, user_id) do update
                        set directory_id = excluded.directory_id, last_provisioning_id = excluded.last_provisioning_id""")) {
                    s.setString(1, key.groupId());
                    s.setString(2, key.userId());
                    s.setString(3, e.directoryId());
                    s.setString(4, e.id());
                    s.executeUpdate();
                }
                return Outcome.APPLIED;
            }
            case MEMBERSHIP_REVOKED -> {
                MembershipKey key = e.entity().membershipKey();
                try (PreparedStatement s = c.prepareStatement(
                        "delete from accounts.access_grants where group_id = ? and user_id = ?")) {
                    s.setString(1, key.groupId());
                    s.setString(2, key.userId());
                    s.executeUpdate();
                }
                return Outcome.APPLIED;
            }
            default -> {
                // directories and groups carry nothing this service keeps (a group's and a directory's deletion
                // arrive as revocations and deprovisionings of their own), and UNKNOWN is a newer dsync's type
                return Outcome.IGNORED;
            }
        }
    }

    /** The account as {@code after} says; false when the event carries no user (a contract violation). */
    private static boolean upsertAccount(Connection c, ProvisioningEvent e) throws SQLException {
        if (!(e.after() instanceof DirectoryUser u)) {
            LOG.warn("{} {} has no user after the change; skipped", e.typeName(), e.id());
            return false;
        }
        try (PreparedStatement s = c.prepareStatement("""
                insert into accounts.accounts
                    (user_id, directory_id, organization_id, email, display_name, role, status, changed_at,
                     last_provisioning_id)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?)
                on conflict (user_id) do update set
                    directory_id = excluded.directory_id, organization_id = excluded.organization_id,
                    email = excluded.email, display_name = excluded.display_name, role = excluded.role,
                    status = excluded.status, changed_at = excluded.changed_at,
                    last_provisioning_id = excluded.last_provisioning_id""")) {
            s.setString(1, u.id());
            s.setString(2, u.directoryId());
            s.setString(3, u.organizationId());
            s.setString(4, u.email());
            s.setString(5, displayName(u));
            s.setString(6, u.role());
            s.setString(7, u.isActive() ? "active" : "deactivated");
            s.setTimestamp(8, Timestamp.from(e.occurredAt() != null ? e.occurredAt() : e.appliedAt()));
            s.setString(9, e.id());
            s.executeUpdate();
        }
        return true;
    }

    /** Stands in for the application's real session store: a signed-out user must not stay signed in. */
    private static int revokeSessions(Connection c, String userId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("delete from accounts.sessions where user_id = ?")) {
            s.setString(1, userId);
            return s.executeUpdate();
        }
    }

    private static String displayName(DirectoryUser u) {
        if (u.name() != null && !u.name().isBlank()) {
            return u.name();
        }
        String joined = ((u.firstName() == null ? "" : u.firstName()) + " "
                + (u.lastName() == null ? "" : u.lastName())).trim();
        return joined.isEmpty() ? null : joined;
    }

    private AccountsStore() {
    }
}
