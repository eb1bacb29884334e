package dev.vessels.enclave.run;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.enclave.MemoryTracer;

/**
 * What one executor reports to an enclave's {@link MemoryTracer}: where its buffers lie in the
 * enclave's data region, and which byte ranges each layer reads and writes, in order. Installed
 * as the executor's layer observer, so the core loop stays as it is.
 */
abstract class Trace implements Executor.LayerObserver {
    /** A byte range of the data region. */
    record Range(long offset, long length) {
        Range slice(long from, long len) {
            if (from < 0 || len < 0 || from + len > length) {
                throw new IllegalArgumentException("slice [" + from + ", " + (from + len) + ") of a " + length + "-byte range");
            }
            return new Range(offset + from, len);
        }
    }

    protected final Network net;
    private MemoryTracer tracer = MemoryTracer.NONE;
    private long tracerNanos; // time the predicting thread spent inside the tracer (the emulator's bookkeeping), since use()
    private Thread owner;     // the thread that called use(): the one whose waits delay the prediction

    Trace(Network net) {
        this.net = net;
    }

    /** Bytes of the data region: every buffer laid out, nothing else. */
    abstract long dataBytes();

    /** Where layer {@code layer}'s output lies (-1: the network input). */
    abstract Range output(int layer);

    /** What loading the model into the enclave touches, before the first prediction. */
    void load() {}

    synchronized void use(MemoryTracer t) {
        tracer = t == null ? MemoryTracer.NONE : t;
        tracerNanos = 0;
        owner = Thread.currentThread();
    }

    /**
     * Wall time spent inside the tracer since {@link #use}: an emulator's own bookkeeping, which
     * is not part of what the enclave computes (the costs it models are reported separately).
     */
    synchronized long tracerNanos() {
        return tracerNanos;
    }

    /** The ECALL copies the image into the enclave. */
    void start() {
        write(output(-1));
    }

    /** The caller copies out the network's output and the layers it keeps (every [yolo] layer). */
    void finish(int[] kept) {
        read(output(net.outputIndex()));
        for (int k : kept) if (k != net.outputIndex()) read(output(k));
    }

    final void read(Range r) {
        touch(r.offset(), r.length(), false);
    }

    final void write(Range r) {
        touch(r.offset(), r.length(), true);
    }

    /*
     * The prediction's worker threads report too (a layer streaming its parameter rows reads on
     * every thread), so reports are serialised. Only the predicting thread's time in the tracer is
     * subtracted from the prediction's: a worker's bookkeeping may overlap the caller's compute,
     * so counting it would understate the latency; leaving it in can only overstate it.
     */
    final synchronized void touch(long offset, long length, boolean write) {
        long t0 = System.nanoTime();
        tracer.touch(offset, length, write);
        if (Thread.currentThread() == owner) tracerNanos += System.nanoTime() - t0;
    }

    final synchronized void ocall() {
        long t0 = System.nanoTime();
        tracer.ocall();
        if (Thread.currentThread() == owner) tracerNanos += System.nanoTime() - t0;
    }

    static long floats(long n) {
        return n * Float.BYTES;
    }
}
