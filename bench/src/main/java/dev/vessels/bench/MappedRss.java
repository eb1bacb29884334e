package dev.vessels.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.vessels.core.Network;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.weights.WeightsFile;
import dev.vessels.core.zoo.ModelZoo;
import dev.vessels.memory.Executors;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * How much of a weights file an on-demand prediction keeps mapped: the process's {@code RssFile}
 * (file pages mapped) after every layer, its peak per prediction and the layer there. The JVM's own
 * mapped files (about 25 MB) are in it from the start. {@code -Dall=true} prints every layer.
 * {@code java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp benchmarks.jar
 * dev.vessels.bench.MappedRss MODEL FILE.weights THREADS}
 */
public final class MappedRss {
    public static void main(String[] args) {
        Network net = ModelZoo.resolve(args[0]);
        boolean all = Boolean.getBoolean("all");
        try (WeightsFile wf = WeightsFile.open(Path.of(args[1]), net);
             Executor ex = Executors.vessels(net, wf, Integer.parseInt(args[2]), MemoryPlan.forThreads(net, Integer.parseInt(args[2])))) {
            System.out.println(wf.pageCache() + "; RssFile before predicting " + rssFileKb() + " kB");
            long[] max = {0};
            String[] at = {""};
            ex.setObserver(new Executor.LayerObserver() {
                @Override
                public void afterLayer(Layer l) {
                    long r = rssFileKb();
                    if (all) System.out.println("  after " + l.index() + " " + l.kind() + ": " + r + " kB");
                    if (r > max[0]) {
                        max[0] = r;
                        at[0] = l.index() + " " + l.kind();
                    }
                }
            });
            float[] x = new float[(int) net.input().size()];
            for (int i = 0; i < 2; i++) {
                max[0] = 0;
                ex.predict(x);
                System.out.println("prediction " + i + ": peak RssFile after a layer " + max[0] + " kB, after layer " + at[0]);
            }
        }
    }

    private static long rssFileKb() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("RssFile:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
