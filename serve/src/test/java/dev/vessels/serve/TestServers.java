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

    /** Delegates to a real factory; each prediction sleeps first, and prediction number {@code failAt} (1-based, over all enclaves) throws. */
    static final class Faulty implements WorkerFactory {
        final WorkerFactory real;
        final long sleepMillis;
        final int failAt;
        final AtomicInteger predictions = new AtomicInteger();
        final AtomicLong launches = new AtomicLong();

        Faulty(WorkerFactory real, long sleepMillis, int failAt) {
            this.real = real;
            this.sleepMillis = sleepMillis;
            this.failAt = failAt;
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
                    if (n == failAt) throw new IllegalStateException("injected enclave fault in prediction " + n);
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
