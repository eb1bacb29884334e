package dev.vessels.enclave.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.vessels.core.Network;
import dev.vessels.core.TestNets;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.kernels.Gemm;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.core.zoo.ModelZoo;
import dev.vessels.enclave.EmulatedSgxPlatform;
import dev.vessels.enclave.Enclave;
import dev.vessels.enclave.RecordingTracer;
import dev.vessels.enclave.RecordingTracer.Event;
import dev.vessels.enclave.sgx.EpcConfig;
import dev.vessels.enclave.sgx.EpcEmulator;
import dev.vessels.memory.Executors;
import dev.vessels.memory.plan.MemoryPlan;

class EnclaveExecutorTest {
    /** Connected layers with batch norm, a dropout, softmax and cost: the layer kinds the zoo's tiny nets lack. */
    static final String CLASSIFIER_CFG = """
            [net]
            width=16
            height=16
            channels=3
            [convolutional]
            batch_normalize=1
            filters=8
            size=3
            stride=2
            pad=1
            activation=leaky
            [connected]
            output=32
            batch_normalize=1
            activation=relu
            [dropout]
            probability=.5
            [connected]
            output=10
            activation=linear
            [softmax]
            groups=1
            [cost]
            type=sse
            """;

    static List<Network> nets() {
        return List.of(ModelZoo.open("tiny-classifier"), ModelZoo.open("tiny-yolo"), TestNets.parse(CLASSIFIER_CFG));
    }

    static RecordingTracer predictRecorded(EnclaveExecutor ex, Network net) {
        RecordingTracer rec = new RecordingTracer();
        ex.load(rec);
        ex.predict(SinglePrediction.input(net), rec);
        return rec;
    }

    @Test
    void reportedRangesLieInsideTheDeclaredDataRegion() {
        for (Network net : nets()) {
            for (String kind : Executors.KINDS) {
                try (var src = new SyntheticWeights(net, 1); EnclaveExecutor ex = EnclaveExecutor.create(kind, net, src, 1)) {
                    List<Event> events = predictRecorded(ex, net).events();
                    assertThat(events).as(net.name() + " " + kind).isNotEmpty();
                    for (Event e : events) {
                        if (e.ocall()) continue;
                        assertThat(e.length()).as(net.name() + " " + kind + " " + e).isPositive();
                        assertThat(e.offset()).as(net.name() + " " + kind + " " + e).isNotNegative();
                        assertThat(e.offset() + e.length()).as(net.name() + " " + kind + " " + e).isLessThanOrEqualTo(ex.dataBytes());
                    }
                }
            }
        }
    }

    @Test
    void everyLayerReportsItsOutputWrite() {
        for (Network net : nets()) {
            for (String kind : Executors.KINDS) {
                try (var src = new SyntheticWeights(net, 1); EnclaveExecutor ex = EnclaveExecutor.create(kind, net, src, 1)) {
                    List<Event> events = predictRecorded(ex, net).events();
                    for (Layer l : net.layers()) {
                        if (l.aliasesInput()) continue;
                        long off = ex.outputOffset(l.index()), len = ex.outputBytes(l.index());
                        assertThat(len).isEqualTo(4 * l.outShape().size());
                        assertThat(writesCover(events, off, len)).as(net.name() + " " + kind + " layer " + l).isTrue();
                    }
                }
            }
        }
    }

    /** Whether the write events together cover [off, off+len) (a route writes its output slice by slice). */
    static boolean writesCover(List<Event> events, long off, long len) {
        long[][] w = events.stream().filter(e -> !e.ocall() && e.write() && e.offset() < off + len && e.offset() + e.length() > off)
                .map(e -> new long[]{e.offset(), e.offset() + e.length()}).sorted((a, b) -> Long.compare(a[0], b[0]))
                .toArray(long[][]::new);
        long reached = off;
        for (long[] r : w) {
            if (r[0] > reached) return false;
            reached = Math.max(reached, r[1]);
        }
        return reached >= off + len;
    }

    @Test
    void baselineLayoutIsDarknetsResidentMemoryAndLoadsEveryParameterSegmentByOcall() {
        Network net = ModelZoo.open("tiny-classifier");
        try (var src = new SyntheticWeights(net, 1); EnclaveExecutor ex = EnclaveExecutor.create("baseline", net, src, 1)) {
            long resident = dev.vessels.memory.baseline.DarknetMemory.of(net).residentBytes();
            assertThat(ex.dataBytes()).isBetween(resident, resident + 16L * 4 * net.layers().size() + 64);
            RecordingTracer rec = new RecordingTracer();
            ex.load(rec);
            long segments = net.layers().stream().mapToLong(l -> l.paramSegments().size()).sum();
            assertThat(rec.events().stream().filter(Event::ocall).count()).isEqualTo(segments);
            long written = rec.events().stream().filter(e -> !e.ocall()).mapToLong(Event::length).sum();
            assertThat(written).isEqualTo(4 * net.paramFloats());
        }
    }

    @Test
    void vesselsLayoutIsTheArenaAndEveryParameterPieceIsAnOcallThenASlotWrite() {
        Network net = ModelZoo.open("tiny-yolo");
        MemoryPlan plan = MemoryPlan.of(net);
        try (var src = new SyntheticWeights(net, 1); EnclaveExecutor ex = EnclaveExecutor.create("vessels", net, src, 1)) {
            // the arena, then one thread's GEMM packing buffers (SGX1 commits them at build too)
            assertThat(ex.dataBytes()).isEqualTo(4 * plan.arenaFloats() + Gemm.scratchBytesPerThread());
            RecordingTracer rec = new RecordingTracer();
            ex.load(rec);
            assertThat(rec.events()).isEmpty(); // nothing to load: parameters come on demand
            ex.predict(SinglePrediction.input(net), rec);
            List<Event> ev = rec.events();
            long ocalls = 0, params = 0;
            for (int i = 0; i < ev.size(); i++) {
                if (!ev.get(i).ocall()) continue;
                ocalls++;
                Event slot = ev.get(i + 1);
                assertThat(slot.write()).isTrue();
                params += slot.length() / 4;
            }
            assertThat(ocalls).isPositive();
            assertThat(params).isEqualTo(net.paramFloats()); // every parameter read once, each piece by one OCALL
        }
    }

    @Test
    void predictionsInsideTheEnclaveEqualThePlainExecutors() {
        Network net = ModelZoo.open("tiny-yolo");
        float[] x = SinglePrediction.input(net);
        try (var src = new SyntheticWeights(net, 1); Executor plain = Executors.create("baseline", net, src, 1);
             EnclaveExecutor v = EnclaveExecutor.create("vessels", net, src, 1);
             EnclaveExecutor b = EnclaveExecutor.create("baseline", net, src, 1);
             EmulatedSgxPlatform p = EmulatedSgxPlatform.sgx1(); Enclave e = p.create("t", v.dataBytes())) {
            float[] want = plain.predict(x).output();
            assertThat(v.predict(x, e).output()).isEqualTo(want);
            assertThat(b.predict(x, new RecordingTracer()).output()).isEqualTo(want);
        }
    }

    @Test
    void tinyBoundsReportWeightPiecesPackingBuffersOutputsAndPlannedWorkspaces() {
        Network net = ModelZoo.open("tiny-classifier");
        // tiny slots force weight pieces on every 3x3 convolution; each piece runs the fused
        // im2col+GEMM, which packs into the threads' GEMM buffers (declared after the arena, their
        // accesses unreported), or Winograd, in its workspace planned in the arena
        MemoryPlan plan = MemoryPlan.of(net, 64);
        try (var src = new SyntheticWeights(net, 1); EnclaveExecutor ex = EnclaveExecutor.vessels(net, src, 1, plan)) {
            List<Event> ev = predictRecorded(ex, net).events();
            long arena = 4 * plan.arenaFloats(), scratch = Gemm.scratchBytesPerThread();
            assertThat(ex.dataBytes()).isEqualTo(arena + scratch);
            // every other write is a parameter slot (right after its OCALL), a tensor or a Winograd
            // convolution's planned workspace: nothing else in the arena
            java.util.Set<Long> tensors = new java.util.HashSet<>();
            for (int l = -1; l < net.layers().size(); l++) tensors.add(ex.outputOffset(l));
            for (int l = 0; l < net.layers().size(); l++) if (plan.workspaceFloats(l) > 0) tensors.add(4 * plan.workspaceOffset(l));
            for (int i = 0; i < ev.size(); i++) {
                Event e = ev.get(i);
                if (e.ocall() || !e.write()) continue;
                boolean slot = i > 0 && ev.get(i - 1).ocall();
                assertThat(slot || tensors.contains(e.offset())).as("write " + e).isTrue();
                assertThat(e.offset() + e.length()).as("write " + e).isLessThanOrEqualTo(arena);
            }
            assertThat(ev.stream().filter(Event::ocall).count()).as("one OCALL per weight piece").isGreaterThan(net.layers().size());
        }
    }

    /** Each Winograd convolution's planned workspace is reported written, whole, at its arena offset. */
    @Test
    void winogradWorkspacesAreReportedWritten() {
        Network net = ModelZoo.open("tiny-yolo");
        MemoryPlan plan = MemoryPlan.forThreads(net, 2);
        try (var src = new SyntheticWeights(net, 1); EnclaveExecutor ex = EnclaveExecutor.vessels(net, src, 2, plan)) {
            List<Event> ev = predictRecorded(ex, net).events();
            int winograd = 0;
            for (int i = 0; i < net.layers().size(); i++) {
                if (plan.workspaceFloats(i) == 0) continue;
                winograd++;
                long off = 4 * plan.workspaceOffset(i), len = 4 * plan.workspaceFloats(i);
                assertThat(ev).as("layer %d's workspace", i).anyMatch(e -> e.write() && e.offset() == off && e.length() == len);
            }
            assertThat(winograd).as("tiny-yolo's 3×3 convolutions of enough filters on maps of 16×16 and more").isPositive();
        }
    }

    /**
     * A route copies only the inputs not concatenated in place, and the trace says so: against the
     * plan where routes copy, a prediction reads and writes exactly those inputs' bytes less.
     * tiny-yolo: {@code route -3} (one input, in place) and {@code route -1, 7}, whose upsampled
     * input is in place and whose layer 7, a shortcut's buffer shared in place, is copied. Same output.
     */
    @Test
    void routesInPlaceAreReportedCopyingNothing() {
        Network net = ModelZoo.open("tiny-yolo");
        MemoryPlan inPlace = MemoryPlan.forThreads(net, 1), copying;
        MemoryPlan.routesInPlace = false;
        try {
            copying = MemoryPlan.forThreads(net, 1);
        } finally {
            MemoryPlan.routesInPlace = true;
        }
        long routeBytes = 0; // bytes of route inputs in place
        int inputs = 0;
        for (Layer l : net.layers()) {
            if (!l.kind().equals("route")) continue;
            for (int k = 0; k < l.inputCount(); k++) {
                assertThat(copying.concatenatedInPlace(l.index(), k)).isFalse();
                if (!inPlace.concatenatedInPlace(l.index(), k)) continue;
                inputs++;
                routeBytes += net.layers().get(l.input(k)).outShape().bytes();
            }
        }
        assertThat(inputs).isEqualTo(2);
        assertThat(inPlace.concatenatedInPlace(15, 1)).as("layer 7, a shortcut's buffer").isFalse();
        long[] read = new long[2], written = new long[2];
        float[][] out = new float[2][];
        MemoryPlan[] plans = {inPlace, copying};
        for (int i = 0; i < 2; i++) {
            try (var src = new SyntheticWeights(net, 1); EnclaveExecutor ex = EnclaveExecutor.vessels(net, src, 1, plans[i])) {
                RecordingTracer rec = new RecordingTracer();
                ex.load(rec);
                out[i] = ex.predict(SinglePrediction.input(net), rec).output();
                for (Event e : rec.events()) {
                    if (e.ocall()) continue;
                    if (e.write()) written[i] += e.length();
                    else read[i] += e.length();
                }
            }
        }
        assertThat(out[0]).isEqualTo(out[1]);
        assertThat(written[1] - written[0]).isEqualTo(routeBytes);
        assertThat(read[1] - read[0]).isEqualTo(routeBytes);
    }

    @Test
    void vesselsDataRegionGrowsByOnePackingBufferSetPerThreadAndTheBaselineDoesNot() {
        Network net = ModelZoo.open("tiny-yolo");
        long[] baseline = new long[2];
        for (int threads = 1; threads <= 2; threads++) {
            long arena = 4 * MemoryPlan.forThreads(net, threads).arenaFloats(); // Winograd workspaces sized for the threads
            try (var src = new SyntheticWeights(net, 1); EnclaveExecutor v = EnclaveExecutor.create("vessels", net, src, threads);
                 EnclaveExecutor b = EnclaveExecutor.create("baseline", net, src, threads)) {
                assertThat(v.dataBytes()).isEqualTo(arena + threads * Gemm.scratchBytesPerThread());
                assertThat(v.dataBytes()).isEqualTo(Executors.heldBytes(v.executor()));
                baseline[threads - 1] = b.dataBytes();
            }
        }
        assertThat(baseline[1]).as("the baseline is Darknet's memory whatever the threads").isEqualTo(baseline[0]);
    }

    @Test
    void vesselsNeverSwapsAtSgx1SizeWhileBaselineSwapsInASmallEpcAndCountsRepeat() {
        Network net = ModelZoo.open("tiny-classifier");
        long baselineSwaps = -1;
        for (int attempt = 0; attempt < 2; attempt++) {
            long baselineBytes;
            try (var src = new SyntheticWeights(net, 1); EnclaveExecutor b = EnclaveExecutor.create("baseline", net, src, 1)) {
                baselineBytes = b.dataBytes();
            }
            // an EPC of half the baseline's data region, no runtime overhead: the baseline must page
            long pages = baselineBytes / 2 / EpcConfig.PAGE_BYTES;
            try (var src = new SyntheticWeights(net, 1);
                 EmulatedSgxPlatform small = new EmulatedSgxPlatform(new EpcEmulator(
                         new EpcConfig(pages, 0, 0, EpcConfig.Mode.COUNT_ONLY, dev.vessels.enclave.sgx.SgxCosts.SGX1)), 0)) {
                SinglePrediction.Result r = SinglePrediction.measure(small, "baseline", net, src, 1, 1, 2, SinglePrediction.input(net));
                assertThat(r.firstPageSwaps()).isPositive();
                assertThat(r.runs().get(1).costs().pageSwaps()).isPositive();
                assertThat(r.medianOverheadNanos()).isPositive();
                assertThat(r.medianLatencyNanos()).isEqualTo(
                        (r.runs().get(0).latencyNanos() + r.runs().get(1).latencyNanos()) / 2);
                if (attempt == 0) baselineSwaps = r.firstPageSwaps();
                else assertThat(r.firstPageSwaps()).as("same command, same swaps").isEqualTo(baselineSwaps);
            }
            try (var src = new SyntheticWeights(net, 1); EmulatedSgxPlatform sgx1 = EmulatedSgxPlatform.sgx1()) {
                SinglePrediction.Result r = SinglePrediction.measure(sgx1, "vessels", net, src, 1, 1, 2, SinglePrediction.input(net));
                assertThat(r.runs()).allSatisfy(run -> assertThat(run.costs().pageSwaps()).isZero());
                assertThat(r.peakEpcBytes()).isEqualTo(sgx1.commitFor(r.dataBytes()));
                assertThat(r.buildNanos()).isEqualTo(Math.round(r.peakEpcBytes() / 4096 * (8_000_000 / 256.0)));
                // one ECALL plus one OCALL per parameter piece, and nothing paged
                assertThat(r.runs().getFirst().costs().transitions()).isGreaterThan(1);
                assertThat(r.runs().getFirst().latencyNanos()).isEqualTo(r.runs().getFirst().computeNanos()
                        + r.runs().getFirst().costs().transitionNanos());
            }
        }
    }

    @Test
    void sideBySideGivesEachSetupItsOwnEnclaveAndTheSameCountsAsAlone() {
        Network net = ModelZoo.open("tiny-yolo");
        float[] x = SinglePrediction.input(net);
        try (var src = new SyntheticWeights(net, 1); EmulatedSgxPlatform pb = EmulatedSgxPlatform.sgx1();
             EmulatedSgxPlatform pv = EmulatedSgxPlatform.sgx1(); EmulatedSgxPlatform alone = EmulatedSgxPlatform.sgx1()) {
            List<SinglePrediction.Result> rs = SinglePrediction.sideBySide(List.of(new SinglePrediction.Setup(pb, "baseline"),
                    new SinglePrediction.Setup(pv, "vessels")), net, src, 1, 1, 3, x);
            assertThat(rs).extracting(SinglePrediction.Result::executor).containsExactly("baseline", "vessels");
            assertThat(rs).allSatisfy(r -> assertThat(r.runs()).hasSize(3));
            assertThat(pb.committedBytes()).isZero(); // enclaves destroyed afterwards
            SinglePrediction.Result v = SinglePrediction.measure(alone, "vessels", net, src, 1, 1, 3, x);
            assertThat(v.peakEpcBytes()).isEqualTo(rs.get(1).peakEpcBytes());
            assertThat(v.runs().getFirst().costs().transitions()).isEqualTo(rs.get(1).runs().getFirst().costs().transitions());
            assertThat(rs.get(0).peakEpcBytes()).isGreaterThan(v.peakEpcBytes());
        }
    }

    @Test
    void inRealWorkModeTheLatencyIsWallTimeAndStillCoversThePagingCosts() {
        Network net = ModelZoo.open("tiny-classifier");
        long baselineBytes;
        try (var src = new SyntheticWeights(net, 1); EnclaveExecutor b = EnclaveExecutor.create("baseline", net, src, 1)) {
            baselineBytes = b.dataBytes();
        }
        long pages = baselineBytes / 2 / EpcConfig.PAGE_BYTES;
        try (var src = new SyntheticWeights(net, 1);
             EmulatedSgxPlatform real = new EmulatedSgxPlatform(new EpcEmulator(new EpcConfig(pages, 0, 0,
                     EpcConfig.Mode.REAL_WORK, dev.vessels.enclave.sgx.SgxCosts.SGX1)), 0)) {
            assertThat(real.costsInWallTime()).isTrue();
            SinglePrediction.Run run = SinglePrediction.measure(real, "baseline", net, src, 1, 1, 1, SinglePrediction.input(net))
                    .runs().getFirst();
            assertThat(run.costs().pageSwaps()).isPositive();
            // the paging work is spent inside the tracer: excluded from compute, included in latency
            assertThat(run.latencyNanos()).isGreaterThanOrEqualTo(run.computeNanos() + run.costs().pagingNanos() * 9 / 10);
        }
    }
}
