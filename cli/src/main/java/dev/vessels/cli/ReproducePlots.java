package dev.vessels.cli;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

import javax.imageio.ImageIO;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import dev.vessels.cli.ReproduceSingleCommand.ModelResult;

/** PNG bar charts of {@code reproduce single}: one per column group of the paper's table, plus ours against the paper. */
final class ReproducePlots {
    private ReproducePlots() {}

    static void write(Path dir, List<ModelResult> results) throws IOException {
        List<String> names = results.stream().map(ModelResult::model).toList();
        pair(dir.resolve("peak-epc.png"), "Peak EPC (emulated SGX)", "MiB", names, results,
                r -> r.baseline().peakEpcBytes() / 1048576.0, r -> r.vessels().peakEpcBytes() / 1048576.0);
        pair(dir.resolve("page-swaps.png"), "Secure page swaps in the first prediction after loading (emulated)", "page swaps", names, results,
                r -> r.baseline().firstPageSwaps(), r -> r.vessels().firstPageSwaps());
        pair(dir.resolve("latency.png"), "Latency: measured compute + emulated paging", "ms", names, results,
                r -> r.baseline().medianLatencyNanos() / 1e6, r -> r.vessels().medianLatencyNanos() / 1e6);
        CategoryChart c = chart("Vessels against the baseline: ours (emulated) and the paper's", "reduction %");
        series(c, "peak EPC, ours", names, results, ModelResult::epcReduction);
        series(c, "peak EPC, paper", names, results, r -> r.paper() == null ? 0 : r.paper().peakEpcReductionPct());
        series(c, "latency, ours", names, results, ModelResult::latencyImprovement);
        series(c, "latency, paper", names, results, r -> r.paper() == null ? 0 : r.paper().latencyImprovementPct());
        c.getStyler().setYAxisMin(0.0);
        c.getStyler().setYAxisMax(100.0);
        save(c, dir.resolve("vs-paper.png"));
    }

    private static void pair(Path file, String title, String unit, List<String> names, List<ModelResult> results,
                             ToDoubleFunction<ModelResult> baseline, ToDoubleFunction<ModelResult> vessels) throws IOException {
        CategoryChart c = chart(title, unit);
        series(c, "baseline (Darknet's memory)", names, results, baseline);
        series(c, "Vessels", names, results, vessels);
        save(c, file);
    }

    private static CategoryChart chart(String title, String unit) {
        CategoryChart c = new CategoryChartBuilder().width(1000).height(520).title(title).yAxisTitle(unit).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS); // below the bars, never over them
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setPlotBackgroundColor(Color.WHITE);
        c.getStyler().setXAxisLabelRotation(20);
        c.getStyler().setYAxisDecimalPattern("#,##0.#");
        return c;
    }

    private static void series(CategoryChart c, String name, List<String> names, List<ModelResult> results,
                               ToDoubleFunction<ModelResult> f) {
        List<Double> ys = new ArrayList<>();
        for (ModelResult r : results) {
            double v = f.applyAsDouble(r);
            ys.add(Double.isFinite(v) ? v : 0.0);
        }
        c.addSeries(name, names, ys);
    }

    private static void save(CategoryChart c, Path file) throws IOException {
        try (OutputStream os = Files.newOutputStream(file)) {
            // ImageIO directly: BitmapEncoder.saveBitmap(String) would append its own extension.
            ImageIO.write(BitmapEncoder.getBufferedImage(c), "png", os);
        }
    }
}
