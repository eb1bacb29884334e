package dev.vessels.core.kernels;

import static dev.vessels.bench.SideBySide.median;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.DoubleSummaryStatistics;
import java.util.List;
import java.util.Locale;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.Parallel;
import dev.vessels.core.weights.WeightsFile;
import dev.vessels.core.zoo.ModelZoo;
import dev.vessels.memory.OnDemandParams;
import dev.vessels.memory.VesselsPlan;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * A/B of one switch on whole predictions in one JVM: the vessels executor (weights read in
 * place from the file, as {@code bin/vessels bench}) predicts with the switch on and off in
 * alternating order (on, off, off, on, …), so that a neighbour's load on this shared VM — its memory
 * bandwidth moves by 1.7× within seconds — falls on both alike. Prints each side's median and the
 * median of the per-pair ratios off / on.
 * {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar dev.vessels.core.kernels.SwitchProbe
 * SWITCH THREADS PAIRS MODEL=WEIGHTS...}, SWITCH one of sharedB, kInner, tileRows, fusedStore, evenLanes, winograd (Winograd F(2×2, 3×3) convolutions),
 * coldWeights (the thread split's estimate, speed pass 16), tileResidual (a fused shortcut in each tile's store),
 * directB (a 1×1 convolution's input read in place by the micro-kernel, speed pass 17),
 * transposeInRegisters (Winograd's filter taps transposed sixteen channels at a time, speed pass 17),
 * pairedRows (Winograd's input and output transforms two rows of eight tiles a vector, speed pass 17),
 * stride2Pairs (stride-2 im2col rows two output rows of eight a vector, speed pass 17),
 * routesInPlace (the plan's routes in place: two plans, one executor each).
 */
public final class SwitchProbe {
    public static void main(String[] args) throws Exception {
        String sw = args[0];
        int threads = Integer.parseInt(args[1]);
        int pairs = Integer.parseInt(args[2]);
        try (Parallel par = new Parallel(threads)) {
            for (int i = 3; i < args.length; i++) {
                String[] mw = args[i].split("=", 2);
                Network net = ModelZoo.resolve(mw[0]);
                WeightsFile wf = WeightsFile.open(Path.of(mw[1]), net);
                // A switch of the plan (routesInPlace) is read when the plan is made: two executors,
                // one made with it on, one with it off, alternated; any other switch flips one executor.
                boolean planSwitch = sw.equals("routesInPlace");
                if (planSwitch) MemoryPlan.routesInPlace = true;
                VesselsPlan buffers = new VesselsPlan(MemoryPlan.forThreads(net, threads));
                Executor exOn = new Executor("vessels", net, buffers, new OnDemandParams(wf, buffers, par), par, Executor.yoloLayers(net));
                Executor exOff = exOn;
                if (planSwitch) {
                    MemoryPlan.routesInPlace = false;
                    VesselsPlan copying = new VesselsPlan(MemoryPlan.forThreads(net, threads));
                    exOff = new Executor("vessels", net, copying, new OnDemandParams(wf, copying, par), par, Executor.yoloLayers(net));
                    MemoryPlan.routesInPlace = true;
                }
                float[] x = new float[(int) net.input().size()];
                Arrays.fill(x, 0.5f);
                for (int w = 0; w < 6; w++) {
                    set(sw, w % 2 == 0);
                    (w % 2 == 0 ? exOn : exOff).predict(x);
                }
                List<Double> on = new ArrayList<>(), off = new ArrayList<>(), ratio = new ArrayList<>();
                for (int p = 0; p < pairs; p++) {
                    double a = 0, b = 0;
                    for (int h = 0; h < 2; h++) {
                        boolean first = (p + h) % 2 == 0; // on, off | off, on | …
                        set(sw, first);
                        long t0 = System.nanoTime();
                        (first ? exOn : exOff).predict(x);
                        double ms = (System.nanoTime() - t0) / 1e6;
                        if (first) a = ms;
                        else b = ms;
                    }
                    on.add(a);
                    off.add(b);
                    ratio.add(b / a);
                }
                DoubleSummaryStatistics r = ratio.stream().mapToDouble(Double::doubleValue).summaryStatistics();
                System.out.printf(Locale.ROOT, "%-12s %s threads=%d pairs=%d: on %.1f ms, off %.1f ms, off/on median %.3f (min %.3f max %.3f)%n",
                        mw[0], sw, threads, pairs, median(on), median(off), median(ratio), r.getMin(), r.getMax());
                set(sw, true);
                wf.close();
            }
        }
    }

    private static void set(String sw, boolean v) {
        switch (sw) {
            case "sharedB" -> Gemm.sharedBOn = v;
            case "kInner" -> Gemm.kInner = v;
            case "tileRows" -> Gemm.tileRows = v;
            case "fusedStore" -> Gemm.fusedStore = v;
            case "evenLanes" -> Gemm.evenLanes = v;
            case "winograd" -> Winograd.enabled = v;
            case "coldWeights" -> Gemm.coldWeights = v;
            case "tileResidual" -> Epilogue.tileResidual = v;
            case "directB" -> Gemm.directBOn = v;
            case "transposeInRegisters" -> Winograd.transposeInRegisters = v;
            case "pairedRows" -> Winograd.pairedRows = v;
            case "stride2Pairs" -> Gemm.stride2Pairs = v;
            case "routesInPlace" -> { } // two executors, see main
            default -> throw new IllegalArgumentException("unknown switch " + sw);
        }
    }
}
