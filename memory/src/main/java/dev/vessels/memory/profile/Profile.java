package dev.vessels.memory.profile;

import java.util.List;

/**
 * The {@code profile --json} object (issue 4). Component names are camelCase; serialise with
 * Jackson's {@code PropertyNamingStrategies.SNAKE_CASE} to get the documented keys
 * ({@code peak_bytes}, {@code training_only}, {@code live_bytes_vessels}...).
 *
 * @param model  the network's name (cfg path or zoo name)
 * @param input  [c, h, w]
 */
public record Profile(String model, int[] input, Baseline baseline, Vessels vessels, List<LayerRow> layers) {

    /** @param peakBytes all resident bytes: Darknet holds every buffer from load to exit */
    public record Baseline(long peakBytes, Categories categories) {}

    /** Resident bytes by category. */
    public record Categories(long parameters, long activations, long trainingOnly, long workspace) {
        public long total() {
            return parameters + activations + trainingOnly + workspace;
        }
    }

    /**
     * @param peakBytes          bytes held at the peak: the one arena (tensors and parameter slots live
     *                           in it) plus the kernels' per-thread packing scratch
     * @param poolBytes          the arena
     * @param parameterSlotBytes the largest parameter slot
     * @param workspaceBytes     the largest kernel workspace one layer gets in the arena (a Winograd
     *                           convolution's transform buffers; part of poolBytes, 0 without such
     *                           layers): no im2col workspace, the fused im2col+GEMM needs none
     * @param lowerBoundBytes    the largest set of activations live at one step (in-place sharing counted once)
     * @param kernelScratchBytes GEMM packing buffers, one set per thread ({@code threads} of them)
     * @param threads            threads whose scratch is counted
     */
    public record Vessels(long peakBytes, long poolBytes, long parameterSlotBytes, long workspaceBytes, long lowerBoundBytes,
                          long kernelScratchBytes, int threads) {}

    /**
     * @param workspaceBytes     the layer's own scratch need as Darknet declares it (its im2col), untiled
     * @param liveBytesBaseline  what the baseline holds while this layer runs
     * @param liveBytesVessels   tensors and parameter slot live in the arena while this layer runs, plus
     *                           the kernels' packing scratch (held the whole run)
     */
    public record LayerRow(int index, String type, long outputBytes, long parameterBytes, long workspaceBytes,
                           long liveBytesBaseline, long liveBytesVessels) {}

    /** Reduction of the peak, in percent of the baseline. */
    public double reductionPercent() {
        return 100.0 * (1 - (double) vessels.peakBytes() / baseline.peakBytes());
    }

    /** One line: baseline peak → Vessels peak. */
    public String verdict() {
        return String.format(java.util.Locale.ROOT,
                "%s: baseline peak %.1f MiB -> Vessels peak %.1f MiB (%+.1f%%; %d thread%s, kernel scratch %.1f MiB; lower bound %.1f MiB)",
                model, baseline.peakBytes() / 1048576.0, vessels.peakBytes() / 1048576.0, -reductionPercent(),
                vessels.threads(), vessels.threads() == 1 ? "" : "s", vessels.kernelScratchBytes() / 1048576.0,
                vessels.lowerBoundBytes() / 1048576.0);
    }
}
