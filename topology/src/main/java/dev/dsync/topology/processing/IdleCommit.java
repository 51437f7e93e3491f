package dev.dsync.topology.processing;

import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * Asks for a commit as soon as a task's input goes quiet, instead of waiting out the commit interval.
 *
 * <p>The commit interval (one transaction under exactly-once) is long so that a burst, such as an initial sync, is
 * written in few transactions. Without this, the last changes of a burst, or a lone webhook at a quiet hour, would
 * wait up to that interval before a {@code read_committed} consumer or PostgreSQL saw them. With it they wait about
 * one {@link #TICK}; while records keep coming, commits stay at the interval.
 */
final class IdleCommit {

    /** How long a task's input must have been quiet; also the wait at most added to the commit after a burst. */
    static final Duration TICK = Duration.ofMillis(50);

    private boolean sawRecord;
    private boolean uncommitted;

    /** Schedules the check on {@code context}'s task; call from the processor's {@code init}. */
    void schedule(ProcessorContext<?, ?> context) {
        context.schedule(TICK, PunctuationType.WALL_CLOCK_TIME, now -> {
            if (sawRecord) {
                sawRecord = false;
            } else if (uncommitted) {
                uncommitted = false;
                context.commit();
            }
        });
    }

    /** Call for every input record. */
    void recordSeen() {
        sawRecord = true;
        uncommitted = true;
    }
}
