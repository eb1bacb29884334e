package dev.vessels.bench;

import static dev.vessels.bench.SideBySide.median;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.Parallel;
import dev.vessels.core.exec.ParamProvider;
import dev.vessels.core.exec.ResidentParams;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.weights.ParamSource;
import dev.vessels.core.weights.WeightsFile;
import dev.vessels.core.zoo.ModelZoo;
import dev.vessels.memory.OnDemandParams;
import dev.vessels.memory.VesselsPlan;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * Where on-demand loading's extra latency goes (issue 4: within 15 % of resident parameters on the
 * convolutional models). One JVM, the same plan and weights file, variants interleaved round by
 * round so a loaded machine disturbs them alike; each variant's median time per prediction (wall
 * time; with one thread the caller's CPU time, which other processes' load disturbs far less), and
 * the process's minor page faults and CPU time per prediction (from /proc/self/stat);
 * {@code -Dprobe.layers=true} adds the layers (summed over alike ones) that cost most over the first
 * variant. Results in docs/memory.md ("Session 4"):
 * <ul>
 * <li>{@code resident}: every parameter read once and kept, layers served in one piece;
 * <li>{@code resident-pieces}: the same array, but served in the on-demand plan's pieces (≤ the
 *     slot): what cutting layers into pieces costs the kernels, without any copy;
 * <li>{@code heap-copy}: on demand, copied from a resident heap array into the slot (large
 *     matrices by filter rows): the copy alone, no mapping, no page faults;
 * <li>{@code heap-columns}: the same, large weight matrices served by columns (whole K blocks);
 * <li>{@code on-demand-rows}: on demand from the weights file, large matrices by rows (as before);
 * <li>{@code on-demand-copy}: on demand from the weights file, every piece copied into the slot
 *     from the mapping (session 4's default; what {@code -Dvessels.weights.fuse=false} does);
 * <li>{@code on-demand}: on demand from the weights file (the default: a mapping, see MappedFile;
 *     since session 5 convolutions' GEMMs pack their weights straight from it).
 * </ul>
 * {@code java -cp benchmarks.jar dev.vessels.bench.OnDemandProbe MODEL WEIGHTS THREADS [ROUNDS RUNS [VARIANT...]]}
 */
public final class OnDemandProbe {
    public static void main(String[] args) throws Exception {
        String model = args[0];
        Path weights = Path.of(args[1]);
        int threads = Integer.parseInt(args[2]);
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int runs = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        List<String> names = args.length > 5 ? List.of(Arrays.copyOfRange(args, 5, args.length))
                : List.of("resident", "resident-pieces", "heap-copy", "on-demand");
        Network net = ModelZoo.resolve(model);
        MemoryPlan plan = MemoryPlan.forThreads(net, threads);
        WeightsFile wf = WeightsFile.open(weights, net);
        ResidentParams all = new ResidentParams(wf);
        long[] base = new long[net.layers().size()];
        long off = 0;
        for (Layer l : net.layers()) {
            base[l.index()] = off;
            off += l.paramFloats();
        }
        Map<String, Supplier<ParamProvider>> variants = new LinkedHashMap<>();
        Parallel par = threads == 1 ? Parallel.SERIAL : new Parallel(threads);
        VesselsPlan buffers = new VesselsPlan(plan);
        variants.put("resident", () -> all);
        variants.put("resident-pieces", () -> new ParamProvider() {
            @Override public int params(int layer, long start, int count) { return all.params(layer, start, count); }
            @Override public float[] array() { return all.array(); }
            @Override public long maxChunkFloats() { return plan.maxChunkFloats(); }
            @Override public boolean synthetic() { return false; }
            @Override public String describe() { return "resident, in pieces"; }
        });
        ParamSource heap = new ParamSource() {
            @Override public Network network() { return net; }
            @Override public void read(int layer, long start, int count, float[] dst, int dstOff) {
                System.arraycopy(all.array(), (int) (base[layer] + start), dst, dstOff, count);
            }
            @Override public String describe() { return "heap"; }
            @Override public boolean synthetic() { return false; }
            @Override public boolean concurrentReads() { return true; }
        };
        variants.put("heap-copy", () -> new OnDemandParams(heap, buffers, par));
        ParamSource heapColumns = new ParamSource() {
            @Override public Network network() { return net; }
            @Override public void read(int layer, long start, int count, float[] dst, int dstOff) {
                System.arraycopy(all.array(), (int) (base[layer] + start), dst, dstOff, count);
            }
            @Override public String describe() { return "heap, by columns"; }
            @Override public boolean synthetic() { return false; }
            @Override public boolean concurrentReads() { return true; }
            @Override public boolean cheapColumnReads() { return true; }
        };
        variants.put("heap-columns", () -> new OnDemandParams(heapColumns, buffers, par));
        variants.put("on-demand", () -> new OnDemandParams(wf, buffers, par));
        ParamSource fileRows = new ParamSource() { // the weights file, large matrices served by rows
            @Override public Network network() { return net; }
            @Override public void read(int layer, long start, int count, float[] dst, int dstOff) {
                wf.read(layer, start, count, dst, dstOff);
            }
            @Override public String describe() { return "file, by rows"; }
            @Override public boolean synthetic() { return false; }
            @Override public boolean concurrentReads() { return true; }
        };
        variants.put("on-demand-rows", () -> new OnDemandParams(fileRows, buffers, par));
        ParamSource fileCopy = new ParamSource() { // the weights file copied into the slot (session 4's default)
            @Override public Network network() { return net; }
            @Override public void read(int layer, long start, int count, float[] dst, int dstOff) {
                wf.read(layer, start, count, dst, dstOff);
            }
            @Override public void readColumns(int layer, long start, int rows, int rowFloats, int col0, int cols, float[] dst,
                                              int dstOff) {
                wf.readColumns(layer, start, rows, rowFloats, col0, cols, dst, dstOff);
            }
            @Override public boolean cheapColumnReads() { return wf.cheapColumnReads(); }
            @Override public String describe() { return "file, copied into the slot"; }
            @Override public boolean synthetic() { return false; }
            @Override public boolean concurrentReads() { return true; }
        };
        variants.put("on-demand-copy", () -> new OnDemandParams(fileCopy, buffers, par));

        // One thread: the caller's CPU time, which other processes' load disturbs far less than wall time.
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.function.LongSupplier clock = threads == 1 ? mx::getCurrentThreadCpuTime : System::nanoTime;
        float[] x = new float[(int) net.input().size()];
        Arrays.fill(x, 0.5f);
        Map<String, List<Double>> ms = new LinkedHashMap<>();
        Map<String, List<Double>> faults = new LinkedHashMap<>();
        Map<String, List<Double>> cpu = new LinkedHashMap<>();
        int nl = net.layers().size();
        Map<String, long[][]> layerTimes = new LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (String name : names) {
                Executor ex = new Executor("vessels", net, buffers, variants.get(name).get(), par, Executor.yoloLayers(net));
                for (int w = 0; w < 2; w++) ex.predict(x);
                long[][] lt = layerTimes.computeIfAbsent(name, k -> new long[rounds * runs][nl]);
                int[] cur = {0};
                long[] st = {0};
                ex.setObserver(new Executor.LayerObserver() {
                    @Override public void beforeLayer(Layer l) { st[0] = clock.getAsLong(); }
                    @Override public void afterLayer(Layer l) { lt[cur[0]][l.index()] = clock.getAsLong() - st[0]; }
                });
                for (int i = 0; i < runs; i++) {
                    cur[0] = r * runs + i;
                    long[] s0 = stat();
                    long t0 = clock.getAsLong();
                    ex.predict(x);
                    long t1 = clock.getAsLong();
                    long[] s1 = stat();
                    ms.computeIfAbsent(name, k -> new ArrayList<>()).add((t1 - t0) / 1e6);
                    faults.computeIfAbsent(name, k -> new ArrayList<>()).add((double) (s1[0] - s0[0]));
                    cpu.computeIfAbsent(name, k -> new ArrayList<>()).add((s1[1] - s0[1]) * 10.0); // ticks of 10 ms
                }
            }
        }
        double ref = median(ms.get(names.get(0)));
        System.out.printf("%s, %d threads, %d rounds x %d runs, median over all runs (%s)%n", model, threads, rounds, runs,
                threads == 1 ? "the thread's CPU time" : "wall time");
        System.out.printf("| variant | median ms | min ms | / %s | minor faults per prediction | CPU ms per prediction (user+sys) |%n", names.get(0));
        System.out.println("|---|---|---|---|---|---|");
        for (String name : names) {
            List<Double> t = ms.get(name);
            System.out.printf("| %s | %.1f | %.1f | %.3f | %.0f | %.0f |%n", name, median(t), t.stream().mapToDouble(d -> d).min().orElse(0),
                    median(t) / ref, median(faults.get(name)), median(cpu.get(name)));
        }
        // Per layer description (summed over layers alike), each variant's median time minus the first's.
        if (Boolean.getBoolean("probe.layers")) {
            Map<String, double[]> byKind = new LinkedHashMap<>();
            for (Layer l : net.layers()) {
                String k = l.describe().replaceAll("\\s+", " ");
                double[] v = byKind.computeIfAbsent(k, q -> new double[names.size() + 1]);
                v[names.size()]++;
                for (int j = 0; j < names.size(); j++) {
                    long[][] lt = layerTimes.get(names.get(j));
                    List<Double> col = new ArrayList<>();
                    for (long[] row : lt) col.add(row[l.index()] / 1e6);
                    v[j] += median(col);
                }
            }
            System.out.println("| layer (count) | " + String.join(" ms | ", names) + " ms | extra over first, ms |");
            byKind.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[names.size() - 1] - b.getValue()[0],
                    a.getValue()[names.size() - 1] - a.getValue()[0])).limit(12).forEach(en -> {
                double[] v = en.getValue();
                StringBuilder sb = new StringBuilder("| " + en.getKey() + " (" + (int) v[names.size()] + ")");
                for (int j = 0; j < names.size(); j++) sb.append(String.format(" | %.2f", v[j]));
                sb.append(String.format(" | %.2f |", v[names.size() - 1] - v[0]));
                System.out.println(sb);
            });
        }
        par.close();
        wf.close();
    }

    /** This process's minor faults and user+sys CPU ticks. */
    static long[] stat() throws Exception {
        String s = Files.readString(Path.of("/proc/self/stat"));
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        // after the comm: state(3) ppid pgrp session tty tpgid flags minflt(10) cminflt majflt cmajflt utime(14) stime(15)
        return new long[] {Long.parseLong(f[7]), Long.parseLong(f[11]) + Long.parseLong(f[12])};
    }
}
