package dev.vessels.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import dev.vessels.serve.InferenceServer;
import dev.vessels.serve.PlatformWorkerFactory;
import dev.vessels.serve.ServedModel;
import dev.vessels.serve.Serving;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve predictions over HTTP (Open Inference Protocol v2) from enclaves on the emulated SGX platform,",
                "scheduled by their EPC commit. Metrics at /metrics. Stops gracefully on SIGINT/SIGTERM."})
public final class ServeCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--models", arity = "1..*", required = true, paramLabel = "NAME[=CFG,WEIGHTS|SEALED]",
            description = {"Models to serve: NAME alone is a built-in model with seeded synthetic weights;",
                    "NAME=CFG,WEIGHTS a Darknet cfg and weights; NAME=SEALED a .vsl from 'vessels seal' (needs --key-file)."})
    List<String> models;

    @Option(names = "--port", defaultValue = "8000", paramLabel = "PORT", description = "TCP port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--executor", defaultValue = "vessels", paramLabel = "vessels|baseline",
            description = "vessels: planned pool, parameters on demand; baseline: Darknet's allocations. Default: ${DEFAULT-VALUE}.")
    ExecutorOptions.Kind executor;

    public enum Sched { epc, naive }

    @Option(names = "--scheduler", defaultValue = "epc", paramLabel = "epc|naive",
            description = {"epc: a new enclave only while committed + need <= bound, else FIFO wait; at most cores/threads",
                    "predictions at once (default);",
                    "naive: an enclave per concurrent request, no bound (what the baseline system does)."})
    Sched scheduler;

    @Option(names = "--epc-mb", defaultValue = "93.5", paramLabel = "MB",
            description = "Usable EPC of the emulated platform in MiB (default ${DEFAULT-VALUE}, SGX1).")
    double epcMb;

    @Option(names = "--epc-bound-mb", paramLabel = "N", description = "EPC the scheduler may commit, MiB (default: the usable EPC).")
    Double epcBoundMb;

    @Option(names = "--queue", defaultValue = "64", paramLabel = "N",
            description = "Most requests waiting for an enclave; more get 503 with Retry-After (default ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "N",
            description = "Threads per prediction (default ${DEFAULT-VALUE}: concurrency comes from concurrent requests, one enclave each).")
    int threads;

    @Option(names = "--key-file", paramLabel = "KEY", description = "Model key for sealed models (from 'vessels keygen').")
    Path keyFile;

    @Option(names = "--enclave-reuse", paramLabel = "model|any",
            description = {"Which idle enclave a request may reuse. any (default for --executor vessels): any idle enclave whose EPC",
                    "commit covers the model's need, since a Vessels enclave holds no model state; model (the baseline's",
                    "only choice): one built for the request's model."})
    String enclaveReuse;

    @Option(names = "--solo", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = {"--scheduler epc: a model whose enclave needs more than half the EPC bound runs alone, on",
                    "--threads x (cores / --threads) threads (default). --no-solo: on --threads like every model."})
    boolean solo;

    private final CountDownLatch stopped = new CountDownLatch(1);

    /** Starts the service and returns it (tests stop it themselves). */
    InferenceServer start() {
        if (threads < 1) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--threads must be >= 1, got " + threads);
        if (queue < 0) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--queue must be >= 0, got " + queue);
        try {
            Serving.sharedEnclaves(enclaveReuse, executor.name());
        } catch (dev.vessels.core.VesselsException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        InferenceServer s = Serving.start(new Serving.Options(models, "0.0.0.0", port, executor.name(), scheduler.name(), epcMb,
                epcBoundMb, queue, threads, keyFile, Serving.DEFAULT_MAX_LIVE, 300_000, false, enclaveReuse, solo));
        PrintWriter out = spec.commandLine().getOut();
        var sch = s.scheduler();
        var platform = sch.factory().platform();
        out.printf("vessels serve: http://0.0.0.0:%d/v2  (metrics: /metrics)%n", s.port());
        out.printf("platform %s (emulated, no SGX hardware): EPC %.1f MiB usable; scheduler %s, bound %.1f MiB%s; executor %s; queue %d%n",
                platform.name(), platform.epcCapacityBytes() / 1048576.0, scheduler, sch.boundBytes() / 1048576.0,
                scheduler == Sched.naive ? " (not enforced)" : ", at most " + sch.maxRunning() + " predictions at once", executor, queue);
        out.printf("idle enclaves serve %s%n", sch.factory().sharedEnclaves()
                ? "any model whose EPC need their commit covers (--enclave-reuse any)" : "only the model they were built for (--enclave-reuse model)");
        for (ServedModel m : sch.factory().models()) {
            out.printf("  %-16s weights %s%s, enclave EPC need %.1f MiB (emulated)%n", m.name(), m.weights(),
                    m.synthetic() ? " (seeded synthetic weights, not trained: classes are meaningless)" : "",
                    sch.epcNeed(m.name()) / 1048576.0);
            if (sch.slotsFor(m.name()) > 1) {
                out.printf("  %-16s runs solo: on %d threads, taking all %d running slots (it needs more than half the bound)%n", "",
                        ((PlatformWorkerFactory) sch.factory()).threads(m.name()), sch.slotsFor(m.name()));
            }
        }
        out.flush();
        return s;
    }

    @Override
    public Integer call() throws InterruptedException {
        InferenceServer s = start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            s.stop(30_000); // graceful: stop accepting, answer everything queued
            stopped.countDown();
        }, "vessels-serve-shutdown"));
        stopped.await();
        return 0;
    }
}
