package dev.vessels.memory.profile;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.vessels.core.Network;
import dev.vessels.core.layers.Layer;
import dev.vessels.memory.Executors;
import dev.vessels.memory.baseline.Category;
import dev.vessels.memory.baseline.DarknetMemory;
import dev.vessels.memory.plan.MemoryPlan;

/**
 * Memory profile of a network under both executors, computed from the spec alone (nothing runs,
 * nothing big is allocated): every buffer with its category and lifetime, the live set at every
 * step, and the {@code profile --json} summary.
 *
 * @param profile          the JSON summary
 * @param baselineAllocated the baseline's allocated (not only touched) bytes by category
 * @param buffers          every buffer of both executors with its lifetime
 */
public record Profiler(Profile profile, Profile.Categories baselineAllocated, List<BufferLife> buffers) {

    /** One kernel thread: the least the vessels executor holds. */
    public static Profiler of(Network net) {
        return of(net, MemoryPlan.of(net), 1);
    }

    public static Profiler of(Network net, MemoryPlan plan) {
        return of(net, plan, 1);
    }

    /**
     * @param threads threads the vessels executor predicts on: each holds its own GEMM packing
     *                scratch ({@link Executors#kernelScratchBytes(Network, int)}), outside the arena and
     *                held for the whole run. The baseline models Darknet, which has none.
     */
    public static Profiler of(Network net, MemoryPlan plan, int threads) {
        long scratch = Executors.kernelScratchBytes(net, threads);
        DarknetMemory dm = DarknetMemory.of(net);
        long basePeak = dm.residentBytes();
        Profile.Categories resident = categories(dm.residentByCategory());
        Profile.Categories allocated = categories(dm.allocatedByCategory());
        List<BufferLife> buffers = new ArrayList<>();
        for (DarknetMemory.Buffer b : dm.buffers()) {
            buffers.add(new BufferLife("baseline", b.layer(), b.category().jsonName(), b.name(), b.residentBytes(),
                    b.allocatedBytes(), -1, b.firstTouch(), b.lastTouch()));
        }
        for (int i = 0; i < plan.buffers().size(); i++) {
            MemoryPlan.Buffer b = plan.buffers().get(i);
            if (plan.viewOf(i) >= 0) continue; // inside a route's buffer, listed with it
            int owner = b.tensors().get(0);
            String name = owner < 0 ? "input" : "output";
            if (b.tensors().size() > 1) name += " (shared in place by layers " + b.tensors().subList(1, b.tensors().size()) + ")";
            List<Integer> views = new ArrayList<>();
            for (int v = 0; v < plan.buffers().size(); v++) if (v != i && plan.within(v, i)) views.addAll(plan.buffers().get(v).tensors());
            if (!views.isEmpty()) name += " (holding layers " + views + ", routed in place)";
            buffers.add(new BufferLife("vessels", owner, Category.ACTIVATIONS.jsonName(), name, b.floats() * 4, b.floats() * 4,
                    plan.bufferOffset(i) * 4, b.first(), b.last()));
        }
        List<Profile.LayerRow> rows = new ArrayList<>();
        for (Layer l : net.layers()) {
            int i = l.index();
            if (plan.slotFloats(i) > 0) {
                buffers.add(new BufferLife("vessels", i, Category.PARAMETERS.jsonName(), "parameter slot", plan.slotFloats(i) * 4,
                        plan.slotFloats(i) * 4, plan.slotOffset(i) * 4, i, i));
            }
            rows.add(new Profile.LayerRow(i, l.kind(), l.aliasesInput() ? 0 : l.outShape().bytes(), l.paramFloats() * 4,
                    l.workspaceFloats() * 4, basePeak, plan.liveFloats(i) * 4 + scratch));
        }
        if (scratch > 0) {
            buffers.add(new BufferLife("vessels", -1, Category.WORKSPACE.jsonName(),
                    "GEMM packing scratch (" + threads + " thread" + (threads == 1 ? "" : "s") + ", outside the arena)",
                    scratch, scratch, -1, 0, net.layers().size() - 1));
        }
        long arena = plan.arenaFloats() * 4;
        Profile p = new Profile(net.name(), new int[]{net.input().c(), net.input().h(), net.input().w()},
                new Profile.Baseline(basePeak, resident),
                new Profile.Vessels(arena + scratch, arena, plan.maxSlotFloats() * 4, plan.maxWorkspaceFloats() * 4,
                        plan.activationLowerBoundFloats() * 4, scratch, threads),
                List.copyOf(rows));
        return new Profiler(p, allocated, List.copyOf(buffers));
    }

    private static Profile.Categories categories(Map<Category, Long> m) {
        return new Profile.Categories(m.get(Category.PARAMETERS), m.get(Category.ACTIVATIONS), m.get(Category.TRAINING_ONLY),
                m.get(Category.WORKSPACE));
    }

    /** Bytes of the buffers of {@code executor} touched at step {@code step} (the layer's working set). */
    public long touchedAt(String executor, int step) {
        long s = 0;
        for (BufferLife b : buffers) {
            if (b.executor().equals(executor) && b.first() <= step && step <= b.last()) s += b.bytes();
        }
        return s;
    }
}
