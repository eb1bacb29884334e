package dev.vessels.core.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

class ParallelTest {
    @Test
    void everyPartRunsExactlyOnceAcrossManyQuickJobs() throws Exception {
        try (Parallel par = new Parallel(3)) {
            for (int job = 0; job < 5_000; job++) {
                int parts = 1 + job % 7;
                AtomicIntegerArray ran = new AtomicIntegerArray(parts);
                par.forEachPart(parts, ran::incrementAndGet);
                for (int p = 0; p < parts; p++) assertThat(ran.get(p)).as("job %d part %d", job, p).isEqualTo(1);
                if (job % 1000 == 0) Thread.sleep(1); // let the workers park, then wake them again
            }
        }
    }

    @Test
    void togetherRunsEveryPartAtOnceOrNothing() throws Exception {
        try (Parallel par = new Parallel(2)) {
            // Both parts at the same time: each waits until the other has started.
            java.util.concurrent.CountDownLatch both = new java.util.concurrent.CountDownLatch(2);
            boolean[] nested = new boolean[1];
            assertThat(par.forEachPartTogether(p -> {
                both.countDown();
                try {
                    if (!both.await(10, java.util.concurrent.TimeUnit.SECONDS)) throw new IllegalStateException("not together");
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                // From inside a part the pool is busy: refused, nothing run.
                if (p == 0) nested[0] = par.forEachPartTogether(q -> {
                    throw new AssertionError("ran");
                });
            })).isTrue();
            assertThat(nested[0]).isFalse();
        }
        assertThat(Parallel.SERIAL.forEachPartTogether(p -> {
            throw new AssertionError("ran");
        })).as("one thread: refused").isFalse();
    }

    @Test
    void aWorkersExceptionReachesTheCallerAndTheInstanceStaysUsable() {
        try (Parallel par = new Parallel(2)) {
            assertThatThrownBy(() -> par.forEachPart(2, p -> {
                if (p == 1) throw new IllegalArgumentException("part " + p);
            })).isInstanceOf(IllegalArgumentException.class).hasMessage("part 1");
            int[] sum = new int[1];
            par.forRange(10, (lo, hi) -> {
                synchronized (sum) {
                    for (int i = lo; i < hi; i++) sum[0] += i;
                }
            });
            assertThat(sum[0]).isEqualTo(45);
        }
    }

    @Test
    void workersWakeFromParkingAfterAnIdleGapLongerThanTheSpin() throws Exception {
        try (Parallel par = new Parallel(2)) {
            for (int round = 0; round < 5; round++) {
                Thread.sleep(5); // well past the 50 µs spin and 300 µs yield: the worker has parked
                Thread[] ran = new Thread[2];
                par.forEachPart(2, p -> ran[p] = Thread.currentThread());
                assertThat(ran[0]).isSameAs(Thread.currentThread());
                assertThat(ran[1]).isNotNull().isNotSameAs(Thread.currentThread());
            }
        }
    }

    @Test
    void aCallFromInsideAPartRunsEveryInnerPartOnThatThread() {
        try (Parallel par = new Parallel(2)) {
            AtomicIntegerArray inner = new AtomicIntegerArray(2 * 3);
            boolean[] sameThread = {true, true};
            par.forEachPart(2, outer -> {
                Thread me = Thread.currentThread();
                par.forEachPart(3, p -> {
                    inner.incrementAndGet(outer * 3 + p);
                    if (Thread.currentThread() != me) sameThread[outer] = false;
                });
            });
            for (int i = 0; i < 6; i++) assertThat(inner.get(i)).isEqualTo(1);
            assertThat(sameThread).containsExactly(true, true);
        }
    }

    @Test
    void twoCallersSharingOneInstanceEachRunEveryPartOnce() throws Exception {
        try (Parallel par = new Parallel(2)) {
            Thread[] callers = new Thread[2];
            Throwable[] failed = new Throwable[2];
            for (int c = 0; c < 2; c++) {
                int id = c;
                callers[c] = new Thread(() -> {
                    try {
                        for (int job = 0; job < 3_000; job++) {
                            int parts = 2 + job % 3;
                            AtomicIntegerArray ran = new AtomicIntegerArray(parts);
                            par.forEachPart(parts, ran::incrementAndGet);
                            for (int p = 0; p < parts; p++) assertThat(ran.get(p)).isEqualTo(1);
                        }
                    } catch (Throwable t) {
                        failed[id] = t;
                    }
                });
                callers[c].start();
            }
            for (Thread t : callers) t.join();
            assertThat(failed).containsOnlyNulls();
        }
    }

    @Test
    void aClosedInstanceRunsEveryPartOnTheCaller() {
        Parallel par = new Parallel(3);
        par.close();
        Thread[] ran = new Thread[3];
        par.forEachPart(3, p -> ran[p] = Thread.currentThread());
        assertThat(ran).containsOnly(Thread.currentThread());
    }
}
