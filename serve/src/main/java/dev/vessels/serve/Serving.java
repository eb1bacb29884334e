package dev.vessels.serve;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.vessels.core.VesselsException;
import dev.vessels.enclave.EmulatedSgxPlatform;
import dev.vessels.enclave.TrustedPlatform;
import dev.vessels.enclave.sgx.EpcConfig;
import dev.vessels.enclave.sgx.EpcEmulator;

/** Builds a whole service (platform, models, scheduler, HTTP server) from the {@code serve} options. */
public final class Serving {
    private Serving() {}

    /** Most enclaves alive at once: a host-memory guard (each holds an executor in the JVM heap), not an EPC rule. */
    public static final int DEFAULT_MAX_LIVE = 32;

    /**
     * @param models      {@code --models} entries (see {@link ServedModel#parse})
     * @param host        address to bind
     * @param port        0 picks a free one
     * @param executor    {@code vessels} or {@code baseline}
     * @param scheduler   {@code epc} or {@code naive}
     * @param epcMb       usable EPC of the emulated platform, MiB
     * @param epcBoundMb  scheduler bound, MiB (null: the usable EPC)
     * @param queue       most waiting requests
     * @param threads     threads per prediction
     * @param keyFile     key for sealed models (null if none)
     * @param maxLive     most live enclaves
     * @param realWork    emulated paging spends its cost as CPU work (else only counted)
     * @param enclaveReuse {@code model} (an idle enclave serves only its model) or {@code any} (an idle
     *                    Vessels enclave serves any model whose EPC need it covers); null: {@code any}
     *                    for the vessels executor, {@code model} for the baseline
     * @param solo        under the {@code epc} scheduler, models needing more than half the bound run
     *                    alone on every core ({@link #makeSolo})
     */
    public record Options(List<String> models, String host, int port, String executor, String scheduler, double epcMb,
                          Double epcBoundMb, int queue, int threads, Path keyFile, int maxLive, long timeoutMillis, boolean realWork,
                          String enclaveReuse, boolean solo) {
        public Options(List<String> models, String host, int port, String executor, String scheduler, double epcMb,
                       Double epcBoundMb, int queue, int threads, Path keyFile, int maxLive, long timeoutMillis, boolean realWork) {
            this(models, host, port, executor, scheduler, epcMb, epcBoundMb, queue, threads, keyFile, maxLive, timeoutMillis, realWork, null, false);
        }
    }

    /**
     * Makes the models that run solo under the {@code epc} scheduler run on {@code threads × running}
     * threads, and returns the running slots each of them takes (all {@code running}). Solo models: those whose enclave needs more than
     * half the bound. Such an enclave can never run beside another of its size, and while it runs
     * it keeps out every model that needs more than what is left (with the paper's nine at 93.5
     * MiB: YOLOv3's 73 MiB keeps out VGG16 and ResNeXt152), so the head of the queue would wait
     * for it with a core idle. Given every core, it finishes sooner and frees the EPC sooner.
     */
    static Map<String, Integer> makeSolo(PlatformWorkerFactory factory, long bound, int threads, int running) {
        Map<String, Integer> slots = new LinkedHashMap<>();
        for (ServedModel m : factory.models()) {
            if (factory.epcNeed(m.name()) * 2 <= bound) continue;
            factory.useThreads(m.name(), threads * running);
            if (factory.epcNeed(m.name()) > bound) {
                factory.useThreads(m.name(), threads); // the wider kernel scratch would not fit: stay as it was
            } else {
                slots.put(m.name(), running);
            }
        }
        return slots;
    }

    /** The reuse rule {@code o} asks for, with its default resolved: true when enclaves are shared between models. */
    static boolean sharedEnclaves(Options o) {
        return sharedEnclaves(o.enclaveReuse(), o.executor());
    }

    /**
     * {@code --enclave-reuse} ({@code model}, {@code any}, or null for the executor's default:
     * {@code any} for vessels) for {@code executor}: true when enclaves are shared between models.
     * The one check of the flag, which the commands turn into usage errors.
     *
     * @throws VesselsException for another value, or {@code any} with an executor whose enclaves hold their model
     */
    public static boolean sharedEnclaves(String enclaveReuse, String executor) {
        String r = enclaveReuse != null ? enclaveReuse : executor.equals("vessels") ? "any" : "model";
        boolean shared = switch (r) {
            case "any" -> true;
            case "model" -> false;
            default -> throw new VesselsException("--enclave-reuse must be model or any, got '" + r + "'");
        };
        if (shared && !executor.equals("vessels")) throw PlatformWorkerFactory.sharingNeedsVessels(executor);
        return shared;
    }

    /**
     * Predictions the {@code epc} scheduler runs at once: as many as the cores run, each on
     * {@code threads} threads (at least one). More would not add throughput, only take EPC that
     * idle enclaves keep for reuse. The {@code naive} scheduler has no such limit.
     */
    public static int maxRunning(int threads) {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, threads));
    }

    public static InferenceServer start(Options o) {
        if (o.models() == null || o.models().isEmpty()) throw new VesselsException("no models to serve: give --models NAME...");
        if (!(o.epcMb() > 0)) throw new VesselsException("--epc-mb must be > 0, got " + o.epcMb());
        if (o.epcBoundMb() != null && !(o.epcBoundMb() > 0)) throw new VesselsException("--epc-bound-mb must be > 0, got " + o.epcBoundMb());
        if (o.queue() < 0) throw new VesselsException("--queue must be >= 0, got " + o.queue());
        if (o.threads() < 1) throw new VesselsException("--threads must be >= 1, got " + o.threads());
        if (o.port() < 0 || o.port() > 65535) throw new VesselsException("--port must be 0..65535, got " + o.port());
        SchedulerCore.Mode mode = switch (o.scheduler()) {
            case "epc" -> SchedulerCore.Mode.EPC;
            case "naive" -> SchedulerCore.Mode.NAIVE;
            default -> throw new VesselsException("--scheduler must be epc or naive, got '" + o.scheduler() + "'");
        };
        boolean shared = sharedEnclaves(o);
        List<ServedModel> served = new ArrayList<>();
        for (String spec : o.models()) served.add(ServedModel.parse(spec, o.keyFile()));
        EpcConfig cfg = EpcConfig.ofMiB(o.epcMb());
        if (o.realWork()) cfg = cfg.withMode(EpcConfig.Mode.REAL_WORK);
        TrustedPlatform platform = new EmulatedSgxPlatform(new EpcEmulator(cfg), EmulatedSgxPlatform.DEFAULT_RUNTIME_OVERHEAD_BYTES);
        long bound = o.epcBoundMb() == null ? platform.epcCapacityBytes() : (long) Math.floor(o.epcBoundMb() * 1048576);
        PlatformWorkerFactory factory = new PlatformWorkerFactory(platform, served, o.executor(), o.threads(), true, shared);
        EpcScheduler scheduler;
        try {
            int running = maxRunning(o.threads());
            Map<String, Integer> slots = o.solo() && mode == SchedulerCore.Mode.EPC && running > 1
                    ? makeSolo(factory, bound, o.threads(), running) : Map.of();
            scheduler = new EpcScheduler(factory, mode, bound, o.queue(), o.maxLive(), running, slots);
        } catch (IllegalArgumentException e) {
            factory.close();
            throw new VesselsException(e.getMessage() + " (raise --epc-bound-mb, use --executor vessels, or --scheduler naive)");
        }
        try {
            long body = InferenceServer.Config.defaultBodyLimit(served);
            return new InferenceServer(scheduler, new InferenceServer.Config(o.host(), o.port(), body, o.timeoutMillis())).start();
        } catch (IOException e) {
            scheduler.close();
            factory.close();
            throw new VesselsException("cannot listen on " + o.host() + ":" + o.port() + ": " + e.getMessage());
        } catch (UncheckedIOException e) {
            throw new VesselsException("cannot listen on " + o.host() + ":" + o.port() + ": " + e.getMessage());
        }
    }
}
