package dev.vessels.core.layers;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import dev.vessels.core.cfg.Section;

/** Darknet's {@code [route]}: the channel concatenation of the listed layers' outputs. */
public final class RouteLayer extends Layer {
    private final int[] sizes; // floats contributed by each input, in order

    public RouteLayer(int index, Shape out, int[] layers, int[] sizes) {
        super(index, out, out, layers);
        this.sizes = sizes;
    }

    static RouteLayer parse(Section s, int index, List<Layer> previous) {
        int[] refs = s.getInts("layers");
        if (refs == null || refs.length == 0) throw s.error("[route] needs 'layers='");
        int[] abs = new int[refs.length];
        int[] sizes = new int[refs.length];
        Shape first = null;
        int c = 0;
        for (int i = 0; i < refs.length; i++) {
            abs[i] = LayerParsers.layerRef(s, "layers", refs[i], index);
            Shape o = previous.get(abs[i]).outShape();
            if (first == null) first = o;
            else if (o.w() != first.w() || o.h() != first.h()) {
                throw s.error("layers", "route joins layer " + abs[0] + " (" + first + ") and layer " + abs[i] + " ("
                        + o + "): spatial sizes differ");
            }
            sizes[i] = (int) o.size();
            c += o.c();
        }
        return new RouteLayer(index, new Shape(c, first.h(), first.w()), abs, sizes);
    }

    @Override
    public String kind() {
        return "route";
    }

    @Override
    public String describe() {
        return Arrays.stream(inputs).mapToObj(Integer::toString).collect(Collectors.joining(" "));
    }

    /**
     * Copies each input to its place in the output, except an input already there: a planned
     * executor has its producer write it inside the route's buffer (concatenation in place), and
     * then the route copies nothing for it.
     */
    @Override
    public void forward(LayerContext ctx) {
        long sum = 0;
        int o = ctx.outOff();
        for (int i = 0; i < sizes.length; i++) {
            if (!inPlace(ctx, i, o)) sum += sizes[i];
            o += sizes[i];
        }
        long total = sum; // floats to copy
        if (total == 0) return;
        dev.vessels.core.exec.Parallel par = ctx.parallel();
        if (par.threads() == 1 || total < PARALLEL_MIN) {
            o = ctx.outOff();
            for (int i = 0; i < sizes.length; i++) {
                if (!inPlace(ctx, i, o)) System.arraycopy(ctx.in(i), ctx.inOff(i), ctx.out(), o, sizes[i]);
                o += sizes[i];
            }
            return;
        }
        // DenseNet concatenates up to megabytes per layer: each thread copies its share of every
        // input (the same bytes land in the same places whatever the split).
        par.forRange((int) ((total + 15) / 16), (lo, hi) -> {
            long from = lo * 16L, to = Math.min(total, hi * 16L), at = 0; // at: floats to copy before input i
            int out = ctx.outOff();
            for (int i = 0; i < sizes.length; i++) {
                if (!inPlace(ctx, i, out)) {
                    long s0 = Math.max(from, at), s1 = Math.min(to, at + sizes[i]);
                    if (s1 > s0) {
                        System.arraycopy(ctx.in(i), ctx.inOff(i) + (int) (s0 - at), ctx.out(), out + (int) (s0 - at),
                                (int) (s1 - s0));
                    }
                    at += sizes[i];
                }
                out += sizes[i];
            }
        });
    }

    /** Whether input i already is at output offset {@code o}. */
    private static boolean inPlace(LayerContext ctx, int i, int o) {
        return ctx.in(i) == ctx.out() && ctx.inOff(i) == o;
    }

    /** Below this many floats a second thread costs more than it saves. */
    private static final long PARALLEL_MIN = 1 << 16;
}
