package dev.vessels.bench.onnx;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.vessels.core.layers.Shape;

/**
 * An exported network in ONNX Runtime's CPU execution provider, set up as one would for batch-1
 * latency: {@code intra_op_num_threads} = the thread count, one inter-op thread, sequential
 * execution, every graph optimisation ({@code ORT_ENABLE_ALL}), ORT's default thread spinning unless
 * asked otherwise.
 */
public final class OrtModel implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final List<String> outputs;
    private OnnxTensor input;
    private float[] inputData;

    public OrtModel(OnnxExport.Exported model, int threads) {
        this(model, threads, true);
    }

    /** {@code spin} false: ORT's intra-op workers block rather than spin while waiting for work. */
    public OrtModel(OnnxExport.Exported model, int threads, boolean spin) {
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(threads);
            so.setInterOpNumThreads(1);
            so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (!spin) so.addConfigEntry("session.intra_op.allow_spinning", "0");
            session = env.createSession(model.file().toString(), so);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime rejected " + model.file() + ": " + e.getMessage(), e);
        }
        outputs = model.outputs();
    }

    /** ORT's version string, for the report. */
    public static String version() {
        return OrtEnvironment.getEnvironment().getVersion();
    }

    /** Output arrays of the graph outputs, in order; {@link #lastNanos()} is the time of session.run. */
    public float[][] run(float[] x, Shape shape) {
        try {
            if (inputData != x) {
                if (input != null) input.close();
                input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[]{1, shape.c(), shape.h(), shape.w()});
                inputData = x;
            }
            long t0 = System.nanoTime();
            try (OrtSession.Result r = session.run(Map.of(OnnxExport.INPUT, input))) {
                lastNanos = System.nanoTime() - t0;
                float[][] out = new float[outputs.size()][];
                for (int k = 0; k < out.length; k++) {
                    FloatBuffer b = ((OnnxTensor) r.get(outputs.get(k)).orElseThrow()).getFloatBuffer();
                    out[k] = new float[b.remaining()];
                    b.get(out[k]);
                }
                return out;
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime run failed: " + e.getMessage(), e);
        }
    }

    private long lastNanos;

    public long lastNanos() {
        return lastNanos;
    }

    @Override
    public void close() {
        try {
            if (input != null) input.close();
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
