package dev.vessels.enclave.run;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Prediction;
import dev.vessels.core.weights.ParamSource;
import dev.vessels.enclave.Enclave;
import dev.vessels.enclave.EnclaveCosts;
import dev.vessels.enclave.TrustedPlatform;

/**
 * The paper's single-prediction measurement of one model with one executor in one enclave:
 * <ol>
 *   <li>build the enclave for the executor's data region (its committed EPC is the peak EPC: SGX1
 *       commits every page at build);</li>
 *   <li>load the model into it (baseline: every parameter, as Darknet does before predicting);</li>
 *   <li>{@code warmup} predictions outside the enclave, untraced: they only let the JIT compile
 *       the kernels, so measured compute time is steady-state for both executors alike, and they
 *       leave the enclave's EPC state as the load left it;</li>
 *   <li>{@code runs} predictions inside the enclave, each one ECALL; the first is the paper's
 *       single prediction (cold EPC state after loading). Latency = measured compute time plus
 *       the platform's paging and transition costs when the platform only counts them.</li>
 * </ol>
 */
public final class SinglePrediction {
    private SinglePrediction() {}

    /**
     * One prediction in the enclave.
     *
     * @param computeNanos measured time of the prediction without the time spent inside the tracer
     *                     (the emulator's bookkeeping and, in real-work mode, its paging work)
     * @param costs        what the enclave paid during it (paging, transitions), emulated or measured
     * @param latencyNanos compute plus costs not already spent in wall time
     */
    public record Run(long computeNanos, EnclaveCosts costs, long latencyNanos) {}

    /**
     * @param dataBytes    the executor's data region
     * @param peakEpcBytes EPC the enclave committed (data + runtime overhead, page-rounded)
     * @param buildNanos   enclave build time (emulated on emulated platforms)
     * @param loadCosts    what loading the model in the enclave paid
     * @param warmupNanos  compute time of the last untraced warm-up prediction (0 without warm-up)
     */
    public record Result(String executor, long dataBytes, long peakEpcBytes, long buildNanos, EnclaveCosts loadCosts,
                         long warmupNanos, List<Run> runs, boolean emulated) {
        public long medianLatencyNanos() {
            return median(runs.stream().mapToLong(Run::latencyNanos).toArray());
        }

        public long medianComputeNanos() {
            return median(runs.stream().mapToLong(Run::computeNanos).toArray());
        }

        /** Page swaps of the median run by swaps (all runs agree once the EPC state repeats). */
        public long medianPageSwaps() {
            return median(runs.stream().mapToLong(r -> r.costs().pageSwaps()).toArray());
        }

        public long medianOverheadNanos() {
            return median(runs.stream().mapToLong(r -> r.costs().overheadNanos()).toArray());
        }

        /** Swaps of the first prediction after loading: the paper's single prediction. */
        public long firstPageSwaps() {
            return runs.getFirst().costs().pageSwaps();
        }
    }

    /** Measures {@code kind} on {@code net} with parameters from {@code src} in an enclave of {@code platform}. */
    public static Result measure(TrustedPlatform platform, String kind, Network net, ParamSource src, int threads, int warmup,
                                 int runs, float[] input) {
        return sideBySide(List.of(new Setup(platform, kind)), net, src, threads, warmup, runs, input).getFirst();
    }

    /** One executor kind on its own platform. */
    public record Setup(TrustedPlatform platform, String kind) {}

    /**
     * Measures several setups (e.g. baseline and vessels, each on a fresh platform) side by side:
     * all are built and loaded first, then warm-ups and runs alternate between them, so a noisy,
     * shared machine slows each the same way. Results are in the order of {@code setups}.
     */
    public static List<Result> sideBySide(List<Setup> setups, Network net, ParamSource src, int threads, int warmup, int runs,
                                          float[] input) {
        if (runs < 1 || warmup < 0) throw new IllegalArgumentException("runs must be >= 1 and warmup >= 0");
        List<Session> sessions = new ArrayList<>();
        try {
            for (Setup s : setups) sessions.add(new Session(s, net, src, threads));
            for (Session s : sessions) s.load();
            for (int w = 0; w < warmup; w++) for (Session s : sessions) s.warm(input);
            for (int r = 0; r < runs; r++) for (Session s : sessions) s.run(input);
            List<Result> out = new ArrayList<>();
            for (Session s : sessions) out.add(s.result());
            return out;
        } finally {
            for (Session s : sessions) s.close();
        }
    }

    /** One executor in one enclave, from build to destroy. */
    private static final class Session implements AutoCloseable {
        final Setup setup;
        final EnclaveExecutor ex;
        final Enclave enclave;
        final long peak;
        final EnclaveCosts built;
        EnclaveCosts loaded;
        long warmNanos;
        final List<Run> runs = new ArrayList<>();

        Session(Setup setup, Network net, ParamSource src, int threads) {
            this.setup = setup;
            this.ex = EnclaveExecutor.create(setup.kind(), net, src, threads);
            Enclave e;
            try {
                e = setup.platform().create(net.name() + " (" + setup.kind() + ")", ex.dataBytes());
            } catch (RuntimeException x) {
                ex.close();
                throw x;
            }
            this.enclave = e;
            this.peak = enclave.committedBytes();
            this.built = enclave.costs();
        }

        void load() {
            enclave.run(t -> {
                ex.load(t);
                return null;
            });
            loaded = enclave.costs();
        }

        void warm(float[] input) {
            warmNanos = ex.predict(input, dev.vessels.enclave.MemoryTracer.NONE).nanos();
        }

        void run(float[] input) {
            EnclaveCosts before = enclave.costs();
            Prediction p = ex.predict(input, enclave);
            EnclaveCosts paid = enclave.costs().since(before);
            long compute = Math.max(0, p.nanos() - ex.lastTracerNanos());
            // costs spent in wall time (hardware, real-work emulation) are in the measured time already;
            // counted ones are added to the compute
            long latency = setup.platform().costsInWallTime() ? p.nanos() : compute + paid.overheadNanos();
            runs.add(new Run(compute, paid, latency));
        }

        Result result() {
            return new Result(setup.kind(), ex.dataBytes(), peak, built.buildNanos(), loaded.since(built), warmNanos,
                    List.copyOf(runs), setup.platform().emulated());
        }

        @Override
        public void close() {
            enclave.close();
            ex.close();
        }
    }

    /** A fixed pseudo-random input in [0, 1) for {@code net}, the same in every run. */
    public static float[] input(Network net) {
        SplittableRandom r = new SplittableRandom(42);
        float[] x = new float[(int) net.input().size()];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        return x;
    }

    static long median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
