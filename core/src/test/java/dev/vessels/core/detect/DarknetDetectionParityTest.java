package dev.vessels.core.detect;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/**
 * Differential test against the real thing: Debian's libdarknet.so (pjreddie's 2018 tree), called
 * through FFM. Random detections with many ties, zero objectness and overlapping boxes go through
 * Darknet's {@code do_nms_sort} and {@link Nms#sortNms}; random boxes and image sizes through
 * Darknet's {@code correct_yolo_boxes} and {@link YoloDecoder#correctBoxes}; box pairs through
 * {@code box_iou}. Skipped when the darknet package is not installed.
 */
class DarknetDetectionParityTest {
    static final Path LIB = Path.of("/usr/lib/darknet/libdarknet.so");

    // darknet.h: typedef struct detection { box bbox; int classes; float *prob; float *mask;
    //                                       float objectness; int sort_class; } detection;
    static final StructLayout BOX = MemoryLayout.structLayout(JAVA_FLOAT.withName("x"), JAVA_FLOAT.withName("y"),
            JAVA_FLOAT.withName("w"), JAVA_FLOAT.withName("h"));
    static final StructLayout DETECTION = MemoryLayout.structLayout(BOX.withName("bbox"), JAVA_INT.withName("classes"),
            MemoryLayout.paddingLayout(4), ADDRESS.withName("prob"), ADDRESS.withName("mask"),
            JAVA_FLOAT.withName("objectness"), JAVA_INT.withName("sort_class"));
    static final long PROB = DETECTION.byteOffset(MemoryLayout.PathElement.groupElement("prob"));
    static final long OBJ = DETECTION.byteOffset(MemoryLayout.PathElement.groupElement("objectness"));
    static final long CLASSES = DETECTION.byteOffset(MemoryLayout.PathElement.groupElement("classes"));

    static MethodHandle doNmsSort, correctYoloBoxes, boxIou;

    @BeforeAll
    static void load() {
        assumeTrue(Files.isRegularFile(LIB), "Debian's darknet package is not installed (" + LIB + ")");
        SymbolLookup lib = SymbolLookup.libraryLookup(LIB, Arena.global());
        Linker l = Linker.nativeLinker();
        doNmsSort = l.downcallHandle(lib.findOrThrow("do_nms_sort"),
                FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, JAVA_FLOAT));
        correctYoloBoxes = l.downcallHandle(lib.findOrThrow("correct_yolo_boxes"),
                FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        boxIou = l.downcallHandle(lib.findOrThrow("box_iou"), FunctionDescriptor.of(JAVA_FLOAT, BOX, BOX));
    }

    static float pick(Random r, float... v) {
        return v[r.nextInt(v.length)];
    }

    static List<Detection> randomDetections(Random r, int n, int classes) {
        List<Detection> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // a few clusters so that boxes overlap around the 0.45 threshold
            float cx = pick(r, 0.2f, 0.5f, 0.8f) + (float) r.nextGaussian() * 0.05f;
            float cy = pick(r, 0.3f, 0.7f) + (float) r.nextGaussian() * 0.05f;
            Box b = new Box(cx, cy, 0.1f + r.nextFloat() * 0.2f, 0.1f + r.nextFloat() * 0.2f);
            float obj = r.nextInt(6) == 0 ? 0 : pick(r, 0.6f, 0.7f, 0.9f, r.nextFloat());
            float[] p = new float[classes];
            for (int j = 0; j < classes; j++) p[j] = obj == 0 ? 0 : pick(r, 0, 0, 0.55f, 0.7f, 0.7f, r.nextFloat());
            l.add(new Detection(b, obj, p));
        }
        return l;
    }

    static MemorySegment toNative(Arena a, List<Detection> dets) {
        MemorySegment arr = a.allocate(DETECTION, Math.max(1, dets.size()));
        for (int i = 0; i < dets.size(); i++) {
            Detection d = dets.get(i);
            MemorySegment s = arr.asSlice(i * DETECTION.byteSize(), DETECTION.byteSize());
            s.set(JAVA_FLOAT, 0, d.box().x());
            s.set(JAVA_FLOAT, 4, d.box().y());
            s.set(JAVA_FLOAT, 8, d.box().w());
            s.set(JAVA_FLOAT, 12, d.box().h());
            s.set(JAVA_INT, CLASSES, d.classes());
            MemorySegment prob = a.allocate(JAVA_FLOAT, Math.max(1, d.classes()));
            for (int j = 0; j < d.classes(); j++) prob.setAtIndex(JAVA_FLOAT, j, d.probs()[j]);
            s.set(ADDRESS, PROB, prob);
            s.set(JAVA_FLOAT, OBJ, d.objectness());
        }
        return arr;
    }

    static List<Detection> fromNative(MemorySegment arr, int n, int classes) {
        List<Detection> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            MemorySegment s = arr.asSlice(i * DETECTION.byteSize(), DETECTION.byteSize());
            Box b = new Box(s.get(JAVA_FLOAT, 0), s.get(JAVA_FLOAT, 4), s.get(JAVA_FLOAT, 8), s.get(JAVA_FLOAT, 12));
            MemorySegment prob = s.get(ADDRESS, PROB).reinterpret((long) classes * Float.BYTES);
            float[] p = new float[classes];
            for (int j = 0; j < classes; j++) p[j] = prob.getAtIndex(JAVA_FLOAT, j);
            out.add(new Detection(b, s.get(JAVA_FLOAT, OBJ), p));
        }
        return out;
    }

    @RepeatedTest(40)
    void nmsSortMatchesDarknet(RepetitionInfo rep) throws Throwable {
        Random r = new Random(1000 + rep.getCurrentRepetition());
        int classes = 1 + r.nextInt(4);
        List<Detection> dets = randomDetections(r, r.nextInt(60), classes);
        float thresh = rep.getCurrentRepetition() % 4 == 0 ? 0.3f : Nms.DEFAULT_THRESH;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment arr = toNative(a, dets);
            doNmsSort.invokeExact(arr, dets.size(), classes, thresh);
            List<Detection> ours = Nms.sortNms(dets, classes, thresh);
            // Darknet leaves the live detections first, in its final order.
            assertThat(ours).isEqualTo(fromNative(arr, ours.size(), classes));
            long live = dets.stream().filter(d -> d.objectness() != 0).count();
            assertThat(ours).hasSize((int) live);
        }
    }

    @Test
    void correctYoloBoxesMatchesDarknet() throws Throwable {
        Random r = new Random(7);
        int[][] sizes = {{608, 608}, {416, 416}, {64, 64}, {608, 320}};
        for (int t = 0; t < 200; t++) {
            int[] net = sizes[t % sizes.length];
            int w = 1 + r.nextInt(1500), h = 1 + r.nextInt(1500);
            boolean relative = t % 2 == 0;
            List<Detection> dets = randomDetections(r, 20, 1);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment arr = toNative(a, dets);
                correctYoloBoxes.invokeExact(arr, dets.size(), w, h, net[0], net[1], relative ? 1 : 0);
                List<Detection> theirs = fromNative(arr, dets.size(), 1);
                List<Detection> ours = YoloDecoder.correctBoxes(dets, w, h, net[0], net[1], relative);
                for (int i = 0; i < dets.size(); i++) {
                    Box x = ours.get(i).box(), y = theirs.get(i).box();
                    // Debian builds Darknet with -Ofast: gcc computes (float)netw/new_w as rcpps plus one
                    // Newton step (an approximate, CPU-dependent reciprocal) and divides by multiplying with
                    // a reciprocal, so Darknet's own boxes are off the source's exact arithmetic by a few
                    // ulps. Vessels follows the source; allow 4 ulps.
                    String at = "image " + w + "x" + h + " net " + net[0] + "x" + net[1] + " det " + i;
                    assertThat(x.x()).as(at + " x").isCloseTo(y.x(), within(4 * Math.ulp(y.x())));
                    assertThat(x.y()).as(at + " y").isCloseTo(y.y(), within(4 * Math.ulp(y.y())));
                    assertThat(x.w()).as(at + " w").isCloseTo(y.w(), within(4 * Math.ulp(y.w())));
                    assertThat(x.h()).as(at + " h").isCloseTo(y.h(), within(4 * Math.ulp(y.h())));
                }
            }
        }
    }

    @Test
    void boxIouMatchesDarknet() throws Throwable {
        Random r = new Random(11);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(BOX), sb = a.allocate(BOX);
            for (int t = 0; t < 2000; t++) {
                Box x = new Box(r.nextFloat(), r.nextFloat(), r.nextFloat() * 0.5f, r.nextFloat() * 0.5f);
                Box y = new Box(r.nextFloat(), r.nextFloat(), r.nextFloat() * 0.5f, r.nextFloat() * 0.5f);
                for (var p : List.of(new Object[]{sa, x}, new Object[]{sb, y})) {
                    MemorySegment s = (MemorySegment) p[0];
                    Box b = (Box) p[1];
                    s.set(JAVA_FLOAT, 0, b.x());
                    s.set(JAVA_FLOAT, 4, b.y());
                    s.set(JAVA_FLOAT, 8, b.w());
                    s.set(JAVA_FLOAT, 12, b.h());
                }
                float theirs = (float) boxIou.invokeExact(sa, sb);
                assertThat(x.iou(y)).as(x + " vs " + y).isCloseTo(theirs, within(Math.ulp(theirs) * 2));
            }
        }
    }
}
