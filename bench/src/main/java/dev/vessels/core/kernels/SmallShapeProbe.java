package dev.vessels.core.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Field;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import dev.vessels.core.exec.Parallel;
import dev.vessels.core.layers.Activation;

/**
 * One network's pointwise convolutions (batch norm + leaky epilogue, optionally a fused residual)
 * as {@code Gemm.gemm} calls, A from a little-endian memory segment as a mapped weights file gives
 * it (or a float[]), with {@link Gemm}'s package-private switches flipped in the same JVM: per
 * round, every variant once, alternating, so a loaded machine disturbs all variants alike. Prints
 * per shape and variant the median and best of the rounds (one thread: CPU time; more: wall).
 * The shapes twice, timed the second time (all code compiled). Rotating copies of B and C (8 each) so they come from the caches as in a network, not from L1.
 * {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar dev.vessels.core.kernels.SmallShapeProbe
 * THREADS ROUNDS VARIANTS SHAPE...}: VARIANTS a comma list ({@code -} for none) of settings of Gemm's
 * static switches joined by {@code +}: a boolean's name flips it, {@code name=value} sets it (e.g.
 * {@code fusedStore,tileRows=false+kInner=false}), SHAPE {@code M:K:N[:arr][:cold][:res][:noepi]}.
 */
public final class SmallShapeProbe {
    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(args[0]), rounds = Integer.parseInt(args[1]);
        // Variants after the default: each a list of settings (field, value; value null: flip the boolean).
        List<String> names = new ArrayList<>();
        List<List<Object[]>> variantsSet = new ArrayList<>();
        if (!args[2].equals("-")) {
            for (String v : args[2].split(",")) {
                List<Object[]> set = new ArrayList<>();
                for (String f : v.split("\\+")) {
                    String[] nv = f.split("=");
                    Field fd = Gemm.class.getDeclaredField(nv[0]);
                    fd.setAccessible(true);
                    set.add(new Object[] {fd, nv.length > 1 ? nv[1] : null});
                }
                names.add(v.contains("=") || v.contains("+") ? v : "flip " + v);
                variantsSet.add(set);
            }
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        java.util.function.LongSupplier clock = threads == 1 ? mx::getCurrentThreadCpuTime : System::nanoTime;
        try (Parallel par = threads == 1 ? Parallel.SERIAL : new Parallel(threads); Arena arena = Arena.ofShared()) {
            // Two passes over the shapes, the first unprinted: every shape's code compiled before any is timed.
            for (int pass = 0; pass < 2; pass++) for (int si = 3; si < args.length; si++) {
                String[] f = args[si].split(":");
                int m = Integer.parseInt(f[0]), k = Integer.parseInt(f[1]), n = Integer.parseInt(f[2]);
                List<String> opts = Arrays.asList(f).subList(3, f.length);
                boolean arr = opts.contains("arr"), res = opts.contains("res"), epi = !opts.contains("noepi");
                Random r = new Random(1);
                float[] a = new float[m * k], p = new float[4 * m]; // A [m][k]; batch norm [scale|mean|var|bias]
                for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - .5f;
                for (int i = 0; i < p.length; i++) p[i] = r.nextFloat() + .1f;
                // cold: 24 copies of A's segment in turn (48 MB and more), so A comes from memory as a
                // network's weights do (the LLC does not hold them between layers: session 7's probe).
                int copies = opts.contains("cold") ? 24 : 1;
                MemorySegment[] segs = new MemorySegment[copies];
                for (int x = 0; x < copies; x++) {
                    segs[x] = arena.allocate((long) a.length * 4, 64);
                    for (int i = 0; i < a.length; i++) segs[x].set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i, a[i]);
                }
                int R = 8;
                float[][] b = new float[R][k * n], c = new float[R][m * n], from = new float[R][res ? m * n : 0];
                for (float[] x : b) for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() - .5f;
                for (float[] x : from) for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() - .5f;
                int variants = 1 + variantsSet.size();
                double flops = 2.0 * m * n * k;
                int reps = (int) Math.max(4, Math.min(200, 2e8 / flops));
                double[][] ms = new double[variants][rounds];
                float[][] ref = new float[variants][];
                for (int round = -3; round < rounds; round++) {
                    for (int v = 0; v < variants; v++) {
                        List<Object[]> set = v == 0 ? List.of() : variantsSet.get(v - 1);
                        Object[] olds = new Object[set.size()];
                        for (int i = 0; i < set.size(); i++) {
                            Field sw = (Field) set.get(i)[0];
                            String val = (String) set.get(i)[1];
                            olds[i] = sw.get(null);
                            if (val == null) {
                                sw.setBoolean(null, !(Boolean) olds[i]);
                            } else if (sw.getType() == int.class) {
                                sw.setInt(null, Integer.parseInt(val));
                            } else {
                                sw.setBoolean(null, Boolean.parseBoolean(val));
                            }
                        }
                        long t0 = clock.getAsLong();
                        for (int q = 0; q < reps; q++) {
                            int x = q % R;
                            Epilogue e = null;
                            if (epi) {
                                e = Epilogue.forThisThread().setBatchNorm(p, 0, m, 2 * m, 3 * m, m, Activation.LEAKY);
                                if (res) e.setResidual(from[x], 0, 1, 1, Activation.LINEAR);
                            }
                            if (arr) {
                                Gemm.gemm(m, n, k, a, 0, k, b[x], 0, n, c[x], 0, n, false, par, e, 0);
                            } else {
                                Gemm.gemm(m, n, k, segs[q % copies], 0, k, b[x], 0, n, c[x], 0, n, false, par, e, 0);
                            }
                            if (e != null) e.clearResidual();
                        }
                        long t = clock.getAsLong() - t0;
                        for (int i = 0; i < set.size(); i++) ((Field) set.get(i)[0]).set(null, olds[i]);
                        if (round >= 0) ms[v][round] = t / 1e6 / reps;
                        if (round == -1) ref[v] = c[(reps - 1) % R].clone();
                    }
                }
                for (int v = 0; v < variants && pass == 1; v++) {
                    double[] s = ms[v].clone();
                    Arrays.sort(s);
                    String name = v == 0 ? "default" : names.get(v - 1);
                    boolean same = Arrays.equals(ref[v], ref[0]);
                    System.out.printf(Locale.ROOT, "M=%d K=%d N=%d%s%s%s%s %dT %-24s median %.3f ms (%.1f GFLOP/s) best %.3f (%.1f)%s%n",
                            m, k, n, arr ? " arr" : " seg", copies > 1 ? " cold" : "", res ? " res" : "", epi ? "" : " noepi", threads, name, s[rounds / 2],
                            flops / s[rounds / 2] / 1e6, s[0], flops / s[0] / 1e6, same ? "" : "  RESULTS DIFFER");
                }
            }
        }
    }
}
