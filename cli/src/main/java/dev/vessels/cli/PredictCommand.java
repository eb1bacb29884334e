package dev.vessels.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.vessels.core.Network;
import dev.vessels.core.VesselsException;
import dev.vessels.core.exec.Executor;
import dev.vessels.core.exec.Prediction;
import dev.vessels.core.layers.Shape;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Run one prediction and print the top classes (or detections for YOLO models).")
public final class PredictCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A built-in model name or a path to a Darknet .cfg.")
    String model;

    @Mixin
    ModelOptions weights = new ModelOptions();

    @ArgGroup(exclusive = true, multiplicity = "1")
    InputSource input;

    static final class InputSource {
        @Option(names = "--image", paramLabel = "FILE", required = true, description = "A JPEG or PNG image, letterboxed to the network size as Darknet does.")
        Path image;

        @Option(names = "--input", paramLabel = "FILE", required = true,
                description = "Raw little-endian float32, C×H×W planar, exactly the network's input size.")
        Path raw;
    }

    @Mixin
    ExecutorOptions exec = new ExecutorOptions();

    @Option(names = "--top", paramLabel = "K", defaultValue = "5", description = "How many classes to list (default ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--labels", paramLabel = "FILE", description = "Class names, one per line.")
    Path labels;

    @Option(names = "--raw-output", paramLabel = "FILE",
            description = "Write the network output (the last non-[cost] layer) as little-endian float32.")
    Path rawOutput;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Option(names = "--quiet", description = "Do not print the layer table to stderr.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        if (top < 1) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--top must be >= 1, got " + top);
        try (ModelOptions.Opened opened = weights.open(model)) {
            return predict(opened);
        }
    }

    private Integer predict(ModelOptions.Opened opened) throws IOException {
        Network net = opened.network();
        if (!quiet && !json) net.printTable(spec.commandLine().getErr());
        dev.vessels.core.zoo.Labels fileLabels = labels == null ? null : dev.vessels.core.zoo.Labels.load(labels);
        String[] names = fileLabels == null ? null : fileLabels.names().toArray(String[]::new);
        float[] x = input.image != null ? Inputs.image(input.image, net.input()) : Inputs.raw(input.raw, net.input());
        Prediction p;
        String weightsDesc;
        boolean synthetic;
        long held; // what the executor holds for tensors, parameters and scratch (issue 4's peak_bytes)
        try (Executor ex = exec.create(net, opened.params())) {
            weightsDesc = opened.weights();
            synthetic = opened.synthetic();
            p = ex.predict(x);
            held = dev.vessels.memory.Executors.heldBytes(ex);
        }
        if (rawOutput != null) writeRaw(rawOutput, p.output());
        Shape in = net.input();
        int[] yolo = Executor.yoloLayers(net);
        List<dev.vessels.core.detect.DetectionListing.Entry> dets = null;
        if (yolo.length > 0) {
            int iw = in.w(), ih = in.h();
            if (input.image != null) {
                dev.vessels.core.image.Image im = dev.vessels.core.image.ImageLoader.load(input.image);
                iw = im.w();
                ih = im.h();
            }
            int classes = dev.vessels.core.detect.YoloDecoder.classes(net);
            dev.vessels.core.zoo.Labels lab = fileLabels != null ? fileLabels
                    : dev.vessels.core.zoo.ModelZoo.defaultLabels(model).orElse(dev.vessels.core.zoo.Labels.indices(classes));
            dets = dev.vessels.core.detect.DetectionListing.detect(net, p.kept(), lab, iw, ih);
        }
        List<Map<String, Object>> topList = topK(p.output(), Math.min(top, p.output().length), names);
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("model", model);
            o.put("weights", weightsDesc);
            o.put("synthetic_weights", synthetic);
            o.put("executor", exec.executor.name());
            o.put("threads", exec.threads());
            o.put("input", List.of(in.c(), in.h(), in.w()));
            if (dets != null) {
                List<Map<String, Object>> dl = new ArrayList<>();
                for (var d : dets) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("label", d.label());
                    m.put("class", d.classIndex());
                    m.put("score", d.prob());
                    m.put("box", Map.of("left", d.left(), "top", d.top(), "right", d.right(), "bottom", d.bottom()));
                    dl.add(m);
                }
                o.put("detections", dl);
            } else {
                o.put("top", topList);
            }
            o.put("latency_ms", p.nanos() / 1e6);
            o.put("held_bytes", held);
            PrintWriter out = spec.commandLine().getOut();
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(o));
            out.flush();
            return 0;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("model %s, weights %s%s, executor %s, %d thread%s, input %dx%dx%d%n", model, weightsDesc,
                synthetic ? " (seeded synthetic weights, not trained: classes are meaningless)" : "", exec.executor,
                exec.threads(), exec.threads() == 1 ? "" : "s", in.c(), in.h(), in.w());
        out.printf("predicted in %.1f ms%n", p.nanos() / 1e6);
        out.printf("executor held %d bytes (%.1f MiB) of tensors, parameters and scratch%n", held, held / 1048576.0);
        if (dets != null) {
            out.printf("%d detection%s%n", dets.size(), dets.size() == 1 ? "" : "s");
            for (var d : dets) out.println(d);
            out.flush();
            return 0;
        }
        for (Map<String, Object> t : topList) {
            out.printf("%6.2f%%  %s%n", 100 * ((Number) t.get("score")).doubleValue(), t.get("label"));
        }
        out.flush();
        return 0;
    }

    static List<Map<String, Object>> topK(float[] v, int k, String[] names) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) idx[i] = i;
        java.util.Arrays.sort(idx, (a, b) -> v[a] != v[b] ? Float.compare(v[b], v[a]) : Integer.compare(a, b));
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", idx[i]);
            m.put("label", names != null && idx[i] < names.length ? names[idx[i]] : "class " + idx[i]);
            m.put("score", v[idx[i]]);
            out.add(m);
        }
        return out;
    }

    static void writeRaw(Path file, float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        try {
            Files.write(file, b.array());
        } catch (IOException e) {
            throw new VesselsException(file + ": cannot write raw output: " + e.getMessage());
        }
    }
}
