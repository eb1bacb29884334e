package dev.vessels.core.darknet;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.vessels.core.image.Image;

/**
 * The real Darknet (Debian's {@code libdarknet.so}, pjreddie's 2018 tree) called through the FFM
 * API, as the reference our engine is tested against. Test scope only.
 *
 * <p>Darknet prints to stderr, calls {@code exit()} on some errors and keeps global state, so: feed
 * it only files known to be valid, call it from one thread at a time (every method is
 * synchronized on the class), and free what it returns. {@link #loadNetwork} spends seconds on
 * a random initialisation before reading the weights, so tests should load each network once.
 */
public final class LibDarknet {
    /** Where Debian's {@code darknet} package puts the library. */
    public static final Path LIBRARY = Path.of("/usr/lib/darknet/libdarknet.so");
    /** Debian's copies of Darknet's cfg files and sample images. */
    public static final Path CFG_DIR = Path.of("/usr/share/darknet/cfg");
    public static final Path DATA_DIR = Path.of("/usr/share/darknet/data");

    /** {@code typedef struct { int w; int h; int c; float *data; } image;} (x86-64: 4 bytes of padding before data) */
    private static final StructLayout IMAGE = MemoryLayout.structLayout(
            JAVA_INT.withName("w"), JAVA_INT.withName("h"), JAVA_INT.withName("c"),
            MemoryLayout.paddingLayout(4), ADDRESS.withName("data"));
    private static final VarHandle IM_W = IMAGE.varHandle(MemoryLayout.PathElement.groupElement("w"));
    private static final VarHandle IM_H = IMAGE.varHandle(MemoryLayout.PathElement.groupElement("h"));
    private static final VarHandle IM_C = IMAGE.varHandle(MemoryLayout.PathElement.groupElement("c"));
    private static final VarHandle IM_DATA = IMAGE.varHandle(MemoryLayout.PathElement.groupElement("data"));

    private static LibDarknet instance;

    private final MethodHandle loadNetwork;     // network *load_network(char *cfg, char *weights, int clear)
    private final MethodHandle setBatchNetwork; // void set_batch_network(network *net, int b)
    private final MethodHandle networkPredict;  // float *network_predict(network *net, float *input)
    private final MethodHandle freeNetwork;     // void free_network(network *net)
    private final MethodHandle loadImageColor;  // image load_image_color(char *filename, int w, int h)
    private final MethodHandle letterboxImage;  // image letterbox_image(image im, int w, int h)
    private final MethodHandle freeImage;       // void free_image(image m)

    private LibDarknet() {
        Linker linker = Linker.nativeLinker();
        SymbolLookup lib = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
        loadNetwork = linker.downcallHandle(find(lib, "load_network"), FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
        setBatchNetwork = linker.downcallHandle(find(lib, "set_batch_network"), FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
        networkPredict = linker.downcallHandle(find(lib, "network_predict"), FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        freeNetwork = linker.downcallHandle(find(lib, "free_network"), FunctionDescriptor.ofVoid(ADDRESS));
        loadImageColor = linker.downcallHandle(find(lib, "load_image_color"), FunctionDescriptor.of(IMAGE, ADDRESS, JAVA_INT, JAVA_INT));
        letterboxImage = linker.downcallHandle(find(lib, "letterbox_image"), FunctionDescriptor.of(IMAGE, IMAGE, JAVA_INT, JAVA_INT));
        freeImage = linker.downcallHandle(find(lib, "free_image"), FunctionDescriptor.ofVoid(IMAGE));
    }

    private static MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new IllegalStateException(LIBRARY + " has no symbol " + name));
    }

    /** True when Debian's darknet package is installed; tests assume it (and are skipped otherwise). */
    public static boolean available() {
        return Files.isRegularFile(LIBRARY);
    }

    /** Why Darknet tests are skipped when {@link #available()} is false. */
    public static String unavailableReason() {
        return LIBRARY + " not found: install Debian's darknet package (apt-get install darknet) to run the conformance tests";
    }

    public static synchronized LibDarknet get() {
        if (instance == null) instance = new LibDarknet();
        return instance;
    }

    /** A network loaded by Darknet, set to batch 1. Close it to free Darknet's memory. */
    public final class Net implements AutoCloseable {
        private MemorySegment ptr;

        private Net(MemorySegment ptr) {
            this.ptr = ptr;
        }

        /**
         * {@code network_predict}: runs the network on a C×H×W planar input and copies out the first
         * {@code outputs} floats of what it returns (the last non-cost layer's output; Darknet does not
         * say its length, the caller computes it).
         */
        public float[] predict(float[] input, int outputs) {
            synchronized (LibDarknet.class) {
                if (ptr == null) throw new IllegalStateException("network already freed");
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment in = a.allocateFrom(JAVA_FLOAT, input);
                    MemorySegment out = (MemorySegment) networkPredict.invokeExact(ptr, in);
                    return out.reinterpret((long) outputs * Float.BYTES).toArray(JAVA_FLOAT);
                } catch (Throwable t) {
                    throw rethrow(t);
                }
            }
        }

        @Override
        public void close() {
            synchronized (LibDarknet.class) {
                if (ptr == null) return;
                try {
                    freeNetwork.invokeExact(ptr);
                } catch (Throwable t) {
                    throw rethrow(t);
                } finally {
                    ptr = null;
                }
            }
        }
    }

    /** {@code load_network(cfg, weights, 0)} then {@code set_batch_network(net, 1)}. Both files must be valid. */
    public Net loadNetwork(Path cfg, Path weights) {
        synchronized (LibDarknet.class) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment net = (MemorySegment) loadNetwork.invokeExact(a.allocateFrom(cfg.toString()),
                        a.allocateFrom(weights.toString()), 0);
                if (net.equals(MemorySegment.NULL)) throw new IllegalStateException("load_network returned NULL for " + cfg);
                setBatchNetwork.invokeExact(net, 1);
                return new Net(net);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }

    /**
     * {@code load_image_color(file, 0, 0)}: Darknet's own decode (OpenCV, libjpeg-turbo) as RGB planar
     * floats. On an unreadable file Darknet does not fail but returns a blank 10×10 image and appends
     * the name to ./bad.list, so pass only files known to be images.
     */
    public Image loadImageColor(Path file) {
        synchronized (LibDarknet.class) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment im = (MemorySegment) loadImageColor.invokeExact((SegmentAllocator) a, a.allocateFrom(file.toString()), 0, 0);
                return takeImage(im);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }

    /** {@code letterbox_image(im, w, h)} on a copy of {@code im}. */
    public Image letterbox(Image im, int w, int h) {
        synchronized (LibDarknet.class) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment src = a.allocate(IMAGE);
                IM_W.set(src, 0L, im.w());
                IM_H.set(src, 0L, im.h());
                IM_C.set(src, 0L, im.c());
                IM_DATA.set(src, 0L, a.allocateFrom(JAVA_FLOAT, im.data()));
                MemorySegment boxed = (MemorySegment) letterboxImage.invokeExact((SegmentAllocator) a, src, w, h);
                return takeImage(boxed);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }

    /** Copies a Darknet image into Java and frees Darknet's copy. */
    private Image takeImage(MemorySegment im) throws Throwable {
        int w = (int) IM_W.get(im, 0L);
        int h = (int) IM_H.get(im, 0L);
        int c = (int) IM_C.get(im, 0L);
        MemorySegment data = (MemorySegment) IM_DATA.get(im, 0L);
        float[] values = data.reinterpret((long) w * h * c * Float.BYTES).toArray(JAVA_FLOAT);
        freeImage.invokeExact(im);
        return new Image(c, h, w, values);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) return re;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
