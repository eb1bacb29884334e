package dev.vessels.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.vessels.core.Network;
import dev.vessels.core.weights.SyntheticWeights;
import dev.vessels.enclave.TrustedPlatform;
import dev.vessels.enclave.run.EnclaveExecutor;

/**
 * Enclaves of one model share one host copy of its parameters (the JVM's memory), while the
 * emulated EPC still charges each enclave its full footprint, and results do not change.
 */
class SharedParametersTest {
    static float[] input(Network net) {
        float[] x = new float[(int) net.input().size()];
        Random r = new Random(7);
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
        return x;
    }

    /** What a plain vessels executor of {@code net} (synthetic weights, seed 1, one thread) predicts for {@code x}. */
    static float[] vesselsOutput(Network net, float[] x) {
        try (SyntheticWeights src = new SyntheticWeights(net, 1); EnclaveExecutor own = EnclaveExecutor.create("vessels", net, src, 1)) {
            return own.executor().predict(x).output();
        }
    }

    @Test
    void twoBaselineEnclavesOfOneModelShareParametersYetEachIsChargedItsFullEpcAndComputesTheSame() {
        String model = "tiny-yolo";
        TrustedPlatform p = TestServers.platform(93.5);
        try (PlatformWorkerFactory f = new PlatformWorkerFactory(p, List.of(ServedModel.parse(model, null)), "baseline", 1, true)) {
            Network net = f.models().get(0).network();
            float[] x = input(net);
            float[] expected, expectedYolo;
            long unsharedBytes;
            try (SyntheticWeights src = new SyntheticWeights(net, 1); EnclaveExecutor own = EnclaveExecutor.create("baseline", net, src, 1)) {
                var pr = own.executor().predict(x);
                expected = pr.output();
                expectedYolo = pr.kept().values().iterator().next();
                unsharedBytes = own.dataBytes();
            }
            // the enclave declares everything Darknet holds, parameters included, as an unshared one does
            assertThat(f.heldBytes(model)).isEqualTo(unsharedBytes).isGreaterThan(net.paramFloats() * 4);
            long need = f.epcNeed(model);
            EnclaveWorker a = f.launch(model), b = f.launch(model);
            try {
                assertThat(PlatformWorkerFactory.executorOf(a).executor().params().array())
                        .as("one host copy of the parameters").isSameAs(PlatformWorkerFactory.executorOf(b).executor().params().array());
                assertThat(a.committedBytes()).isEqualTo(need);
                assertThat(b.committedBytes()).isEqualTo(need);
                assertThat(p.committedBytes()).as("each enclave is charged in full").isEqualTo(2 * need);
                // each enclave loaded every parameter itself: one OCALL per parameter segment, its own pages written
                long segments = net.layers().stream().mapToLong(l -> l.paramSegments().size()).sum();
                assertThat(PlatformWorkerFactory.enclaveOf(a).costs().transitions()).isGreaterThanOrEqualTo(segments);
                assertThat(PlatformWorkerFactory.enclaveOf(b).costs().transitions()).isGreaterThanOrEqualTo(segments);
                for (int round = 0; round < 2; round++) {
                    var pa = a.predict(x);
                    var pb = b.predict(x);
                    assertThat(pa.output()).containsExactly(expected);
                    assertThat(pb.output()).containsExactly(expected);
                    assertThat(pa.kept().values().iterator().next()).containsExactly(expectedYolo);
                }
            } finally {
                a.destroy();
                b.destroy();
            }
            assertThat(p.committedBytes()).isZero();
            assertThat(f.spareCount(model)).as("at most one idle executor kept per model").isEqualTo(PlatformWorkerFactory.SPARE_PER_MODEL);
        }
    }

    @Test
    void vesselsEnclavesOfASyntheticModelReadOneSharedUntrustedCopyAndComputeWhatTheGeneratorGives() {
        String model = "tiny-classifier";
        TrustedPlatform p = TestServers.platform(93.5);
        try (PlatformWorkerFactory f = new PlatformWorkerFactory(p, List.of(ServedModel.parse(model, null)), "vessels", 1, true)) {
            Network net = f.models().get(0).network();
            float[] x = input(net);
            float[] expected = vesselsOutput(net, x);
            EnclaveWorker a = f.launch(model), b = f.launch(model);
            try {
                assertThat(p.committedBytes()).isEqualTo(2 * f.epcNeed(model));
                assertThat(a.predict(x).output()).containsExactly(expected);
                assertThat(b.predict(x).output()).containsExactly(expected);
            } finally {
                a.destroy();
                b.destroy();
            }
        }
    }
}
