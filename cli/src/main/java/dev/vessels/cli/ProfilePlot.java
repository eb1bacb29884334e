package dev.vessels.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import javax.imageio.ImageIO;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import dev.vessels.memory.profile.Profile;

/**
 * {@code profile --plot}: live memory per layer, baseline against Vessels, on a logarithmic MiB
 * axis (the baseline holds tens to hundreds of times what Vessels does, so a linear axis would flatten
 * Vessels to the floor). PNG or SVG, chosen by the file's extension.
 */
final class ProfilePlot {
    private static final int WIDTH = 1100, HEIGHT = 560;
    private static final double MIB = 1024.0 * 1024.0;

    static {
        // Charts are drawn off-screen: never let AWT look for a display (a stale DISPLAY would fail).
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    private ProfilePlot() {}

    enum Format {
        PNG, SVG;

        static Optional<Format> of(Path file) {
            String n = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
            if (n.endsWith(".png")) return Optional.of(PNG);
            if (n.endsWith(".svg")) return Optional.of(SVG);
            return Optional.empty();
        }
    }

    static XYChart chart(Profile p) {
        List<Profile.LayerRow> rows = p.layers();
        int n = rows.size();
        double[] x = new double[n], base = new double[n], vessels = new double[n], bound = new double[n];
        // A log axis cannot show 0; no real layer has a zero live set, but keep tiny nets drawable.
        double floor = 1.0 / 1024;
        for (int i = 0; i < n; i++) {
            Profile.LayerRow r = rows.get(i);
            x[i] = r.index();
            base[i] = Math.max(floor, r.liveBytesBaseline() / MIB);
            vessels[i] = Math.max(floor, r.liveBytesVessels() / MIB);
            bound[i] = Math.max(floor, p.vessels().lowerBoundBytes() / MIB);
        }
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(String.format(Locale.ROOT, "%s: live memory per layer (baseline peak %.1f MiB -> Vessels %.1f MiB, -%.1f%%)",
                        p.model(), p.baseline().peakBytes() / MIB, p.vessels().peakBytes() / MIB, p.reductionPercent()))
                .xAxisTitle("layer").yAxisTitle("live MiB (log scale)").build();
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        c.getStyler().setPlotBackgroundColor(java.awt.Color.WHITE);
        c.getStyler().setXAxisMin(0.0);
        c.getStyler().setXAxisMax((double) Math.max(1, n - 1));
        c.getStyler().setYAxisDecimalPattern("#,##0.###");
        // Headroom above the baseline line so the legend does not hide it.
        double top = 1;
        for (double b : base) top = Math.max(top, b);
        c.getStyler().setYAxisMax(top * 8);
        XYSeries b = c.addSeries("Darknet baseline (everything resident)", x, base);
        b.setMarker(SeriesMarkers.NONE);
        b.setLineColor(new java.awt.Color(200, 60, 40));
        XYSeries v = c.addSeries("Vessels (tensors, workspace, parameter slot live in the arena)", x, vessels);
        v.setMarker(SeriesMarkers.NONE);
        v.setLineColor(new java.awt.Color(30, 90, 200));
        XYSeries lb = c.addSeries("activation lower bound (largest live set)", x, bound);
        lb.setMarker(SeriesMarkers.NONE);
        lb.setLineColor(java.awt.Color.GRAY);
        lb.setLineStyle(new java.awt.BasicStroke(1.2f, java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER, 10f,
                new float[]{6f, 4f}, 0f));
        return c;
    }

    static void write(Profile p, Path file, Format format) {
        XYChart c = chart(p);
        ProfileCommand.writeFile(file, os -> {
            if (format == Format.PNG) {
                // ImageIO directly: BitmapEncoder.saveBitmap(String) would append its own extension.
                ImageIO.write(BitmapEncoder.getBufferedImage(c), "png", os);
            } else {
                VectorGraphicsEncoder.saveVectorGraphic(c, os, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
            }
        });
    }
}
