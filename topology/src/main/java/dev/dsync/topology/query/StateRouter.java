package dev.dsync.topology.query;

import dev.dsync.topology.query.DirectoryLocator.Route;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides who answers a request: this instance, the instance that owns the directory, or every instance (for
 * listings that span directories), and falls back to close-enough stale copies while the owner is moving or
 * restoring. Where state lives is the {@link DirectoryLocator}'s to say, reading it here {@link LocalState}'s.
 *
 * <p>The rules that keep answers right:
 * <ul>
 *   <li>State is only ever read from one partition's stores: the partition the directory hashes to. A fresh read
 *       needs this instance's active, running task for it, so it can never answer "not found" for a directory that
 *       merely lives elsewhere.</li>
 *   <li>A stale read (standby or restoring copy) happens only when the copy is close enough, and is marked
 *       {@code X-Dsync-Stale: true}. Such a copy may lack the newest records, so it never answers "not found" (that
 *       becomes 503).</li>
 *   <li>A forwarded request is answered by the receiver from its own stores or not at all (503): requests are
 *       forwarded at most once, so instances with different views of the assignment can't bounce a request.</li>
 *   <li>A listing that spans partitions is answered only when every partition answered; otherwise 503.</li>
 * </ul>
 */
final class StateRouter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StateRouter.class);

    /**
     * The routing-relevant facts of one request.
     *
     * @param target     raw path and query, as sent on to another instance
     * @param forwarded  sent by another instance: answer from this instance's stores or not at all
     * @param partitions for another instance's piece of a fanned-out listing, the partitions to answer for; else null
     */
    record Call(String target, boolean forwarded, List<Integer> partitions) {
    }

    private final DirectoryLocator locator;
    private final LocalState local;
    private final Peers peers;

    StateRouter(DirectoryLocator locator, LocalState local, Peers peers) {
        this.locator = locator;
        this.local = local;
        this.peers = peers;
    }

    /** A directory-scoped request: fresh here, else the owner, else a stale copy here, else a standby, else 503. */
    Answer directory(String directoryId, DirectoryReads.DirectoryRead read, Call call) {
        Route route = locator.route(directoryId);
        if (route == null) {
            return Answer.unavailable("the topology is starting; retry shortly");
        }
        int p = route.partition();
        return local.read(p, false, read::read)
                .or(() -> forward(Stream.ofNullable(route.owner()), call))
                // a copy that may be behind can show what was there, never assert that something isn't
                .or(() -> local.read(p, true, read::read).filter(a -> a.status() != 404).map(Answer::markedStale))
                .or(() -> forward(route.standbys().stream(), call))
                .orElseGet(() -> Answer.unavailable("the state of directory " + directoryId
                        + " is being moved or restored; retry shortly"));
    }

    /** The first answer that counts of {@code hosts}, asked one after the other; none for a forwarded request. */
    private Optional<Answer> forward(Stream<HostInfo> hosts, Call call) {
        return call.forwarded() ? Optional.empty() : hosts.map(h -> peers.forward(h, call.target()))
                .flatMap(Optional::stream)
                .filter(a -> a.status() == 200 || a.status() == 400 || (a.status() == 404 && !a.stale()))
                .findFirst();
    }

    /**
     * A listing that spans partitions. From a client: each partition read fresh here, else from its owner, else
     * stale here, else from a standby, and merged. From another instance ({@code call.partitions()} set): this
     * instance's piece for those partitions, in the {@link Rows#encode} format, or 503.
     */
    Answer listing(DirectoryReads.PieceRead read, int limit, Call call) {
        if (call.partitions() != null) {
            return localPiece(read, limit, call.partitions());
        }
        List<Route> routes = locator.partitions();
        if (routes == null) {
            return Answer.unavailable("the topology is starting; retry shortly");
        }
        Set<Integer> missing = new TreeSet<>(routes.stream().map(Route::partition).toList());
        List<Rows.Piece> pieces = new ArrayList<>();
        readHere(read, false, missing, pieces);
        // during a rebalance a partition may have no owner at all
        boolean stale = gather(missing, p -> Stream.ofNullable(routes.get(p).owner()), call, pieces);
        stale |= readHere(read, true, missing, pieces);
        stale |= gather(missing, p -> routes.get(p).standbys().stream(), call, pieces);
        if (!missing.isEmpty()) {
            return Answer.unavailable("partitions " + missing + " of the state are being moved or restored; "
                    + "retry shortly");
        }
        Rows.Piece page = Rows.merge(pieces, limit);
        Answer answer = Answer.ok(Json.list(page.rows(), page.after()));
        return stale ? answer.markedStale() : answer;
    }

    private Answer localPiece(DirectoryReads.PieceRead read, int limit, List<Integer> partitions) {
        Set<Integer> missing = new LinkedHashSet<>(partitions);
        List<Rows.Piece> pieces = new ArrayList<>();
        readHere(read, false, missing, pieces);
        boolean stale = readHere(read, true, missing, pieces);
        if (!missing.isEmpty()) {
            return Answer.unavailable("partition " + missing.iterator().next() + " is not available on this instance");
        }
        return new Answer(200, Rows.encode(Rows.merge(pieces, limit)), stale);
    }

    /** Reads here the missing partitions this instance can answer for; true when it read any. */
    private boolean readHere(DirectoryReads.PieceRead read, boolean stale, Set<Integer> missing,
                             List<Rows.Piece> pieces) {
        int before = pieces.size();
        missing.removeIf(p -> local.read(p, stale, read::read).map(pieces::add).isPresent());
        return pieces.size() > before;
    }

    /** Asks the first holder of each missing partition for its piece, all at once; true when any answer was stale. */
    private boolean gather(Set<Integer> missing, Function<Integer, Stream<HostInfo>> holders, Call call,
                           List<Rows.Piece> pieces) {
        Map<HostInfo, List<Integer>> plan = new LinkedHashMap<>();
        for (int p : missing) {
            holders.apply(p).findFirst().ifPresent(h -> plan.computeIfAbsent(h, k -> new ArrayList<>()).add(p));
        }
        boolean stale = false;
        for (Map.Entry<HostInfo, Answer> e : peers.pieces(call.target(), plan).entrySet()) {
            if (e.getValue().status() != 200) {
                continue;
            }
            try {
                pieces.add(Rows.decode(e.getValue().body()));
            } catch (RuntimeException bad) {
                LOG.warn("instance {} sent an unreadable listing piece", e.getKey());
                continue;
            }
            missing.removeAll(plan.get(e.getKey()));
            stale |= e.getValue().stale();
        }
        return stale;
    }

    @Override
    public void close() {
        peers.close();
    }
}
