package dev.vessels.enclave;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Records what an executor reports, so tests can check it and traces can be replayed into any
 * other tracer (e.g. several EPC sizes from one run).
 */
public final class RecordingTracer implements MemoryTracer {
    /** One report: an access ({@code ocall == false}) or an OCALL (offset and length 0). */
    public record Event(long offset, long length, boolean write, boolean ocall) {}

    private final List<Event> events = new ArrayList<>();

    @Override
    public synchronized void touch(long offset, long length, boolean write) {
        events.add(new Event(offset, length, write, false));
    }

    @Override
    public synchronized void ocall() {
        events.add(new Event(0, 0, false, true));
    }

    public synchronized List<Event> events() {
        return Collections.unmodifiableList(new ArrayList<>(events));
    }

    /** Sends every recorded report, in order, to {@code to}. */
    public void replay(MemoryTracer to) {
        for (Event e : events()) {
            if (e.ocall()) to.ocall(); else to.touch(e.offset(), e.length(), e.write());
        }
    }
}
