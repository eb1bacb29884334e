package dev.vessels.enclave.sgx;

/**
 * Spends CPU time busily, as the processor does during EWB/ELDU/EADD: the thread stays runnable
 * and occupies its core (no sleeping, no PAUSE hints), so concurrently running enclaves feel it.
 * Calibrated against {@link System#nanoTime()}: the loop checks the clock every few hundred
 * nanoseconds of arithmetic, so it overshoots by less than a microsecond (plus any preemption).
 */
final class BusyWork {
    @SuppressWarnings("unused")
    private static volatile long sink; // keeps the arithmetic from being optimised away

    private BusyWork() {}

    static void spinNanos(long nanos) {
        if (nanos <= 0) return;
        long end = System.nanoTime() + nanos;
        long x = end;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 256; i++) x = x * 6364136223846793005L + 1442695040888963407L;
        }
        sink = x;
    }
}
