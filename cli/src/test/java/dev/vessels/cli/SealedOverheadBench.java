package dev.vessels.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.weights.ParamSource;
import dev.vessels.core.weights.WeightsFile;
import dev.vessels.enclave.seal.FileKeyProvider;
import dev.vessels.enclave.seal.SealedModel;

/**
 * Decryption overhead of sealed models, measured side by side in one JVM (not a test: run by hand,
 * see docs/sealed-models.md). For each model: a vessels executor reading parameters on demand from
 * the plain {@code DIR/MODEL.weights} and one reading them from {@code DIR/MODEL.vsl}, predictions
 * alternated A, B, A, B... so machine load hits both alike (wall and CPU time, medians and minima);
 * then the parameter reads alone (every layer, in the executor's slot-sized pieces, one thread's
 * CPU time, best of 5) from each source.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp cli/target/vessels.jar \
 *     cli/src/test/java/dev/vessels/cli/SealedOverheadBench.java DIR KEY RUNS THREADS MODEL...</pre>
 */
public final class SealedOverheadBench {
    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]), key = Path.of(a[1]);
        int runs = Integer.parseInt(a[2]), threads = Integer.parseInt(a[3]);
        oneThread = threads == 1;
        System.out.printf("%-18s %9s %9s %8s %8s | %9s %9s %8s %8s | %10s %11s %10s%n", "model", "plain ms", "sealed ms", "overhead",
                "min ovh", "plain cpu", "sealed cpu", "cpu ovh", "min cpu", "read plain", "read sealed", "decrypt ms");
        for (String arg : Arrays.copyOfRange(a, 4, a.length)) {
            // MODEL, or MODEL:NAME to compare DIR/MODEL.weights with DIR/NAME.vsl (e.g. another chunk size)
            String m = arg.contains(":") ? arg.substring(0, arg.indexOf(':')) : arg;
            String vsl = arg.contains(":") ? arg.substring(arg.indexOf(':') + 1) : arg;
            try (SealedModel sealed = SealedModel.open(dir.resolve(vsl + ".vsl"), new FileKeyProvider(key));
                 WeightsFile plain = WeightsFile.open(dir.resolve(m + ".weights"), dev.vessels.core.zoo.ModelZoo.resolve(m));
                 Executor ea = dev.vessels.memory.Executors.create("vessels", plain.network(), plain, threads);
                 Executor eb = dev.vessels.memory.Executors.create("vessels", sealed.network(), sealed, threads)) {
                sealed.decryptOn(eb.parallel()); // as bin/vessels does: the prediction's threads decrypt
                float[] x = new float[(int) plain.network().input().size()];
                java.util.SplittableRandom rnd = new java.util.SplittableRandom(42); // as BenchCommand.input (package-private there)
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextDouble();
                for (int w = 0; w < 3; w++) {
                    ea.predict(x);
                    eb.predict(x);
                }
                double[] ta = new double[runs], tb = new double[runs], ratio = new double[runs];
                double[] ca = new double[runs], cb = new double[runs]; // process CPU ms: robust to other load on the machine
                for (int r = 0; r < runs; r++) {
                    // alternate which goes first, so neither always runs right after the other's GC or cache state
                    if ((r & 1) == 0) {
                        long c0 = cpu();
                        ta[r] = ea.predict(x).nanos() / 1e6;
                        long c1 = cpu();
                        tb[r] = eb.predict(x).nanos() / 1e6;
                        ca[r] = (c1 - c0) / 1e6;
                        cb[r] = (cpu() - c1) / 1e6;
                    } else {
                        long c0 = cpu();
                        tb[r] = eb.predict(x).nanos() / 1e6;
                        long c1 = cpu();
                        ta[r] = ea.predict(x).nanos() / 1e6;
                        cb[r] = (c1 - c0) / 1e6;
                        ca[r] = (cpu() - c1) / 1e6;
                    }
                    ratio[r] = tb[r] / ta[r];
                }
                long piece = dev.vessels.memory.plan.MemoryPlan.of(plain.network()).maxChunkFloats();
                sealed.decryptThreads(1); // the read-only figures: one thread's CPU for all of it
                double ra = Double.MAX_VALUE, rb = Double.MAX_VALUE;
                for (int r = 0; r < 5; r++) {
                    ra = Math.min(ra, readAll(plain, piece));
                    rb = Math.min(rb, readAll(sealed, piece));
                }
                double ma = median(ta), mb = median(tb);
                double pa = median(ca), pb = median(cb);
                System.out.printf(Locale.ROOT, "%-18s %9.1f %9.1f %7.1f%% %7.1f%% | %9.1f %9.1f %7.1f%% %7.1f%% | %10.1f %11.1f %10.1f%n",
                        arg, ma, mb, 100 * (mb / ma - 1), 100 * (min(tb) / min(ta) - 1), pa, pb, 100 * (pb / pa - 1),
                        100 * (min(cb) / min(ca) - 1), ra, rb, rb - ra);
            }
        }
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();
    private static boolean oneThread;

    /**
     * CPU time (ns): with one thread the calling thread's own (nanosecond resolution), else the
     * whole process's (every thread, in scheduler ticks).
     */
    static long cpu() {
        return oneThread ? THREADS.getCurrentThreadCpuTime() : OS.getProcessCpuTime();
    }

    static double min(double[] v) {
        return Arrays.stream(v).min().orElseThrow();
    }

    /** CPU milliseconds (this thread) to read every parameter of the network in pieces of at most {@code piece} floats. */
    static double readAll(ParamSource src, long piece) {
        Network net = src.network();
        float[] buf = new float[(int) piece];
        long t0 = THREADS.getCurrentThreadCpuTime(); // the caller's CPU: with decryptThreads(1) all the work
        for (Layer l : net.layers()) {
            for (long s = 0; s < l.paramFloats(); s += piece) {
                src.read(l.index(), s, (int) Math.min(piece, l.paramFloats() - s), buf, 0);
            }
        }
        return (THREADS.getCurrentThreadCpuTime() - t0) / 1e6;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
