package dev.vessels.cli;

import java.util.Map;

/**
 * The Vessels paper's single-prediction results (Vessels against Darknet in SGX), for comparison
 * with what {@code reproduce single} measures; source: the paper's evaluation, as listed in issue 5.
 *
 * @param peakEpcReductionPct   peak EPC reduction
 * @param pagingReductionPct    secure paging (page swaps) reduction
 * @param latencyImprovementPct latency improvement
 */
record PaperFigures(double peakEpcReductionPct, double pagingReductionPct, double latencyImprovementPct) {
    static final Map<String, PaperFigures> SINGLE = Map.of(
            "alexnet", new PaperFigures(89.5, 100, 94.01),
            "resnet101", new PaperFigures(88.1, 100, 69.81),
            "resnet152", new PaperFigures(91.2, 100, 66.90),
            "densenet201", new PaperFigures(88.8, 100, 63.02),
            "resnext152", new PaperFigures(89.6, 100, 69.47),
            "darknet53", new PaperFigures(80.6, 100, 69.37),
            "inceptionv3", new PaperFigures(85.4, 100, 57.44),
            "vgg16", new PaperFigures(86.1, 50.53, 57.44),
            "yolov3", new PaperFigures(73.2, 17.92, 18.89));
}
