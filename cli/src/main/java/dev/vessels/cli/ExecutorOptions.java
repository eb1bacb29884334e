package dev.vessels.cli;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.weights.ParamSource;
import picocli.CommandLine.Option;

/** {@code --executor} and {@code --threads}, shared by predict, bench and profile. */
public final class ExecutorOptions {
    public enum Kind { vessels, baseline }

    @Option(names = "--executor", paramLabel = "vessels|baseline", defaultValue = "vessels",
            description = "vessels: planned memory pool, parameters on demand; baseline: Darknet's own allocations. Default: ${DEFAULT-VALUE}.")
    Kind executor = Kind.vessels;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Threads for one prediction (default: all ${sys:vessels.cpus} available cores).")
    int threads;

    @Option(names = "--prefetch",
            description = "vessels only: read the next layer's parameters on a background thread while the current one computes (two more parameter slots).")
    boolean prefetch;

    @Option(names = "--resident-params",
            description = "vessels only, for measurement: keep every parameter resident (the reference for on-demand loading's latency).")
    boolean residentParams;

    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec mixee;

    public int threads() {
        if (threads < 0) throw new picocli.CommandLine.ParameterException(mixee.commandLine(), "--threads must be >= 1, got " + threads);
        return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    }

    public Executor create(Network net, ParamSource src) {
        // A sealed model decrypts a read's chunks on as many threads as the prediction uses. Only
        // executors that read while being built (every parameter: baseline, resident) or off the
        // prediction's threads (prefetch) need a pool of its own; an on-demand executor reads
        // nothing before it exists and then lends its threads (decryptOn below).
        boolean readsOffItsThreads = executor == Kind.baseline || residentParams || prefetch;
        if (readsOffItsThreads && src instanceof dev.vessels.enclave.seal.SealedModel sealed) sealed.decryptThreads(threads());
        if ((prefetch || residentParams) && executor != Kind.vessels) {
            throw new picocli.CommandLine.ParameterException(mixee.commandLine(),
                    (prefetch ? "--prefetch" : "--resident-params") + " applies to --executor vessels only");
        }
        if (prefetch && residentParams) {
            throw new picocli.CommandLine.ParameterException(mixee.commandLine(), "--prefetch and --resident-params exclude each other");
        }
        if (prefetch) return dev.vessels.memory.Executors.vesselsPrefetching(net, src, threads(), dev.vessels.memory.plan.MemoryPlan.forThreads(net, threads()));
        Executor ex = residentParams
                ? dev.vessels.memory.Executors.vesselsResident(net, src, threads(), dev.vessels.memory.plan.MemoryPlan.forThreads(net, threads()))
                : dev.vessels.memory.Executors.create(executor.name(), net, src, threads());
        // From now on the prediction's own threads decrypt (prefetch above keeps a pool: its reads
        // run on a background thread while the prediction's threads compute).
        if (src instanceof dev.vessels.enclave.seal.SealedModel sealed) sealed.decryptOn(ex.parallel());
        return ex;
    }

    /** How parameters are served, for reports: on-demand, prefetch or resident (vessels), resident (baseline). */
    public String params() {
        return executor == Kind.baseline || residentParams ? "resident" : prefetch ? "prefetch" : "on-demand";
    }
}
