package dev.vessels.serve;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.vessels.core.exec.Prediction;
import dev.vessels.enclave.EmulatedSgxPlatform;
import dev.vessels.enclave.TrustedPlatform;
import dev.vessels.enclave.sgx.EpcConfig;
import dev.vessels.enclave.sgx.EpcEmulator;

/** Real servers on loopback over the emulated platform, and factories that slow down or break enclaves. */
final class TestServers {
    private TestServers() {}

    static TrustedPlatform platform(double epcMb) {
        return new EmulatedSgxPlatform(new EpcEmulator(EpcConfig.ofMiB(epcMb)), EmulatedSgxPlatform.DEFAULT_RUNTIME_OVERHEAD_BYTES);
    }

    static PlatformWorkerFactory factory(TrustedPlatform p, String... zooNames) {
        List<ServedModel> ms = java.util.Arrays.stream(zooNames).map(n -> ServedModel.parse(n, null)).toList();
        return new PlatformWorkerFactory(p, ms, "vessels", 1, true);
    }

    static InferenceServer start(WorkerFactory f, SchedulerCore.Mode mode, long bound, int queue, int maxLive, long bodyLimit) throws Exception {
        EpcScheduler s = new EpcScheduler(f, mode, bound, queue, maxLive);
        return new InferenceServer(s, new InferenceServer.Config("127.0.0.1", 0, bodyLimit, 20_000)).start();
    }

    /**
     * The emulated platform, whose enclaves can be armed to fail in the middle of a prediction: the
     * {@code touchNumber}-th memory access the executor reports inside the next ECALL throws, from
     * inside the forward pass (between layers, buffers half written), as a fault of the enclave would.
     */
    static final class MidPredictionFaults implements TrustedPlatform {
        final TrustedPlatform real;
        final java.util.concurrent.atomic.AtomicInteger armed = new java.util.concurrent.atomic.AtomicInteger(); // touch number, 0: off
        final AtomicInteger injected = new AtomicInteger();

        MidPredictionFaults(TrustedPlatform real) {
            this.real = real;
        }

        /** The next ECALL that reaches {@code touchNumber} memory accesses fails there. */
        void armAtTouch(int touchNumber) {
            armed.set(touchNumber);
        }

        @Override public String name() { return real.name(); }
        @Override public boolean emulated() { return real.emulated(); }
        @Override public boolean costsInWallTime() { return real.costsInWallTime(); }
        @Override public long epcCapacityBytes() { return real.epcCapacityBytes(); }
        @Override public long commitFor(long dataBytes) { return real.commitFor(dataBytes); }
        @Override public long committedBytes() { return real.committedBytes(); }
        @Override public dev.vessels.enclave.EnclaveCosts costs() { return real.costs(); }
        @Override public void close() { real.close(); }

        @Override
        public dev.vessels.enclave.Enclave create(String label, long dataBytes) {
            dev.vessels.enclave.Enclave e = real.create(label, dataBytes);
            return new dev.vessels.enclave.Enclave() {
                @Override public long id() { return e.id(); }
                @Override public String label() { return e.label(); }
                @Override public long dataBytes() { return e.dataBytes(); }
                @Override public long committedBytes() { return e.committedBytes(); }
                @Override public dev.vessels.enclave.EnclaveCosts costs() { return e.costs(); }
                @Override public boolean destroyed() { return e.destroyed(); }
                @Override public void destroy() { e.destroy(); }

                @Override
                public <T> T run(dev.vessels.enclave.EnclaveCall<T> call) {
                    return e.run(t -> call.call(new dev.vessels.enclave.MemoryTracer() {
                        int touches;

                        @Override
                        public void touch(long offset, long length, boolean write) {
                            int at = armed.get();
                            if (at > 0 && ++touches >= at && armed.compareAndSet(at, 0)) {
                                injected.incrementAndGet();
                                throw new IllegalStateException("injected enclave fault mid-prediction (memory access " + touches + ")");
                            }
                            t.touch(offset, length, write);
                        }

                        @Override
                        public void ocall() {
                            t.ocall();
                        }
                    }));
                }
            };
        }
    }

    /** Delegates to a real factory; each prediction sleeps first, and the predictions numbered {@code failAt} (1-based, over all enclaves) throw. */
    static final class Faulty implements WorkerFactory {
        final WorkerFactory real;
        final long sleepMillis;
        final java.util.Set<Integer> failAt;
        final AtomicInteger predictions = new AtomicInteger();
        final AtomicLong launches = new AtomicLong();

        Faulty(WorkerFactory real, long sleepMillis, int... failAt) {
            this.real = real;
            this.sleepMillis = sleepMillis;
            this.failAt = java.util.Arrays.stream(failAt).boxed().collect(java.util.stream.Collectors.toSet());
        }

        @Override
        public List<ServedModel> models() {
            return real.models();
        }

        @Override
        public long epcNeed(String model) {
            return real.epcNeed(model);
        }

        @Override
        public EnclaveWorker launch(String model) {
            launches.incrementAndGet();
            EnclaveWorker w = real.launch(model);
            return new EnclaveWorker() {
                @Override
                public String model() {
                    return w.model();
                }

                @Override
                public long committedBytes() {
                    return w.committedBytes();
                }

                @Override
                public Prediction predict(float[] input) {
                    int n = predictions.incrementAndGet();
                    if (sleepMillis > 0) {
                        try {
                            Thread.sleep(sleepMillis);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    if (failAt.contains(n)) throw new IllegalStateException("injected enclave fault in prediction " + n);
                    return w.predict(input);
                }

                @Override
                public void destroy() {
                    w.destroy();
                }
            };
        }

        @Override
        public TrustedPlatform platform() {
            return real.platform();
        }

        @Override
        public String executorKind() {
            return real.executorKind();
        }

        @Override
        public void close() {
            real.close();
        }
    }
}
