package dev.vessels.core.exec;

import java.util.Map;

/**
 * One prediction's result, copied out of the executor's buffers.
 *
 * @param output       the output layer's values (the last non-cost layer, as Darknet returns)
 * @param kept         outputs of further layers the caller asked to keep (every [yolo] layer, for detections)
 * @param nanos        wall time of the forward pass
 */
public record Prediction(float[] output, Map<Integer, float[]> kept, long nanos) {}
