package dev.vessels.bench;

import java.util.Collection;
import java.util.Locale;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs JMH with the usual command line (e.g. {@code GemmBench -p threads=2 -f 1}) and prints a
 * Markdown table with GFLOP/s for GEMM shapes and GB/s for GEMV shapes, from the median of the
 * measured iterations. Usage: {@code java -cp bench/target/benchmarks.jar dev.vessels.bench.Report ARGS}.
 */
public final class Report {
    private Report() {}

    public static void main(String[] args) throws Exception {
        Collection<RunResult> results = new Runner(new CommandLineOptions(args)).run();
        System.out.println();
        System.out.println("| benchmark | shape | threads | median ms | min ms | max ms | rate |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|");
        for (RunResult rr : results) {
            var params = rr.getParams();
            String bench = params.getBenchmark().replaceAll(".*\\.(\\w+\\.\\w+)$", "$1");
            String shape = params.getParam("shape");
            var stats = rr.getPrimaryResult().getStatistics();
            double med = stats.getPercentile(50), min = stats.getMin(), max = stats.getMax();
            String rate;
            int[] s = Shapes.GEMM.get(shape);
            if (s != null) {
                rate = String.format(Locale.ROOT, "%.1f GFLOP/s", Shapes.gflop(s) / (med / 1e3));
            } else {
                String[] p = shape.split("x");
                double bytes = 4.0 * Long.parseLong(p[0]) * Long.parseLong(p[1]);
                rate = String.format(Locale.ROOT, "%.1f GB/s", bytes / 1e9 / (med / 1e3));
            }
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %.3f | %.3f | %.3f | %s |%n", bench, shape,
                    params.getParam("threads"), med, min, max, rate);
        }
    }
}
