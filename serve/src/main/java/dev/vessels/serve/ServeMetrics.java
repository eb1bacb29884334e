package dev.vessels.serve;

import java.io.IOException;
import java.io.OutputStream;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The service's Prometheus metrics, in a registry of its own (several servers can live in one JVM,
 * as in tests and {@code reproduce concurrent}). EPC figures come from the platform and carry a
 * {@code platform} label ({@code emulated-sgx} when no hardware is involved).
 */
public final class ServeMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests;
    private final Histogram latency;
    private final Histogram compute;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    public ServeMetrics(EpcScheduler scheduler) {
        requests = Counter.builder().name("vessels_requests_total")
                .help("Inference requests by model and outcome (ok, bad_request, not_found, too_large, rejected, error)")
                .labelNames("model", "outcome").register(registry);
        latency = Histogram.builder().name("vessels_request_duration_seconds")
                .help("Wall time of successful inference requests, from the request's arrival to its answer, per model")
                .labelNames("model").classicOnly()
                .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60)
                .register(registry);
        compute = Histogram.builder().name("vessels_prediction_duration_seconds")
                .help("Forward-pass time of successful predictions inside the enclave, per model (request time minus this is the service's overhead)")
                .labelNames("model").classicOnly()
                .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60)
                .register(registry);
        String platform = scheduler.factory().platform().name();
        GaugeWithCallback.builder().name("vessels_queue_depth").help("Requests waiting for an enclave")
                .callback(cb -> cb.call(scheduler.snapshot().queueDepth())).register(registry);
        GaugeWithCallback.builder().name("vessels_queue_capacity").help("Most requests that may wait (--queue)")
                .callback(cb -> cb.call(scheduler.snapshot().queueCapacity())).register(registry);
        GaugeWithCallback.builder().name("vessels_enclaves").help("Live enclaves by state (busy: running a prediction or being built)")
                .labelNames("state").callback(cb -> {
                    var s = scheduler.snapshot();
                    cb.call(s.busy(), "busy");
                    cb.call(s.idle(), "idle");
                }).register(registry);
        GaugeWithCallback.builder().name("vessels_epc_committed_bytes")
                .help("EPC bytes committed by live enclaves, as the platform counts them").labelNames("platform")
                .callback(cb -> cb.call(scheduler.snapshot().platformCommittedBytes(), platform)).register(registry);
        GaugeWithCallback.builder().name("vessels_epc_reserved_bytes")
                .help("EPC bytes the scheduler has reserved for live and launching enclaves").labelNames("platform")
                .callback(cb -> cb.call(scheduler.snapshot().reservedBytes(), platform)).register(registry);
        GaugeWithCallback.builder().name("vessels_epc_bound_bytes")
                .help("EPC bytes the scheduler may commit (--epc-bound-mb; not enforced by --scheduler naive)").labelNames("platform", "scheduler")
                .callback(cb -> cb.call(scheduler.boundBytes(), platform, scheduler.mode().name().toLowerCase())).register(registry);
        GaugeWithCallback.builder().name("vessels_epc_capacity_bytes").help("Usable EPC of the platform (--epc-mb)").labelNames("platform")
                .callback(cb -> cb.call(scheduler.factory().platform().epcCapacityBytes(), platform)).register(registry);
        CounterWithCallback.builder().name("vessels_epc_page_swaps_total")
                .help("Secure page swaps (reloads of evicted EPC pages) since start").labelNames("platform")
                .callback(cb -> cb.call(scheduler.factory().platform().costs().pageSwaps(), platform)).register(registry);
        CounterWithCallback.builder().name("vessels_enclaves_launched_total").help("Enclaves built since start")
                .callback(cb -> cb.call(scheduler.snapshot().launched())).register(registry);
        CounterWithCallback.builder().name("vessels_enclave_switches_total")
                .help("Requests served by an idle enclave last used for another model (--enclave-reuse any): builds saved")
                .callback(cb -> cb.call(scheduler.snapshot().switched())).register(registry);
        CounterWithCallback.builder().name("vessels_scheduler_idle_slot_seconds_total")
                .help("Running slots left free while requests waited for EPC (epc scheduler; FIFO head-of-line blocking)")
                .callback(cb -> cb.call(scheduler.snapshot().idleSlotNanos() / 1e9)).register(registry);
        CounterWithCallback.builder().name("vessels_enclave_faults_total").help("Enclaves that failed while launching or predicting")
                .callback(cb -> cb.call(scheduler.snapshot().faults())).register(registry);
        CounterWithCallback.builder().name("vessels_request_retries_total")
                .help("Requests sent to another enclave after their enclave failed (each request at most once)")
                .callback(cb -> cb.call(scheduler.snapshot().retries())).register(registry);
    }

    /** Counts one request of {@code model} (or "-" when it named none we serve) with {@code outcome}. */
    public void outcome(String model, String outcome) {
        requests.labelValues(model, outcome).inc();
    }

    public void latency(String model, long nanos) {
        latency.labelValues(model).observe(nanos / 1e9);
    }

    public void prediction(String model, long nanos) {
        compute.labelValues(model).observe(nanos / 1e9);
    }

    public String contentType() {
        return writer.getContentType();
    }

    public void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }
}
