package dev.dsync.topology.processing;

import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * Asks for a commit as soon as a stream thread's input goes quiet, instead of waiting out the commit interval.
 *
 * <p>The commit interval (one transaction under exactly-once) is long so that a burst, such as an initial sync, is
 * written in few transactions. Without this, the last changes of a burst, or a lone webhook at a quiet hour, would
 * wait up to that interval before a {@code read_committed} consumer or PostgreSQL saw them. With it they wait a
 * few hundred milliseconds; while records keep coming, commits stay at the interval.
 *
 * <p>Quiet means two checks in a row without a record on any task of the stream thread. One check is not enough: a
 * commit stalls the thread for longer than a {@link #TICK} while records wait, and the check after it would ask for a
 * second commit right away. The whole thread, not the task, because a commit is the thread's: one transaction for
 * all its tasks, so a task that sees a record now and then must not commit a busy neighbour's burst in pieces.
 */
final class IdleCommit {

    /** How often the input is checked (an idle stream thread checks only as often as it polls, every 100 ms). */
    static final Duration TICK = Duration.ofMillis(50);
    static final int QUIET_TICKS = 2;

    /** Records seen by the tasks of the current stream thread; only that thread reads and writes its count. */
    private static final ThreadLocal<long[]> THREAD_RECORDS = ThreadLocal.withInitial(() -> new long[1]);

    private boolean uncommitted;
    private long recordsAtLastTick = -1;
    private int quietTicks;

    /** Schedules the check on {@code context}'s task; call from the processor's {@code init}. */
    void schedule(ProcessorContext<?, ?> context) {
        context.schedule(TICK, PunctuationType.WALL_CLOCK_TIME, now -> {
            long records = THREAD_RECORDS.get()[0];
            if (records != recordsAtLastTick) {
                recordsAtLastTick = records;
                quietTicks = 0;
            } else if (uncommitted && ++quietTicks >= QUIET_TICKS) {
                uncommitted = false;
                quietTicks = 0;
                context.commit();
            }
        });
    }

    /** Call for every input record. */
    void recordSeen() {
        THREAD_RECORDS.get()[0]++;
        uncommitted = true;
    }
}
