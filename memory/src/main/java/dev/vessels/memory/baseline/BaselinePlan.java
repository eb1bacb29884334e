package dev.vessels.memory.baseline;

import java.util.Arrays;

import dev.vessels.core.Network;
import dev.vessels.core.exec.OwnArraysPlan;
import dev.vessels.core.layers.BatchNormLayer;
import dev.vessels.core.layers.ConnectedLayer;
import dev.vessels.core.layers.ConvolutionalLayer;
import dev.vessels.core.layers.CostLayer;
import dev.vessels.core.layers.CropLayer;
import dev.vessels.core.layers.DropoutLayer;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.layers.MaxPoolLayer;

/**
 * Darknet's buffers at prediction, materialised: what {@link DarknetMemory} says a batch-1
 * prediction touches, each in an array of its own, held for the whole run, and touched at the same
 * step as Darknet touches it. Allocated-but-untouched buffers (update buffers, {@code x_norm}, the
 * batch&gt;1 tail...) exist only in the accounting: Java zeroes every array it allocates, which would
 * make them resident, which they are not in Darknet.
 *
 * <p>Per step, before layer {@code i} runs: its {@code delta} is zero-filled (forward_network's
 * {@code fill_cpu}; a dropout refills its source's), its batch-norm copy {@code x} is written
 * (Darknet copies the pre-normalisation output there inside the layer; here the copy is taken from
 * the output buffer as it stands before the layer, which touches the same bytes at the same step —
 * nobody reads {@code x} at prediction), and its max-pool {@code indexes} are written (with −1:
 * argmax positions only matter to backward).
 */
public final class BaselinePlan extends OwnArraysPlan {
    // input ([C*H*W] the image) and outputs ([layer][out.size()]; dropout/cost share their source's) are inherited.
    private final Network net;
    private final float[][] delta;   // [layer][out.size()] (cost: in.size()); dropout shares its source's; crop: none
    private final float[][] bnX;     // [layer][out.size()] for batch-normalised conv/connected/batchnorm, else null
    private final int[][] indexes;   // [layer][out.size()] for max pooling, else null
    private final long bytes;

    public BaselinePlan(Network net) {
        // The workspace: max(Darknet's touched im2col size, this engine's largest need).
        super(net, Math.toIntExact(Math.max(DarknetMemory.of(net).workspaceResidentFloats(), largestLayerWorkspace(net))));
        this.net = net;
        int n = net.layers().size();
        delta = new float[n][];
        bnX = new float[n][];
        indexes = new int[n][];
        long total = (long) input.length * 4;
        for (Layer l : net.layers()) {
            int i = l.index();
            int out = (int) l.outShape().size();
            if (l instanceof DropoutLayer) {
                outputs[i] = array(l.input(0));
                delta[i] = l.input(0) < 0 ? null : delta[l.input(0)];
                continue;
            }
            if (l instanceof CostLayer) {
                outputs[i] = array(l.input(0)); // Darknet's own cost output is never written at prediction
                delta[i] = new float[(int) l.inShape().size()];
                total += (long) delta[i].length * 4;
                continue;
            }
            outputs[i] = new float[out];
            total += (long) out * 4;
            if (!(l instanceof CropLayer)) {
                delta[i] = new float[out];
                total += (long) out * 4;
            }
            if ((l instanceof ConvolutionalLayer c && c.batchNormalize()) || (l instanceof ConnectedLayer f && f.batchNormalize())
                    || l instanceof BatchNormLayer) {
                bnX[i] = new float[out];
                total += (long) out * 4;
            }
            if (l instanceof MaxPoolLayer) {
                indexes[i] = new int[out];
                total += (long) out * 4;
            }
        }
        bytes = total + (long) workspace().length * 4;
    }

    public Network network() {
        return net;
    }

    /** Bytes of every buffer this plan holds (parameters are the ResidentParams' business). */
    public long bytes() {
        return bytes;
    }

    @Override
    public boolean mimicsDarknet() {
        return true;
    }

    @Override
    public void beforeLayer(int i) {
        if (delta[i] != null) Arrays.fill(delta[i], 0f);
        if (bnX[i] != null) System.arraycopy(outputs[i], 0, bnX[i], 0, bnX[i].length);
        if (indexes[i] != null) Arrays.fill(indexes[i], -1);
    }
}
