package dev.vessels.core.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.vessels.core.exec.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision matrix multiply on row-major float arrays with offsets:
 * C[M×N] (+)= A[M×K] · B[K×N]. {@link #gemm} is the fast path; {@link #gemmPlain} is its
 * plain-loop twin that tests compare against.
 *
 * <p>The fast path is a BLIS-style GEMM: B is packed into {@code KC×NR} column panels and A into
 * {@code MR×KC} row panels (both zero-padded at the edges), and a register-tiled micro-kernel
 * keeps an {@code MR×NR} block of C (8 rows × 2 vectors: 16 accumulators) in registers while it
 * streams one A panel and one B panel with FMAs. Loop order jc (NC) → pc (KC, pack B) → ic (MC,
 * pack A) → jr (NR) → ir (MR): a B micro-panel (KC·NR floats, 32 KB at 16 lanes) stays in L1 while
 * every A micro-panel of the MC block (in L2) passes over it. Two variants of that order (speed pass
 * 9c): K blocks of at most {@link #tileRowsMaxK} run the tiles row by row (ir → jr, {@link #rowOrder}),
 * and narrow column blocks whose packed B fits the scratch whole run every K block per MC block
 * (jc → ic → pc, {@link #kBlocksInner}). Only the order of the tiles changes, never a tile's arithmetic.
 *
 * <p>Determinism: every element of C is the same chain of operations — for each K block in order,
 * an FMA chain over the block's k, then one add into C — whatever M, the row chunking, the thread
 * count or the element's position in a tile. The K blocking depends on K alone. So results are
 * bit-identical for any number of threads and for any split of the rows into calls (executors that
 * stream weights in row chunks compute exactly what resident ones do).
 *
 * <p>A may also be a {@link MemorySegment} of little-endian floats (a mapped weights file, read in
 * place): then it is always packed, straight from the segment, with the same values and the same
 * FMA chains, so the result is bit-identical to the float[] path's.
 */
public final class Gemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector (16 with AVX-512). */
    private static final int L = S.length();
    /**
     * Micro-tile rows: 8 rows × 2 vectors = 16 accumulators (+ 2 B vectors + 1 broadcast of 32
     * registers). 8 divides every power-of-two filter count; it measured ~5 % faster than 6×32.
     */
    static final int MR = 8;
    /** Micro-tile columns: two vectors. */
    static final int NR = 2 * L;
    /**
     * Most columns {@link #columnTail} takes: {@code ceil(nr / 2)} pair passes cost about what the
     * narrow tile's one does at 16 (a pass: 8 half-vector FMAs a k for 32 rows, the narrow tile 32
     * vector FMAs); 12 still saves a quarter.
     */
    static final int TAIL_COLUMNS = 12;
    /** Floats of a thread's spilled tile: a micro-tile, or {@link #columnTail}'s four row blocks. */
    static final int TILE_FLOATS = Math.max(MR * NR, 4 * MR * TAIL_COLUMNS);
    /** Largest K block: a KC×NR B micro-panel is 32 KB at 16 lanes, within Zen 5's 48 KB L1D. */
    static final int KC = 256;
    /** Rows of A packed at once: MC×KC floats (128 KB) stay in the 1 MB L2 beside the B block. */
    static final int MC = 128;
    /**
     * Columns of B packed at once (KC×NC floats, 1 MB): the packed B block is most of each thread's
     * scratch, which every prediction thread holds (memory accounting counts it). NC = 2048 (2 MB)
     * once measured ~4 % faster on two threads; re-measured at 1 thread (thread CPU time, min of 30–40
     * runs, fused conv and plain GEMM at N = 2025…16384, docs/memory.md), 1024 was 1–34 % faster on
     * every shape (the 2 MB block overflows the 1 MB L2) and two-thread wall minima did not differ.
     */
    static final int NC = 1024 / NR * NR;
    /** Largest kernel side the masked im2col packing ({@link #packShifted}) serves. */
    static final int SHIFT_MAX_K = 7;
    /**
     * Lane-mask words of {@link #packShifted}: kh + kw words per vector of a B block (4 bytes each,
     * counted with the floats of {@link #PACK_FLOATS_PER_THREAD}).
     */
    static final int MASK_INTS = 2 * SHIFT_MAX_K * (NC / L) + 3 * KC;

    /**
     * Floats of packing scratch each thread holds while it runs GEMM (A block, B block and one
     * edge tile), allocated once per thread and reused: memory accounting can add it per thread.
     */
    public static final int PACK_FLOATS_PER_THREAD = MC * KC + KC * NC + NC + TILE_FLOATS + MR * KC + MASK_INTS;

    /**
     * Bytes of packing scratch one thread holds once it has run a GEMM: the single source of truth
     * for memory accounting (an executor on T threads holds T times this besides its buffers).
     */
    public static long scratchBytesPerThread() {
        return (long) PACK_FLOATS_PER_THREAD * Float.BYTES;
    }

    /**
     * Below this many columns per thread, A is read in place rather than packed: each packed float
     * of A would feed only n multiply-adds, and at the 7×7 and 8×8 maps of the last stage (n = 49,
     * 64) packing A cost ~15 % (measured: 1 thread, M=512 K=4608 N=49, 2.5 vs 3.2 ms best of many).
     * At 196 and 256 columns packed A measured as fast or faster: eight A rows with a
     * power-of-two stride fight the B panel for L1 sets.
     */
    static final int DIRECT_A_MAX_N = 96;

    /**
     * Below this many multiply-adds (~10 µs on one core) handing half to another thread costs about
     * what it saves (ResNeXt's 32 groups are GEMMs of 4–8 rows). The split never changes results.
     */
    private static final long PARALLEL_MIN_MACS = 1L << 20;

    /** Below this many columns the packed kernel wastes most of its tile: use the narrow path. */
    static final int NARROW_N = L;

    /** Per-thread packing buffers, so steady-state calls allocate nothing. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * This thread's packing scratch, for kernels of this package that run instead of a GEMM (the
     * direct grouped convolution, {@link GroupConv}) and borrow it, so a thread holds no more
     * scratch than {@link #scratchBytesPerThread} says. Never while a GEMM on this thread uses it.
     */
    static Scratch scratch() {
        return SCRATCH.get();
    }

    static final class Scratch {
        final float[] a = new float[MC * KC];     // packed A block: [MC/MR panels][KC][MR]
        final float[] b = new float[KC * NC];     // packed B block: [NC/NR panels][KC][NR]
        final float[] row = new float[NC];       // one im2col row segment: [NC]
        final float[] tile = new float[TILE_FLOATS];  // the spilled micro-tile: [MR][NR], or columnTail's [4·MR][TAIL_COLUMNS]
        final float[] edgeA = new float[MR * KC]; // ragged last rows of A, zero-padded: [MR][KC]
        final int[] masks = new int[MASK_INTS];   // packShifted's lane masks: [kh + kw][vectors of the block]

        /** 4-byte elements allocated: what {@link #PACK_FLOATS_PER_THREAD} must equal (tested). */
        long floats() {
            return (long) a.length + b.length + row.length + tile.length + edgeA.length + masks.length;
        }
    }

    private Gemm() {}

    /**
     * @param accumulate add to C (true) or overwrite it (false)
     */
    public static void gemm(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, boolean accumulate, Parallel par) {
        gemm(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, par, null, 0);
    }

    /**
     * As {@link #gemm(int, int, int, float[], int, int, float[], int, int, float[], int, int, boolean,
     * Parallel)}, then {@code e} (if not null) applied to every finished row i of C as its row
     * {@code eRow0 + i}, while the tile is hot.
     */
    public static void gemm(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, boolean accumulate, Parallel par, Epilogue e, int eRow0) {
        if (m <= 0 || n <= 0) return;
        if (k <= 0) {
            for (int i = 0; i < m; i++) {
                if (!accumulate) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
                if (e != null) e.applyRow(c, cOff + i * ldc, eRow0 + i, n);
            }
            return;
        }
        int threads = par == null ? 1 : par.threads();
        if (n < NARROW_N) {
            // Too narrow for column panels (the choice depends on n only, never on m, so row chunks agree).
            if (threads == 1 || m < 2 * MR) {
                narrow(0, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, e, eRow0);
            } else {
                par.forRange(m, (lo, hi) -> narrow(lo, hi, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, e,
                        eRow0));
            }
            return;
        }
        split(m, n, k, 0, kBlocks(k), a, null, aOff, lda, b, bOff, ldb, null, c, cOff, ldc, accumulate, par, e, eRow0);
    }

    /**
     * A convolution as one GEMM without an im2col buffer: C[M×N] (+)= A[M×K] · im2col(im), where
     * K = c·kh·kw and N = oh·ow per {@code g}. The im2col rows are generated straight into the packed
     * B panels, so the unfolded matrix (K·N floats, e.g. 29 MB for a 3×3×256 conv at 56×56) is never
     * written or read back. Bit-identical to {@link Im2col#im2col} followed by {@link #gemm}: the
     * packed values are the same copies and the arithmetic is the same.
     */
    public static void conv(int m, float[] a, int aOff, int lda, ConvGeometry g, float[] im, int imOff, float[] c,
                            int cOff, int ldc, boolean accumulate, Parallel par) {
        conv(m, a, aOff, lda, g, im, imOff, c, cOff, ldc, accumulate, par, null, 0);
    }

    /** {@link #conv} with an epilogue, as in the epilogue variant of {@link #gemm}. */
    public static void conv(int m, float[] a, int aOff, int lda, ConvGeometry g, float[] im, int imOff, float[] c,
                            int cOff, int ldc, boolean accumulate, Parallel par, Epilogue e, int eRow0) {
        int n = g.oh() * g.ow(), k = g.c() * g.kh() * g.kw();
        if (m <= 0 || n <= 0) return;
        split(m, n, k, 0, kBlocks(k), a, null, aOff, lda, im, imOff, 0, g, c, cOff, ldc, accumulate, par, e, eRow0);
    }

    /**
     * Little-endian floats, as a Darknet weights file stores them; unaligned, so any segment serves
     * (a mapping's floats sit 4 bytes apart from a page boundary anyway).
     */
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * {@link #conv} with A read from a memory segment of little-endian floats (a read-only mapping
     * of a weights file): A's float (i, p) at byte {@code 4·(aOff + i·lda + p)} of {@code a}. A is
     * always packed into MR-row panels straight from the segment, so its bytes are read once, inside
     * the packing, and never copied to a parameter slot first; below {@link #DIRECT_A_MAX_N} columns,
     * where the float[] path reads A in place, this one packs too. Bit-identical to the float[]
     * {@link #conv} on the same values: the packed and the in-place kernels run the same FMA chains
     * in the same order ({@link #macroKernelDirect}), and the packed values are the same copies.
     */
    public static void conv(int m, MemorySegment a, int aOff, int lda, ConvGeometry g, float[] im, int imOff, float[] c,
                            int cOff, int ldc, boolean accumulate, Parallel par, Epilogue e, int eRow0) {
        int n = g.oh() * g.ow(), k = g.c() * g.kh() * g.kw();
        if (m <= 0 || n <= 0) return;
        split(m, n, k, 0, kBlocks(k), null, a, aOff, lda, im, imOff, 0, g, c, cOff, ldc, accumulate, par, e, eRow0);
    }

    /**
     * {@link #gemm} (the epilogue variant) with A read from a memory segment, as the segment
     * {@link #conv} reads it; bit-identical to the float[] one on the same values. Below one vector's
     * width of columns it runs the narrow path's arithmetic, reading A from the segment.
     */
    public static void gemm(int m, int n, int k, MemorySegment a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, boolean accumulate, Parallel par, Epilogue e, int eRow0) {
        if (m <= 0 || n <= 0) return;
        if (k <= 0 || n < NARROW_N) {
            // Rare (tiny maps): the narrow path reading A from the segment, on the calling thread
            // (the split never changes results).
            narrow(0, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, e, eRow0);
            return;
        }
        split(m, n, k, 0, kBlocks(k), null, a, aOff, lda, b, bOff, ldb, null, c, cOff, ldc, accumulate, par, e, eRow0);
    }

    /**
     * K blocks [q0, q1) only, A's column {@link #kBlockStart kBlockStart(k, q0)} at {@code aOff}.
     * The thread split is the whole GEMM's (it depends on m, n, k only), so a GEMM run block range
     * by block range does exactly what one call does, in the same order. A is {@code a} or, when
     * {@code aSeg} is not null, that segment (floats, {@code aOff} and {@code lda} in floats).
     */
    private static void split(int m, int n, int k, int q0, int q1, float[] a, MemorySegment aSeg, int aOff, int lda,
                              float[] b, int bOff, int ldb, ConvGeometry g, float[] c, int cOff, int ldc,
                              boolean accumulate, Parallel par, Epilogue e, int eRow0) {
        int threads = par == null ? 1 : par.threads();
        if (threads == 1 || (long) m * n * k < PARALLEL_MIN_MACS) {
            blocked(m, n, k, q0, q1, a, aSeg, aOff, lda, b, bOff, ldb, g, 0, c, cOff, ldc, accumulate, e, eRow0);
            return;
        }
        int nPanels = (n + NR - 1) / NR, mPanels = (m + MR - 1) / MR;
        if (threads == 2 && sharedBOn && sharedB(m, n, k, q1 - q0, nPanels, mPanels, g != null)) {
            Pair pair = new Pair();
            pair.scratch[0] = SCRATCH.get(); // part 0 runs on this thread; published by the job's start
            boolean ran = par.forEachPartTogether(t -> {
                try {
                    if (sharedBOverlap) {
                        sharedBOverlapped(t, pair, m, n, k, q0, q1, a, aSeg, aOff, lda, b, bOff, ldb, g, c, cOff, ldc,
                                accumulate, e, eRow0, mPanels);
                    } else {
                        sharedBPart(t, pair, m, n, k, q0, q1, a, aSeg, aOff, lda, b, bOff, ldb, g, c, cOff, ldc, accumulate,
                                e, eRow0, mPanels);
                    }
                } catch (RuntimeException | Error x) {
                    pair.aborted = true; // the other part may be waiting at the barrier
                    throw x;
                }
            });
            if (ran) {
                SHARED_B_RUNS.incrementAndGet();
                return;
            }
        }
        if (splitColumns(m, n, k, threads, nPanels, mPanels, g != null)) {
            // Split columns on panel boundaries: each thread packs the whole A but only its own B.
            int parts = Math.min(threads, nPanels);
            par.forEachPart(parts, p -> {
                int j0 = Parallel.partStart(nPanels, p, parts) * NR;
                int j1 = Math.min(n, Parallel.partStart(nPanels, p + 1, parts) * NR);
                if (j1 > j0) {
                    blocked(m, j1 - j0, k, q0, q1, a, aSeg, aOff, lda, b, g == null ? bOff + j0 : bOff, ldb, g, j0, c,
                            cOff + j0, ldc, accumulate, e, eRow0);
                }
            });
        } else {
            // Few columns, many rows (late conv stages: N = 7×7 or 14×14): split rows on panel boundaries.
            int parts = Math.min(threads, mPanels);
            par.forEachPart(parts, p -> {
                int i0 = Parallel.partStart(mPanels, p, parts) * MR;
                int i1 = Math.min(m, Parallel.partStart(mPanels, p + 1, parts) * MR);
                if (i1 > i0) {
                    blocked(i1 - i0, n, k, q0, q1, a, aSeg, aOff + i0 * lda, lda, b, bOff, ldb, g, 0, c, cOff + i0 * ldc,
                            ldc, accumulate, e, eRow0 + i0);
                }
            });
        }
    }

    /** GEMMs run with a shared B since start-up (tests assert the path is taken). */
    static final AtomicLong SHARED_B_RUNS = new AtomicLong();

    /**
     * {@code -Dvessels.gemm.sharedBOverlap=false}: the shared B with one barrier per block
     * ({@link #sharedBPart}) instead of {@link #sharedBOverlapped} (A/B runs).
     */
    // Not final: GemmTest runs the property over both schedules (restoring it after).
    static boolean sharedBOverlap = !"false".equals(System.getProperty("vessels.gemm.sharedBOverlap"));

    /**
     * {@code -Dvessels.gemm.sharedB=true} turns the shared B on; off by default since session 10.
     * It was measured a gain on the 2-vCPU Intel VM where it was written (2 MB L2 a core), and a loss
     * or nothing on session 10's 2-vCPU AMD EPYC Zen 4 (1 MB L2 a core, as on the Zen 5 issue 3 was
     * written on): ResNet152 9–10 % slower with it, ResNeXt152 1–3 %, AlexNet 2–11 %, Darknet53,
     * VGG16, YOLOv3 within 1 %
     * (bench's {@code SwitchProbe}, on and off alternating in one JVM; docs/kernels-benchmarks.md,
     * speed pass 11). Reading half of every B block from the other core's cache, and waiting for it,
     * costs more there than packing all of one operand saves.
     */
    // Not final: bench's SwitchProbe alternates it between predictions, GemmTest turns it on.
    static boolean sharedBOn = "true".equals(System.getProperty("vessels.gemm.sharedB"));

    /**
     * Floats of packing that a barrier costs (~1 µs at ~0.8 ns a packed float): the shared B pays
     * one per B block.
     */
    private static final double BARRIER_FLOATS = 1250;

    /**
     * Whether two threads should split the rows and pack each B block together ({@link #sharedBPart}):
     * each then packs half of B and half of A, where either split alone has one thread pack all of
     * one operand (ResNet's 3×3 convolutions at 16×16: M=256, K=2304, N=256, whose packing is about
     * a fifth of the work). Chosen when the busiest thread's estimated work, one barrier per B block
     * included, is under 0.92 of the better plain split's: every B block is a barrier where the
     * faster thread waits, so a small estimated gain measured as a loss (Darknet53's 3×3 convolutions
     * at 32×32, estimate 0.97: 16.6 → 17.5 ms at two threads). The results are the same bits
     * whichever is taken.
     */
    static boolean sharedB(int m, int n, int k, int kBlocks, int nPanels, int mPanels, boolean im2col) {
        // One block of columns at most: where the estimate ever picks it (maps up to 32×32), measured and tested.
        if (mPanels < 2 || nPanels < 2 || n > NC) return false;
        double b = (double) k * n * (im2col ? 2 : 1), a = (double) m * k, macs = (double) m * n * k;
        double rowShare = (double) ((mPanels + 1) / 2) / mPanels, colShare = (double) ((nPanels + 1) / 2) / nPanels;
        double byColumns = a + b * colShare + macs * colShare / MACS_PER_PACKED_FLOAT;
        double byRows = a * rowShare + b + macs * rowShare / MACS_PER_PACKED_FLOAT;
        long blocks = (long) ((n + NC - 1) / NC) * kBlocks;
        double shared = a * rowShare + b * colShare + macs * rowShare / MACS_PER_PACKED_FLOAT + blocks * BARRIER_FLOATS;
        return shared < 0.92 * Math.min(byColumns, byRows);
    }

    /** The two parts of a shared-B GEMM: their B buffers, and a barrier one part can abort. */
    static final class Pair {
        final Scratch[] scratch = new Scratch[2]; // each part's scratch: B blocks alternate between their b
        final AtomicInteger arrived = new AtomicInteger();
        final int[] passes = new int[2];          // barriers passed, each part its own slot
        volatile boolean aborted;
        // The overlapped schedule's progress: steps packed by part t at [PAD·t], steps computed at
        // [PAD·(2 + t)] (a cache line apart, so one part's updates do not evict the other's).
        final java.util.concurrent.atomic.AtomicIntegerArray progress = new java.util.concurrent.atomic.AtomicIntegerArray(4 * PAD);
        static final int PAD = 16;

        /** Waits until counter {@code slot} of {@link #progress} reaches {@code target}, or the other part failed. */
        void awaitProgress(int slot, int target) {
            for (int spins = 0; progress.get(slot * PAD) < target; spins++) {
                if (aborted) throw new IllegalStateException("the other part of a shared-B GEMM failed");
                if (spins < 1 << 14) Thread.onSpinWait();
                else Thread.yield();
            }
        }

        /** Waits until both parts have arrived here as many times as part {@code t} has. */
        void await(int t) {
            int target = 2 * ++passes[t];
            if (arrived.incrementAndGet() >= target) return;
            for (int spins = 0; arrived.get() < target; spins++) {
                if (aborted) throw new IllegalStateException("the other part of a shared-B GEMM failed");
                if (spins < 1 << 14) Thread.onSpinWait();
                else Thread.yield();
            }
        }
    }

    /**
     * Part {@code t} (of 2) of a shared-B GEMM: rows [i0, i1) of C, its own A panels, and every B
     * block packed half by each part into one part's buffer (alternating, so a part packs the next
     * block while the other still computes with this one), a barrier between packing and use. Each
     * element of C gets the same operations in the same order as in {@link #blocked}.
     */
    private static void sharedBPart(int t, Pair pair, int m, int n, int k, int q0, int q1, float[] a, MemorySegment aSeg,
                                    int aOff, int lda, float[] b, int bOff, int ldb, ConvGeometry g, float[] c, int cOff,
                                    int ldc, boolean accumulate, Epilogue e, int eRow0, int mPanels) {
        Scratch s = SCRATCH.get();
        pair.scratch[t] = s;
        pair.await(t); // both buffers known
        int i0 = Parallel.partStart(mPanels, t, 2) * MR, i1 = Math.min(m, Parallel.partStart(mPanels, t + 1, 2) * MR);
        int kb = kBlocks(k);
        aOff -= kBlockStart(k, q0); // so that A's column p is at aOff + p, as when all of A is given
        int step = 0;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc), ncPanels = (nc + NR - 1) / NR;
            int pa = Parallel.partStart(ncPanels, t, 2), pb = Parallel.partStart(ncPanels, t + 1, 2);
            int j0 = pa * NR, j1 = Math.min(nc, pb * NR);
            for (int q = q0; q < q1; q++, step++) {
                int p0 = kBlockStart(k, q), p1 = kBlockStart(k, q + 1);
                int kc = p1 - p0;
                float[] bp = pair.scratch[step & 1].b;
                packHalf(kc, p0, jc, j0, j1, pa, b, bOff, ldb, g, s, bp);
                pair.await(t); // the block is whole
                boolean overwrite = q == 0 && !accumulate;
                Epilogue fin = q == kb - 1 ? e : null; // only once C is final
                rowBlocks(i0, i1, n, nc, kc, a, aSeg, aOff + p0, lda, bp, 0, 0, c, cOff + jc, ldc, overwrite, s, fin, eRow0);
            }
        }
    }

    /**
     * A part's half of a shared B block: columns [j0, j1) of the block starting at column jc, K rows
     * from p0, packed (B or the im2col of image b) into {@code bp} at panel {@code pa}, where the
     * whole block's packing would put them.
     */
    private static void packHalf(int kc, int p0, int jc, int j0, int j1, int pa, float[] b, int bOff, int ldb, ConvGeometry g,
                                 Scratch s, float[] bp) {
        if (j1 <= j0) return;
        if (g == null) {
            packB(kc, j1 - j0, b, bOff + p0 * ldb + jc + j0, ldb, bp, pa * kc * NR);
        } else {
            packConvB(kc, j1 - j0, p0, jc + j0, b, bOff, g, s, bp, pa * kc * NR);
        }
    }

    /**
     * {@link #sharedBPart} without a barrier: after packing its half of a block, a part multiplies
     * its rows by the panels it packed itself, and only then waits for the other part's half (by
     * then usually packed), so neither waits for the other at every block (ResNet152, two threads:
     * the barriers' waits were 4–7 % of the shared-B layers' time, the caller waiting most, also for
     * the worker to start). A part packs block s + 2 into the buffer of block s once the other part
     * has finished computing block s. Part 1's scratch is seen by part 0 through the first "packed"
     * counter it waits for. Each element of C gets the same operations in the same order as in
     * {@link #blocked}: only the order of the tiles changes.
     */
    private static void sharedBOverlapped(int t, Pair pair, int m, int n, int k, int q0, int q1, float[] a,
                                          MemorySegment aSeg, int aOff, int lda, float[] b, int bOff, int ldb, ConvGeometry g,
                                          float[] c, int cOff, int ldc, boolean accumulate, Epilogue e, int eRow0, int mPanels) {
        Scratch s = SCRATCH.get();
        if (t == 1) pair.scratch[1] = s;
        int o = 1 - t;
        int i0 = Parallel.partStart(mPanels, t, 2) * MR, i1 = Math.min(m, Parallel.partStart(mPanels, t + 1, 2) * MR);
        int kb = kBlocks(k);
        aOff -= kBlockStart(k, q0); // so that A's column p is at aOff + p, as when all of A is given
        int step = 0;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc), ncPanels = (nc + NR - 1) / NR;
            int pa = Parallel.partStart(ncPanels, t, 2), pb = Parallel.partStart(ncPanels, t + 1, 2);
            int j0 = pa * NR, j1 = Math.min(nc, pb * NR);
            for (int q = q0; q < q1; q++, step++) {
                int p0 = kBlockStart(k, q), p1 = kBlockStart(k, q + 1);
                int kc = p1 - p0;
                if (step >= 2) pair.awaitProgress(2 + o, step - 1); // the other is done with block step − 2
                float[] bp = pair.scratch[step & 1].b;
                packHalf(kc, p0, jc, j0, j1, pa, b, bOff, ldb, g, s, bp);
                pair.progress.set(t * Pair.PAD, step + 1);
                boolean overwrite = q == 0 && !accumulate;
                Epilogue fin = q == kb - 1 ? e : null; // only once C is final
                boolean waited = false;
                int ao = aOff + p0, co = cOff + jc;
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    boolean direct = aSeg == null && n < DIRECT_A_MAX_N;
                    if (aSeg != null) {
                        packA(mc, kc, aSeg, ao + ic * lda, lda, s.a);
                    } else if (!direct) {
                        packA(mc, kc, a, ao + ic * lda, lda, s.a);
                    }
                    // Own panels [j0, j1) first, then the other's: [j1, nc) for part 0, [0, j0) for part 1.
                    for (int r = 0; r < 2; r++) {
                        int lo = r == 0 ? j0 : t == 0 ? j1 : 0, hi = r == 0 ? j1 : t == 0 ? nc : j0;
                        if (r == 1 && !waited) {
                            pair.awaitProgress(o, step + 1);
                            waited = true;
                        }
                        if (hi <= lo) continue;
                        if (direct) {
                            macroKernelDirect(mc, lo, hi, kc, a, null, ao + ic * lda, lda, bp, 0, c, co + ic * ldc, ldc, overwrite, s.tile,
                                    s.edgeA, fin, eRow0 + ic);
                        } else {
                            macroKernel(mc, lo, hi, kc, s.a, bp, 0, c, co + ic * ldc, ldc, overwrite, s.tile, fin, eRow0 + ic);
                        }
                    }
                    if (fin != null) fin.residualBlock(c, co + ic * ldc, ldc, mc, nc); // both halves: all nc columns
                }
                if (!waited) pair.awaitProgress(o, step + 1); // no rows here: still see the other's scratch
                pair.progress.set((2 + t) * Pair.PAD, step + 1);
            }
        }
    }

    /**
     * Whether to split the work on column panels (each thread packs its share of B and all of A)
     * or on row panels (its share of A, all of B). The estimate is the busiest thread's work:
     * floats packed, each at its cost ({@link #PLAIN_B_COST}, {@link #IM2COL_B_COST}; a float of A
     * is the unit), plus its multiply-adds at {@link #MACS_PER_PACKED_FLOAT}, the busiest thread's
     * share being its columns (or rows) of the whole, a ragged last panel counted as the columns
     * it has. Packing dominates small GEMMs: DenseNet's 3×3 growth convolutions (M=32, K=1152,
     * N=196) pack 226 K im2col floats to do 7.2 M multiply-adds, so splitting the columns (halving
     * the packing) beats balancing 4 row panels exactly. Either split computes every element of C
     * with the same operations, so the choice never changes results.
     */
    static boolean splitColumns(int m, int n, int k, int threads, int nPanels, int mPanels, boolean im2col) {
        if (nPanels < threads || mPanels < threads) return nPanels >= mPanels;
        double bCost = im2col ? IM2COL_B_COST : coldWeights ? PLAIN_B_COST : 1;
        double b = (double) k * n * bCost, a = (double) m * k, macs = (double) m * n * k;
        double colShare = busiestShare(n, nPanels, NR, threads), rowShare = busiestShare(m, mPanels, MR, threads);
        double byColumns = a + b * colShare + macs * colShare / MACS_PER_PACKED_FLOAT;
        double byRows = a * rowShare + b + macs * rowShare / MACS_PER_PACKED_FLOAT;
        return byColumns <= byRows;
    }

    /**
     * The busiest part's share of {@code count} columns (or rows) split on {@code panels} panels of
     * {@code width}; with {@code -Dvessels.gemm.coldWeights=false}, session 14's count of whole
     * panels, a ragged last panel counted whole.
     */
    private static double busiestShare(int count, int panels, int width, int threads) {
        if (!coldWeights) return (double) ((panels + threads - 1) / threads) / panels;
        int most = 0;
        for (int p = 0; p < threads; p++) {
            int lo = Parallel.partStart(panels, p, threads) * width, hi = Math.min(count, Parallel.partStart(panels, p + 1, threads) * width);
            most = Math.max(most, hi - lo);
        }
        return (double) most / count;
    }

    /**
     * Multiply-adds that cost as much time as packing one float of A (measured on one core: packing
     * A of M=256 K=2304 from memory ~0.8 ns a float, its GEMM ~0.014 ns a multiply-add).
     */
    static final double MACS_PER_PACKED_FLOAT = 48;

    /**
     * What packing one float of B costs, a float of A (the weights, read from memory: a network's
     * weights do not stay cached from one prediction to the next) being 1. A 1×1 convolution's B
     * is its input, just written by the layer before and read from the cache: a third. An im2col
     * float is generated, then copied: two. Fitted on the Zen 4 VM (speed pass 16,
     * docs/kernels-benchmarks.md): with B counted as A, ResNeXt152's 1×1 128 → 1024 at 32×32 split
     * its columns, each thread packing all of A; split by rows it took 1.81–1.87 instead of
     * 2.18–2.21 ms (two threads, best of three launches each, in contended minutes), while the
     * ResNets' and Darknet53's 3×3/2 at 32×32 (an im2col B) were 5–8 % slower split by rows.
     */
    static final double PLAIN_B_COST = 1.0 / 3, IM2COL_B_COST = 2;

    /**
     * {@code -Dvessels.gemm.coldWeights=false}: session 14's estimate (A/B runs): a plain B float
     * costs one of A, and the busiest thread's share is its count of whole panels.
     */
    // Not final: GemmTest checks both estimates.
    static boolean coldWeights = !"false".equals(System.getProperty("vessels.gemm.coldWeights"));

    /** Number of K blocks, and their sizes as equal as possible: a function of K alone. */
    public static int kBlocks(int k) {
        return (k + KC - 1) / KC;
    }

    /** The first of K block q's columns (q = {@link #kBlocks} gives k). */
    public static int kBlockStart(int k, int q) {
        return (int) ((long) k * q / kBlocks(k));
    }

    /**
     * Whether {@link #gemmBlocks} and {@link #convBlocks} serve a GEMM with {@code n} columns: not
     * below one vector's width, where the narrow path keeps each sum in a register over all of K.
     */
    public static boolean servesKBlocks(int n) {
        return n >= NARROW_N;
    }

    /**
     * Part of a {@link #gemm}: the contribution of K blocks [q0, q1) only ({@link #kBlocks},
     * {@link #kBlockStart}), A being just those columns ({@code lda} apart; column
     * {@code kBlockStart(k, q0)} at {@code aOff}). C is overwritten by the first block when
     * {@code q0 == 0 && !accumulate}, else added to; {@code e} runs once C is final, with the last
     * block. Calling it for consecutive ranges that cover all blocks gives bit for bit what one
     * {@code gemm} call gives: the same operations on every element of C, in the same order. So a
     * weight matrix too large for a parameter slot can be served a block of columns at a time, every
     * row at once, and B is still packed only once per block (served by rows, each piece of rows
     * would pack all of B again).
     */
    public static void gemmBlocks(int m, int n, int k, int q0, int q1, float[] a, int aOff, int lda, float[] b, int bOff,
                                  int ldb, float[] c, int cOff, int ldc, boolean accumulate, Parallel par, Epilogue e,
                                  int eRow0) {
        checkBlocks(n, k, q0, q1);
        if (m <= 0 || n <= 0 || q0 == q1) return;
        split(m, n, k, q0, q1, a, null, aOff, lda, b, bOff, ldb, null, c, cOff, ldc, accumulate, par, e, eRow0);
    }

    /** {@link #conv}'s part for K blocks [q0, q1), as {@link #gemmBlocks} is {@link #gemm}'s. */
    public static void convBlocks(int m, int q0, int q1, float[] a, int aOff, int lda, ConvGeometry g, float[] im,
                                  int imOff, float[] c, int cOff, int ldc, boolean accumulate, Parallel par, Epilogue e,
                                  int eRow0) {
        int n = g.oh() * g.ow(), k = g.c() * g.kh() * g.kw();
        checkBlocks(n, k, q0, q1);
        if (m <= 0 || n <= 0 || q0 == q1) return;
        split(m, n, k, q0, q1, a, null, aOff, lda, im, imOff, 0, g, c, cOff, ldc, accumulate, par, e, eRow0);
    }

    private static void checkBlocks(int n, int k, int q0, int q1) {
        if (k <= 0 || q0 < 0 || q1 < q0 || q1 > kBlocks(k)) {
            throw new IllegalArgumentException("K blocks [" + q0 + ", " + q1 + ") of k = " + k + " (" + kBlocks(k) + " blocks)");
        }
        if (!servesKBlocks(n)) throw new IllegalArgumentException(n + " columns: below " + NARROW_N + ", use gemm");
    }

    /**
     * The single-threaded blocked GEMM over one rectangle of C. With {@code g != null}, B is the
     * im2col of image {@code b} at {@code bOff}, and this rectangle starts at its column {@code col0}.
     */
    private static void blocked(int m, int n, int k, int q0, int q1, float[] a, MemorySegment aSeg, int aOff, int lda,
                                float[] b, int bOff, int ldb, ConvGeometry g, int col0, float[] c, int cOff, int ldc,
                                boolean accumulate, Epilogue e, int eRow0) {
        Scratch s = SCRATCH.get();
        int kb = kBlocks(k);
        aOff -= kBlockStart(k, q0); // so that A's column p is at aOff + p, as when all of A is given
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int ncPad = (nc + NR - 1) / NR * NR;
            if (kInner && q1 - q0 > 1 && kInnerFits(nc, kBlockStart(k, q1) - kBlockStart(k, q0))) {
                kBlocksInner(m, n, nc, ncPad, k, q0, q1, a, aSeg, aOff, lda, b, bOff, ldb, g, col0, jc, c, cOff, ldc, accumulate,
                        e, eRow0, s);
                continue;
            }
            boolean inPlace = directB(g, m, n, nc, ldb);
            for (int q = q0; q < q1; q++) {
                int p0 = kBlockStart(k, q), p1 = kBlockStart(k, q + 1);
                int kc = p1 - p0;
                boolean overwrite = q == 0 && !accumulate;
                Epilogue fin = q == kb - 1 ? e : null; // only once C is final
                if (inPlace) {
                    rowBlocks(0, m, n, nc, kc, a, aSeg, aOff + p0, lda, b, bOff + p0 * ldb + jc, ldb, c, cOff + jc, ldc, overwrite,
                            s, fin, eRow0);
                    continue;
                }
                if (g == null) {
                    packB(kc, nc, b, bOff + p0 * ldb + jc, ldb, s.b);
                } else {
                    packConvB(kc, nc, p0, col0 + jc, b, bOff, g, s, s.b, 0);
                }
                rowBlocks(0, m, n, nc, kc, a, aSeg, aOff + p0, lda, s.b, 0, 0, c, cOff + jc, ldc, overwrite, s, fin, eRow0);
            }
        }
    }

    /** {@code -Dvessels.gemm.kInner=false}: K blocks outermost even where all of B's fit the scratch (A/B runs). */
    static boolean kInner = !"false".equals(System.getProperty("vessels.gemm.kInner"));

    /** Whether the packed B of {@code depth} rows of K and {@code nc} columns (one column block) fits the scratch. */
    static boolean kInnerFits(int nc, int depth) {
        return (long) depth * ((nc + NR - 1) / NR * NR) <= (long) KC * NC;
    }

    /**
     * {@link #blocked}'s column block at {@code jc} (nc columns, {@code ncPad} with the last panel's
     * padding) when the packed B of all its K blocks [q0, q1) fits the scratch (narrow maps: N = 64
     * up to K = 4096): B packed once, block after block ({@code (p0 − base)·ncPad} floats in), then
     * per MC block of rows every K block in order. So each block of A rows (the weights, read from
     * memory) is read as one run of whole rows instead of one K block's piece of every row per pass
     * over B. Every element of C gets the same operations in the same order as in {@link #blocked}:
     * per K block an FMA chain, the blocks in order, the epilogue with the last.
     */
    private static void kBlocksInner(int m, int n, int nc, int ncPad, int k, int q0, int q1, float[] a, MemorySegment aSeg,
                                     int aOff, int lda, float[] b, int bOff, int ldb, ConvGeometry g, int col0, int jc,
                                     float[] c, int cOff, int ldc, boolean accumulate, Epilogue e, int eRow0, Scratch s) {
        int kb = kBlocks(k), base = kBlockStart(k, q0);
        boolean inPlace = directB(g, m, n, nc, ldb);
        for (int q = q0; q < q1 && !inPlace; q++) {
            int p0 = kBlockStart(k, q), kc = kBlockStart(k, q + 1) - p0, d = (p0 - base) * ncPad;
            if (g == null) {
                packB(kc, nc, b, bOff + p0 * ldb + jc, ldb, s.b, d);
            } else {
                packConvB(kc, nc, p0, col0 + jc, b, bOff, g, s, s.b, d);
            }
        }
        boolean direct = aSeg == null && n < DIRECT_A_MAX_N;
        for (int ic = 0; ic < m; ic += MC) {
            int mc = Math.min(MC, m - ic), co = cOff + jc + ic * ldc;
            for (int q = q0; q < q1; q++) {
                int p0 = kBlockStart(k, q), kc = kBlockStart(k, q + 1) - p0, d = (p0 - base) * ncPad;
                int ao = aOff + p0 + ic * lda; // aOff: A's column 0 (blocked shifted it)
                boolean overwrite = q == 0 && !accumulate;
                Epilogue fin = q == kb - 1 ? e : null;
                if (direct) {
                    macroKernelDirect(mc, 0, nc, kc, a, null, ao, lda, s.b, d, c, co, ldc, overwrite, s.tile, s.edgeA, fin, eRow0 + ic);
                } else if (aSeg != null && n < DIRECT_A_MAX_N && segmentDirect(nc)) {
                    macroKernelDirect(mc, 0, nc, kc, null, aSeg, ao, lda, s.b, d, c, co, ldc, overwrite, s.tile, s.edgeA, fin, eRow0 + ic);
                } else {
                    packA(mc, kc, a, aSeg, ao, lda, s.a);
                    if (inPlace) {
                        macroKernelB(mc, nc, kc, s.a, b, bOff + p0 * ldb + jc, ldb, c, co, ldc, overwrite, s.tile, fin, eRow0 + ic);
                    } else {
                        macroKernel(mc, 0, nc, kc, s.a, s.b, d, c, co, ldc, overwrite, s.tile, fin, eRow0 + ic);
                    }
                }
                if (fin != null) fin.residualBlock(c, co, ldc, mc, nc);
            }
        }
    }

    /**
     * Rows [i0, i1) of C (+)= A · one B block (kc rows, nc columns), MC rows at a time: A's row i,
     * column p of the block at {@code aOff + i·lda + p}, C's row i at {@code cOff + i·ldc}. B is
     * packed ({@code ldb} 0: {@code bp} from {@code bp0}) or read in place ({@link #directB}: its row
     * p at {@code bp0 + p·ldb}). A in a segment (a mapped weights file) is always packed, whatever n:
     * its bytes are read once, here, rather than copied to a slot and read again; a float[] A is
     * read in place below {@link #DIRECT_A_MAX_N} columns ({@code n}: the whole GEMM's), else
     * packed. The same FMA chains whichever way.
     */
    private static void rowBlocks(int i0, int i1, int n, int nc, int kc, float[] a, MemorySegment aSeg, int aOff, int lda,
                                  float[] bp, int bp0, int ldb, float[] c, int cOff, int ldc, boolean overwrite, Scratch s,
                                  Epilogue fin, int eRow0) {
        for (int ic = i0; ic < i1; ic += MC) {
            int mc = Math.min(MC, i1 - ic);
            if (aSeg == null && n < DIRECT_A_MAX_N) { // never with B read in place (ldb > 0)
                macroKernelDirect(mc, nc, kc, a, aOff + ic * lda, lda, bp, c, cOff + ic * ldc, ldc, overwrite, s.tile, s.edgeA,
                        fin, eRow0 + ic);
            } else if (aSeg != null && n < DIRECT_A_MAX_N && segmentDirect(nc)) {
                macroKernelDirect(mc, 0, nc, kc, null, aSeg, aOff + ic * lda, lda, bp, 0, c, cOff + ic * ldc, ldc, overwrite,
                        s.tile, s.edgeA, fin, eRow0 + ic);
            } else {
                packA(mc, kc, a, aSeg, aOff + ic * lda, lda, s.a);
                if (ldb > 0) {
                    macroKernelB(mc, nc, kc, s.a, bp, bp0, ldb, c, cOff + ic * ldc, ldc, overwrite, s.tile, fin, eRow0 + ic);
                } else {
                    macroKernel(mc, 0, nc, kc, s.a, bp, bp0, c, cOff + ic * ldc, ldc, overwrite, s.tile, fin, eRow0 + ic);
                }
            }
            if (fin != null) fin.residualBlock(c, cOff + ic * ldc, ldc, mc, nc);
        }
    }

    /** Packs B[kc×nc] into NR-wide panels, each [kc][NR], zero-padding the last panel's columns. */
    static void packB(int kc, int nc, float[] b, int bOff, int ldb, float[] dst) {
        packB(kc, nc, b, bOff, ldb, dst, 0);
    }

    /** {@link #packB} into {@code dst} from {@code dstOff} (a range of a block's panels). */
    static void packB(int kc, int nc, float[] b, int bOff, int ldb, float[] dst, int dstOff) {
        // Row by row, so the source is read sequentially (B may be a huge im2col matrix); each row
        // scatters NR-float pieces to the panels, which stay cache-resident.
        int full = nc / NR * NR, w = nc - full, panel = kc * NR;
        for (int p = 0; p < kc; p++) {
            int src = bOff + p * ldb, d = dstOff + p * NR;
            for (int j = 0; j < full; j += NR, d += panel) {
                FloatVector.fromArray(S, b, src + j).intoArray(dst, d);
                FloatVector.fromArray(S, b, src + j + L).intoArray(dst, d + L);
            }
            if (w > 0) {
                System.arraycopy(b, src + full, dst, d, w);
                java.util.Arrays.fill(dst, d + w, d + NR, 0f);
            }
        }
    }

    /** {@code -Dvessels.gemm.maskedIm2col=false} packs every im2col block through the row buffer (A/B runs). */
    private static final boolean MASKED_IM2COL = !"false".equals(System.getProperty("vessels.gemm.maskedIm2col"));

    /** Whether {@link #packShifted} serves geometry {@code g}: stride 1, output as wide as the input. */
    static boolean shiftedFits(ConvGeometry g) {
        return g.sh() == 1 && g.sw() == 1 && g.ow() == g.w() && g.kh() <= SHIFT_MAX_K && g.kw() <= SHIFT_MAX_K;
    }

    /** Packs an im2col block: {@link #packShifted} where it serves, else {@link #packIm2col}; the same panels. */
    private static void packConvB(int kc, int nc, int p0, int col0, float[] im, int imOff, ConvGeometry g, Scratch s,
                                  float[] dst, int dstOff) {
        if (MASKED_IM2COL && shiftedFits(g)) {
            packShifted(kc, nc, p0, col0, im, imOff, g, s.masks, dst, dstOff);
        } else {
            packIm2col(kc, nc, p0, col0, im, imOff, g, s.row, dst, dstOff);
        }
    }

    /** Bits [lo, hi) of a lane mask (none when hi <= lo; 0 <= lo, hi <= L). */
    private static int laneBits(int lo, int hi) {
        return hi <= lo ? 0 : (int) ((1L << hi) - (1L << lo));
    }

    /**
     * {@link #packIm2col} for stride-1 geometries whose output is as wide as the input (3×3 pad 1,
     * 5×5 pad 2, …), straight from the image into the panels, one vector at a time: im2col row
     * (ch, i, j) at column col is the plane at col + (i − ph)·w + (j − pw) wherever the input row
     * and column lie inside, else 0, so each vector of a panel row is one contiguous load, masked
     * where lanes fall outside (or past the block's last column: the panel's zero padding). The
     * masks depend on (i, vector) and (j, vector) only, so they are made once per block into
     * {@code masks} ([kh + kw][vectors]). Why: the row-buffer path spends ~0.3 ns a float on small
     * maps in per-output-row bookkeeping (16×16: an arraycopy and two scalar zero loops per 16
     * floats) and copies every value twice; VGG16's second layer (M = 64) spent about half its time
     * packing. Masked-off lanes load as +0.0f, what the plain path writes: the same panels, bit for bit.
     */
    static void packShifted(int kc, int nc, int p0, int col0, float[] im, int imOff, ConvGeometry g, int[] masks,
                            float[] dst, int dstOff) {
        int h = g.h(), w = g.w(), kh = g.kh(), kw = g.kw(), ph = g.ph(), pw = g.pw(), taps = kh * kw, plane = h * w;
        int nv = 2 * ((nc + NR - 1) / NR), panel = kc * NR, end = col0 + nc;
        for (int v = 0; v < nv; v++) {
            int c0 = col0 + v * L, c1 = Math.min(c0 + L, end); // lanes [0, c1 − c0) lie in the block
            for (int i = 0; i < kh; i++) {
                // Output rows oy with oy + i − ph in [0, h): columns [(ph − i)·w, (h + ph − i)·w).
                int lo = Math.max(c0, (ph - i) * w), hi = Math.min(c1, (h + ph - i) * w);
                masks[i * nv + v] = laneBits(lo - c0, hi - c0);
            }
            for (int j = 0; j < kw; j++) {
                int dx = j - pw, bits = laneBits(0, c1 - c0);
                if (dx != 0 && c1 > c0) {
                    // Clear the lanes whose input column ox + dx leaves [0, w): the first −dx or the
                    // last dx columns of every output row the vector touches.
                    for (int rs = c0 / w * w; rs < c1; rs += w) {
                        int lo = dx < 0 ? rs : rs + w - dx, hi = dx < 0 ? rs - dx : rs + w;
                        bits &= ~laneBits(Math.max(lo, c0) - c0, Math.min(hi, c1) - c0);
                    }
                }
                masks[(kh + j) * nv + v] = bits;
            }
        }
        // Per row p of the block: its source offset at col0, and where its row and column masks start.
        int tb = (kh + kw) * nv;
        for (int p = 0; p < kc; p++) {
            int tap = p0 + p, ch = tap / taps, i = tap % taps / kw, j = tap % kw;
            masks[tb + 3 * p] = imOff + ch * plane + (i - ph) * w + (j - pw) + col0;
            masks[tb + 3 * p + 1] = i * nv;
            masks[tb + 3 * p + 2] = (kh + j) * nv;
        }
        // Panel by panel, so the writes are sequential.
        for (int v = 0, d = dstOff; v < nv; v += 2, d += panel) {
            int off = v * L;
            for (int p = 0, q = tb, o = d; p < kc; p++, q += 3, o += NR) {
                int src = masks[q] + off, ri = masks[q + 1] + v, ci = masks[q + 2] + v;
                int b0 = masks[ri] & masks[ci], b1 = masks[ri + 1] & masks[ci + 1];
                FloatVector.fromArray(S, im, src, VectorMask.fromLong(S, b0)).intoArray(dst, o);
                FloatVector.fromArray(S, im, src + L, VectorMask.fromLong(S, b1)).intoArray(dst, o + L);
            }
        }
    }

    /**
     * Packs rows [p0, p0+kc) × columns [col0, col0+nc) of im2col(image) into NR-wide panels, like
     * {@link #packB}: each row segment is generated into {@code row} (copies of the image for the
     * taps inside it, zeros for the padding; the same values {@link Im2col#im2col} writes), then
     * scattered to the panels. Stride-1 "same" convolutions build the row with {@link #shiftedRow}
     * (packing 2–2.6× faster at 13×13–27×27, 1.5× at 56×56; one thread, best of 200).
     */
    static void packIm2col(int kc, int nc, int p0, int col0, float[] im, int imOff, ConvGeometry g, float[] row,
                           float[] dst) {
        packIm2col(kc, nc, p0, col0, im, imOff, g, row, dst, 0);
    }

    /** {@link #packIm2col} into {@code dst} from {@code dstOff} (a range of a block's panels). */
    static void packIm2col(int kc, int nc, int p0, int col0, float[] im, int imOff, ConvGeometry g, float[] row,
                           float[] dst, int dstOff) {
        int h = g.h(), w = g.w(), kh = g.kh(), kw = g.kw(), sh = g.sh(), sw = g.sw(), ph = g.ph(), pw = g.pw();
        int ow = g.ow(), taps = kh * kw;
        int full = nc / NR * NR, rem = nc - full, panel = kc * NR;
        // Stride 1 with "same" width (3×3 pad 1, 5×5 pad 2, 1×1): output column col reads the plane
        // at col + a constant shift, so a row is one contiguous copy plus a few border zeros.
        boolean shifted = sh == 1 && sw == 1 && ow == w;
        boolean pairs = stride2Pairs && sh == 2 && sw == 2 && 2 * ow == L && col0 % L == 0 && nc % L == 0;
        for (int p = 0; p < kc; p++) {
            int tap = p0 + p, ch = tap / taps, i = tap % taps / kw, j = tap % kw;
            // Output columns whose input x = ox·sw − pw + j lies inside [0, w): [oxLo, oxHi).
            int oxLo = Math.min(ow, -Math.floorDiv(-Math.max(0, pw - j), sw));
            int oxHi = Math.max(oxLo, Math.min(ow, Math.floorDiv(w - 1 + pw - j, sw) + 1));
            int plane = imOff + ch * h * w;
            if (shifted) {
                shiftedRow(nc, col0, im, plane, h, w, i - ph, j - pw, oxLo, oxHi, row);
            } else if (pairs) {
                stride2Pairs(nc, col0, im, plane, h, w, i - ph, j - pw, oxLo, oxHi, row);
            } else {
                for (int col = col0, end = col0 + nc; col < end; ) {
                    int oy = col / ow, ox0 = col - oy * ow, ox1 = Math.min(ow, ox0 + end - col);
                    int q = col - col0; // position of ox0 in row
                    int y = oy * sh - ph + i;
                    if (y < 0 || y >= h) {
                        java.util.Arrays.fill(row, q, q + ox1 - ox0, 0f);
                    } else {
                        int lo = Math.max(ox0, oxLo), hi = Math.min(ox1, oxHi);
                        if (hi <= lo) {
                            java.util.Arrays.fill(row, q, q + ox1 - ox0, 0f);
                        } else {
                            if (lo > ox0) java.util.Arrays.fill(row, q, q + lo - ox0, 0f);
                            int src = plane + y * w + lo * sw - pw + j, d = q + lo - ox0;
                            if (sw == 1) {
                                System.arraycopy(im, src, row, d, hi - lo);
                            } else {
                                int ox = lo;
                                int[] idx = sw < GATHER.length ? GATHER[sw] : null;
                                if (sw == 2 && evenLanes) {
                                    // Stride 2 (Darknet53's and ResNet's downsampling 3×3s, ResNet's 7×7):
                                    // two contiguous loads and one two-vector permute of their even
                                    // lanes per L values, where the second load stays inside the array.
                                    for (int last = im.length - 2 * L; ox + L <= hi && src <= last; ox += L, src += 2 * L, d += L) {
                                        FloatVector.fromArray(S, im, src).rearrange(EVEN, FloatVector.fromArray(S, im, src + L)).intoArray(row, d);
                                    }
                                }
                                if (idx != null) {
                                    // AlexNet's 11×11 stride-4 taps: L strided values per gather.
                                    for (; ox + L <= hi; ox += L, src += L * sw, d += L) {
                                        FloatVector.fromArray(S, im, src, idx, 0).intoArray(row, d);
                                    }
                                }
                                for (; ox < hi; ox++, src += sw) row[d++] = im[src];
                            }
                            if (hi < ox1) java.util.Arrays.fill(row, q + hi - ox0, q + ox1 - ox0, 0f);
                        }
                    }
                    col += ox1 - ox0;
                }
            }
            int d = dstOff + p * NR;
            for (int jj = 0; jj < full; jj += NR, d += panel) {
                FloatVector.fromArray(S, row, jj).intoArray(dst, d);
                FloatVector.fromArray(S, row, jj + L).intoArray(dst, d + L);
            }
            if (rem > 0) {
                System.arraycopy(row, full, dst, d, rem);
                java.util.Arrays.fill(dst, d + rem, d + NR, 0f);
            }
        }
    }

    /**
     * {@code -Dvessels.gemm.stride2Pairs=false}: stride-2 im2col rows of half-vector output rows
     * (8 wide: the last stage's 3×3/2 at 16×16 → 8×8) copied a value at a time instead of two rows
     * a vector (A/B runs). Not final: GemmTest runs both ways.
     */
    static boolean stride2Pairs = !"false".equals(System.getProperty("vessels.gemm.stride2Pairs"));

    /**
     * One im2col row segment, columns [col0, col0+nc) (both multiples of L), of a stride-2
     * convolution whose output rows are L/2 wide: output rows oy and oy + 1 in one vector, the even
     * lanes of input rows 2·oy + dy and 2·oy + 2 + dy from column dx (one two-vector permute), lanes
     * whose input column lies outside [oxLo, oxHi) or whose input row lies outside the image set to
     * 0 — the values {@link #packIm2col}'s general loop writes a value at a time there (its vector
     * path needs L outputs in a row). Rows whose loads would leave the array go that way too.
     */
    private static void stride2Pairs(int nc, int col0, float[] im, int plane, int h, int w, int dy, int dx, int oxLo,
                                     int oxHi, float[] row) {
        int half = L / 2;
        long cols = oxHi > oxLo ? (1L << oxHi) - (1L << oxLo) : 0; // valid lanes of one output row
        FloatVector even = FloatVector.fromArray(S, EVEN_LANES, 0), zero = FloatVector.zero(S);
        for (int col = col0, q = 0; col < col0 + nc; col += L, q += L) {
            int oy = col / half, y0 = 2 * oy + dy, y1 = y0 + 2;
            int s0 = plane + y0 * w + dx, s1 = s0 + 2 * w;
            boolean in0 = y0 >= 0 && y0 < h, in1 = y1 >= 0 && y1 < h;
            if (s0 < 0 || s1 + L > im.length || (!in0 && !in1)) {
                // at the array's ends, or both rows outside: a value at a time
                for (int l = 0; l < L; l++) {
                    int y = l < half ? y0 : y1, ox = l % half, x = 2 * ox + dx;
                    row[q + l] = y >= 0 && y < h && ox >= oxLo && ox < oxHi ? im[plane + y * w + x] : 0f;
                }
                continue;
            }
            long bits = (in0 ? cols : 0) | (in1 ? cols << half : 0);
            FloatVector v = even.selectFrom(FloatVector.fromArray(S, im, s0), FloatVector.fromArray(S, im, s1));
            zero.blend(v, VectorMask.fromLong(S, bits)).intoArray(row, q);
        }
    }

    /**
     * One im2col row segment, columns [col0, col0+nc), when sh = sw = 1 and ow = w: column col
     * (output y·w + x) reads the plane at col + dy·w + dx (dy = i − ph, dx = j − pw) if its input
     * row and column lie inside the image, else 0 — the values {@link #packIm2col}'s general
     * loop writes, with one {@code arraycopy} for all the output rows whose input row is inside
     * instead of one per output row (13-float pieces at 13×13), then the columns whose input x is
     * outside ([0, oxLo) and [oxHi, w) of each such row) set to 0.
     */
    private static void shiftedRow(int nc, int col0, float[] im, int plane, int h, int w, int dy, int dx, int oxLo,
                                   int oxHi, float[] row) {
        int end = col0 + nc;
        // Columns whose input row oy + dy lies inside [0, h): whole output rows.
        int vLo = Math.max(col0, -dy * w), vHi = Math.min(end, (h - dy) * w);
        if (vHi <= vLo) {
            java.util.Arrays.fill(row, 0, nc, 0f);
            return;
        }
        if (vLo > col0) java.util.Arrays.fill(row, 0, vLo - col0, 0f);
        if (vHi < end) java.util.Arrays.fill(row, vHi - col0, nc, 0f);
        // Copy what lies inside the plane; the columns cut off here (before its first or after its
        // last float) have their input x outside the image and are zeroed below with the others.
        int shift = dy * w + dx;
        int a = Math.max(vLo, -shift), b = Math.min(vHi, h * w - shift);
        if (b > a) System.arraycopy(im, plane + a + shift, row, a - col0, b - a);
        if (oxLo == 0 && oxHi == w) return;
        for (int rowStart = vLo / w * w; rowStart < vHi; rowStart += w) {
            for (int c = Math.max(vLo, rowStart), e = Math.min(vHi, rowStart + oxLo); c < e; c++) row[c - col0] = 0f;
            for (int c = Math.max(vLo, rowStart + oxHi), e = Math.min(vHi, rowStart + w); c < e; c++) row[c - col0] = 0f;
        }
    }

    /**
     * Lanes 0, 2, …, 2L − 2 of two vectors (indices past L wrap to the second one): a stride-2 row
     * from two contiguous loads. On the Zen 4 VM the 16-lane gather it replaces packed Darknet53's
     * first stride-2 layer at 1.1 ns a float, about as long as its multiply-adds took
     * (docs/kernels-benchmarks.md, speed pass 11). {@code -Dvessels.gemm.evenLanes=false}: the gather.
     */
    private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(S, l -> 2 * l);
    static final float[] EVEN_LANES = laneIndices(l -> 2 * l); // as selectFrom wants them (Winograd's too)
    // Not final: bench's SwitchProbe alternates it between predictions.
    static boolean evenLanes = !"false".equals(System.getProperty("vessels.gemm.evenLanes"));

    /** Gather index maps {0, s, 2s, …} for strides s = 2…8 (entries 0 and 1 unused). */
    private static final int[][] GATHER = new int[9][];

    static {
        for (int sw = 2; sw < GATHER.length; sw++) {
            GATHER[sw] = new int[L];
            for (int l = 0; l < L; l++) GATHER[sw][l] = l * sw;
        }
    }

    /**
     * Lane indices for {@code indices.selectFrom(first, second)}: lane l holds {@code index(l)}, where
     * 0 … L − 1 pick the first vector's lanes and L … 2L − 1 the second's. One two-vector permute,
     * where {@code rearrange(shuffle, second)} is two and a blend (Winograd's transforms, pooling).
     */
    static float[] laneIndices(java.util.function.IntUnaryOperator index) {
        float[] f = new float[L];
        for (int l = 0; l < L; l++) f[l] = index.applyAsInt(l);
        return f;
    }

    // Lane indices of the packA transpose (0-15: first vector, 16-31: second), as selectFrom wants them.
    private static final float[] T1_LO = {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23};
    private static final float[] T1_HI = {8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
    private static final float[] T2_LO = {0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23};
    private static final float[] T2_HI = {8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31};
    private static final float[] T3_LO = {0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23};
    private static final float[] T3_HI = {8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31};

    /** {@link #packA} from {@code aSeg} when it is not null, else from {@code a}. */
    private static void packA(int mc, int kc, float[] a, MemorySegment aSeg, int aOff, int lda, float[] dst) {
        if (aSeg != null) {
            packA(mc, kc, aSeg, aOff, lda, dst);
        } else {
            packA(mc, kc, a, aOff, lda, dst);
        }
    }

    /** Packs A[mc×kc] into MR-row panels, each [kc][MR], zero-padding the last panel's rows. */
    static void packA(int mc, int kc, float[] a, int aOff, int lda, float[] dst) {
        int d = 0;
        for (int i = 0; i < mc; i += MR) {
            int h = Math.min(MR, mc - i);
            int r0 = aOff + i * lda;
            if (h == MR) {
                // Eight sequential read streams, one sequential write stream.
                int r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda, r4 = r3 + lda, r5 = r4 + lda, r6 = r5 + lda,
                        r7 = r6 + lda;
                int p = 0;
                if (L == 16) {
                    // 16 columns of the 8 rows at a time: an 8×16 → 16×8 transpose in registers,
                    // three rounds of two-vector permutes (vpermt2ps), then 8 full-vector stores.
                    FloatVector i1lo = FloatVector.fromArray(S, T1_LO, 0), i1hi = FloatVector.fromArray(S, T1_HI, 0);
                    FloatVector i2lo = FloatVector.fromArray(S, T2_LO, 0), i2hi = FloatVector.fromArray(S, T2_HI, 0);
                    FloatVector i3lo = FloatVector.fromArray(S, T3_LO, 0), i3hi = FloatVector.fromArray(S, T3_HI, 0);
                    for (; p + 16 <= kc; p += 16, d += 16 * MR) {
                        FloatVector v0 = FloatVector.fromArray(S, a, r0 + p), v1 = FloatVector.fromArray(S, a, r1 + p);
                        FloatVector v2 = FloatVector.fromArray(S, a, r2 + p), v3 = FloatVector.fromArray(S, a, r3 + p);
                        FloatVector v4 = FloatVector.fromArray(S, a, r4 + p), v5 = FloatVector.fromArray(S, a, r5 + p);
                        FloatVector v6 = FloatVector.fromArray(S, a, r6 + p), v7 = FloatVector.fromArray(S, a, r7 + p);
                        // Round 1: rows pairwise interleaved; 64-bit unit q of aXlo is (row, row+1) at column q.
                        FloatVector a0l = i1lo.selectFrom(v0, v1), a0h = i1hi.selectFrom(v0, v1);
                        FloatVector a1l = i1lo.selectFrom(v2, v3), a1h = i1hi.selectFrom(v2, v3);
                        FloatVector a2l = i1lo.selectFrom(v4, v5), a2h = i1hi.selectFrom(v4, v5);
                        FloatVector a3l = i1lo.selectFrom(v6, v7), a3h = i1hi.selectFrom(v6, v7);
                        // Round 2: 64-bit units of two pairs interleaved: 128-bit unit q holds rows 0-3 (or 4-7) at a column.
                        FloatVector b00 = i2lo.selectFrom(a0l, a1l), b01 = i2hi.selectFrom(a0l, a1l); // rows 0-3, columns 0-3, 4-7
                        FloatVector b02 = i2lo.selectFrom(a0h, a1h), b03 = i2hi.selectFrom(a0h, a1h); // columns 8-11, 12-15
                        FloatVector b10 = i2lo.selectFrom(a2l, a3l), b11 = i2hi.selectFrom(a2l, a3l); // rows 4-7
                        FloatVector b12 = i2lo.selectFrom(a2h, a3h), b13 = i2hi.selectFrom(a2h, a3h);
                        // Round 3: 128-bit units of rows 0-3 and 4-7 interleaved: two columns of 8 rows per vector.
                        i3lo.selectFrom(b00, b10).intoArray(dst, d);
                        i3hi.selectFrom(b00, b10).intoArray(dst, d + 16);
                        i3lo.selectFrom(b01, b11).intoArray(dst, d + 32);
                        i3hi.selectFrom(b01, b11).intoArray(dst, d + 48);
                        i3lo.selectFrom(b02, b12).intoArray(dst, d + 64);
                        i3hi.selectFrom(b02, b12).intoArray(dst, d + 80);
                        i3lo.selectFrom(b03, b13).intoArray(dst, d + 96);
                        i3hi.selectFrom(b03, b13).intoArray(dst, d + 112);
                    }
                }
                for (; p < kc; p++, d += MR) {
                    dst[d] = a[r0 + p];
                    dst[d + 1] = a[r1 + p];
                    dst[d + 2] = a[r2 + p];
                    dst[d + 3] = a[r3 + p];
                    dst[d + 4] = a[r4 + p];
                    dst[d + 5] = a[r5 + p];
                    dst[d + 6] = a[r6 + p];
                    dst[d + 7] = a[r7 + p];
                }
            } else {
                for (int p = 0; p < kc; p++, d += MR) {
                    for (int r = 0; r < MR; r++) dst[d + r] = r < h ? a[r0 + r * lda + p] : 0f;
                }
            }
        }
    }

    /**
     * {@link #packA} from a segment of little-endian floats (A's float (i, p) at byte
     * {@code 4·(aOff + i·lda + p)}): the same panels, the same 8×16 register transpose, the loads
     * from the segment instead of an array. A twin rather than a shared body so each keeps its own
     * C2 profile (the float[] one is the resident executor's hot path).
     */
    static void packA(int mc, int kc, MemorySegment a, int aOff, int lda, float[] dst) {
        int d = 0;
        for (int i = 0; i < mc; i += MR) {
            int h = Math.min(MR, mc - i);
            long r0 = (long) (aOff + i * lda) * Float.BYTES;
            if (h == MR) {
                long ld = (long) lda * Float.BYTES;
                long r1 = r0 + ld, r2 = r1 + ld, r3 = r2 + ld, r4 = r3 + ld, r5 = r4 + ld, r6 = r5 + ld, r7 = r6 + ld;
                int p = 0;
                if (L == 16) {
                    FloatVector i1lo = FloatVector.fromArray(S, T1_LO, 0), i1hi = FloatVector.fromArray(S, T1_HI, 0);
                    FloatVector i2lo = FloatVector.fromArray(S, T2_LO, 0), i2hi = FloatVector.fromArray(S, T2_HI, 0);
                    FloatVector i3lo = FloatVector.fromArray(S, T3_LO, 0), i3hi = FloatVector.fromArray(S, T3_HI, 0);
                    for (; p + 16 <= kc; p += 16, d += 16 * MR) {
                        long q = (long) p * Float.BYTES;
                        FloatVector v0 = FloatVector.fromMemorySegment(S, a, r0 + q, ByteOrder.LITTLE_ENDIAN);
                        FloatVector v1 = FloatVector.fromMemorySegment(S, a, r1 + q, ByteOrder.LITTLE_ENDIAN);
                        FloatVector v2 = FloatVector.fromMemorySegment(S, a, r2 + q, ByteOrder.LITTLE_ENDIAN);
                        FloatVector v3 = FloatVector.fromMemorySegment(S, a, r3 + q, ByteOrder.LITTLE_ENDIAN);
                        FloatVector v4 = FloatVector.fromMemorySegment(S, a, r4 + q, ByteOrder.LITTLE_ENDIAN);
                        FloatVector v5 = FloatVector.fromMemorySegment(S, a, r5 + q, ByteOrder.LITTLE_ENDIAN);
                        FloatVector v6 = FloatVector.fromMemorySegment(S, a, r6 + q, ByteOrder.LITTLE_ENDIAN);
                        FloatVector v7 = FloatVector.fromMemorySegment(S, a, r7 + q, ByteOrder.LITTLE_ENDIAN);
                        FloatVector a0l = i1lo.selectFrom(v0, v1), a0h = i1hi.selectFrom(v0, v1);
                        FloatVector a1l = i1lo.selectFrom(v2, v3), a1h = i1hi.selectFrom(v2, v3);
                        FloatVector a2l = i1lo.selectFrom(v4, v5), a2h = i1hi.selectFrom(v4, v5);
                        FloatVector a3l = i1lo.selectFrom(v6, v7), a3h = i1hi.selectFrom(v6, v7);
                        FloatVector b00 = i2lo.selectFrom(a0l, a1l), b01 = i2hi.selectFrom(a0l, a1l);
                        FloatVector b02 = i2lo.selectFrom(a0h, a1h), b03 = i2hi.selectFrom(a0h, a1h);
                        FloatVector b10 = i2lo.selectFrom(a2l, a3l), b11 = i2hi.selectFrom(a2l, a3l);
                        FloatVector b12 = i2lo.selectFrom(a2h, a3h), b13 = i2hi.selectFrom(a2h, a3h);
                        i3lo.selectFrom(b00, b10).intoArray(dst, d);
                        i3hi.selectFrom(b00, b10).intoArray(dst, d + 16);
                        i3lo.selectFrom(b01, b11).intoArray(dst, d + 32);
                        i3hi.selectFrom(b01, b11).intoArray(dst, d + 48);
                        i3lo.selectFrom(b02, b12).intoArray(dst, d + 64);
                        i3hi.selectFrom(b02, b12).intoArray(dst, d + 80);
                        i3lo.selectFrom(b03, b13).intoArray(dst, d + 96);
                        i3hi.selectFrom(b03, b13).intoArray(dst, d + 112);
                    }
                }
                for (; p < kc; p++, d += MR) {
                    long q = (long) p * Float.BYTES;
                    dst[d] = a.get(LE_FLOAT, r0 + q);
                    dst[d + 1] = a.get(LE_FLOAT, r1 + q);
                    dst[d + 2] = a.get(LE_FLOAT, r2 + q);
                    dst[d + 3] = a.get(LE_FLOAT, r3 + q);
                    dst[d + 4] = a.get(LE_FLOAT, r4 + q);
                    dst[d + 5] = a.get(LE_FLOAT, r5 + q);
                    dst[d + 6] = a.get(LE_FLOAT, r6 + q);
                    dst[d + 7] = a.get(LE_FLOAT, r7 + q);
                }
            } else {
                for (int p = 0; p < kc; p++, d += MR) {
                    for (int r = 0; r < MR; r++) {
                        dst[d + r] = r < h ? a.get(LE_FLOAT, r0 + ((long) r * lda + p) * Float.BYTES) : 0f;
                    }
                }
            }
        }
    }

    // The switches below are not final so that tests and SmallShapeProbe (bench) can flip them in
    // one JVM; each is read once per macro-kernel call or tile store.

    /**
     * {@code -Dvessels.gemm.tileRows=false}: tiles column panel by column panel whatever the K block
     * (A/B runs). See {@link #rowOrder}.
     */
    static boolean tileRows = !"false".equals(System.getProperty("vessels.gemm.tileRows"));

    /** The largest K block that runs its tiles row by row ({@code -Dvessels.gemm.tileRowsMaxK}, A/B runs). */
    static int tileRowsMaxK = Integer.getInteger("vessels.gemm.tileRowsMaxK", 128);

    /**
     * {@code -Dvessels.gemm.fusedStore=false}: the epilogue as a call per tile row after the store
     * ({@link Epilogue#apply}) instead of in the store ({@link Epilogue#storeTile}) (A/B runs).
     */
    static boolean fusedStore = !"false".equals(System.getProperty("vessels.gemm.fusedStore"));

    /**
     * {@code -Dvessels.gemm.columnTail=false}: a last panel of at most {@link #TAIL_COLUMNS} columns
     * through the 8×L narrow tile as before, instead of {@link #columnTail} (A/B runs).
     */
    static boolean columnTail = !"false".equals(System.getProperty("vessels.gemm.columnTail"));

    /**
     * {@code -Dvessels.gemm.segmentDirect=false}: A from a segment packed whatever N, instead of read
     * in place below {@link #DIRECT_A_MAX_N} columns ({@link #segmentDirect}) (A/B runs).
     */
    static boolean segmentDirectOn = !"false".equals(System.getProperty("vessels.gemm.segmentDirect"));

    /**
     * Whether a column block of {@code nc} columns (the whole of a GEMM under {@link #DIRECT_A_MAX_N})
     * reads A in place from its segment ({@link #macroKernelDirect}) rather than packing it: where
     * no last panel is narrow (N = 64, 49, 81 …; the narrow tiles read float[] A only). Why: packing
     * reads the weights from memory in a pass of its own, stalled on every line, where the tile loop
     * reading them in place overlaps those reads with its FMAs. Darknet53's 3×3 512 → 1024 at 8×8
     * on two threads, weights cold: 3.37 ms packed against 3.11 from a float[] read in place; its
     * four such layers took 14.3–14.5 ms in the vessels executor against 12.4–12.5 in the separate
     * one (docs/kernels-benchmarks.md, speed pass 15).
     */
    static boolean segmentDirect(int nc) {
        int rem = nc % NR;
        return segmentDirectOn && nc < DIRECT_A_MAX_N && (rem == 0 || rem > L);
    }

    /**
     * {@code -Dvessels.gemm.directB=false}: a plain B packed into panels whatever its shape, instead
     * of read in place where {@link #directB} says (A/B runs). Not final: GemmTest runs both ways.
     */
    static boolean directBOn = !"false".equals(System.getProperty("vessels.gemm.directB"));

    /**
     * Whether a column block of {@code nc} columns of a plain B (not an im2col: a 1×1 convolution's
     * input, {@code g} null) with rows {@code ldb} floats apart is read in place by the
     * micro-kernel ({@link #tileDirectB}), two vectors of each of its rows a k, rather than packed
     * into panels first, when {@code m} rows of C are computed from it: where its panels are all
     * whole, the GEMM has at least {@link #DIRECT_A_MAX_N} columns (below it A is read in place, B
     * packed) and B's rows are at most {@link #DIRECT_B_MAX_LDB} floats apart or the rows of C at
     * most {@link #DIRECT_B_WIDE_MAX_M}. Why: the row split has each thread pack all of
     * B, and a 1×1 convolution's B is its input, in the cache, so the tile loop reads it in place
     * as fast as a packed panel (one thread, M=256 K=1024 N=256: 104.8 against 101.5 GFLOP/s in
     * the tile loop, the packing 2.5 % on top; docs/kernels-benchmarks.md, speed pass 17).
     */
    static boolean directB(ConvGeometry g, int m, int n, int nc, int ldb) {
        return directBOn && g == null && n >= DIRECT_A_MAX_N && nc % NR == 0 && (ldb <= DIRECT_B_MAX_LDB || m <= DIRECT_B_WIDE_MAX_M);
    }

    /**
     * Widest row stride of a B read in place (4 KB). Rows 16 KB apart (64×64 maps) fall eight to a
     * set of the 8-way L2 (2048 sets of 64 bytes): a tile's panel, or a short K block's whole B
     * block, no longer stays there. In ResNeXt152 its 1×1 64 → 512 at 64×64 (M=512, K=64) took
     * 1.96–2.13 ms read in place against 1.70–1.75 packed (two threads, in the network).
     */
    static final int DIRECT_B_MAX_LDB = 1024;

    /**
     * Most rows of C for which B is read in place whatever its row stride: eight tiles or fewer
     * use each panel, so it is read from the cache a few times only. ResNeXt152's 1×1 512 → 64 at
     * 64×64 (M=64, K=512) took 1.30–1.55 ms a layer in place against 1.63 packed, ResNet152's 256
     * → 64 0.69–0.73 against 0.78–0.83 (two threads, in the network).
     */
    static final int DIRECT_B_WIDE_MAX_M = 64;

    /**
     * Whether a macro-kernel over K block depth {@code kc} runs its tiles row by row: for each 8-row
     * A micro-panel (in L1) every B panel of the block (in L2), so C is written as eight sequential
     * row streams, instead of one 32-column panel of C down all MC rows per B panel. With a short K
     * block each tile has few FMAs per C line it writes: one thread, ResNeXt152's 1×1 64→512 at 64×64
     * (M = 512, K = 64, N = 4096; rows 16 KB apart) ran 121 vs 75 GFLOP/s row by row (SmallShapeProbe,
     * loaded machine), K = 128 at 52×52 (M = 256) 129 vs 116; at K = 256, and at M ≤ 128, the two
     * orders were within noise either way. Order only: every tile's arithmetic is unchanged.
     */
    private static boolean rowOrder(int kc) {
        return tileRows && kc <= tileRowsMaxK;
    }

    /**
     * C[mc×nc] (+)= packed A · packed B over one K block. Each micro-tile's FMA loop runs in
     * {@link #tilePacked}, a method of its own (its 16 accumulators stay in registers there; the
     * tile is spilled, then stored with the epilogue): see there for why not inline.
     */
    static void macroKernel(int mc, int nc, int kc, float[] ap, float[] bp, float[] c, int cOff, int ldc,
                            boolean overwrite, float[] tile, Epilogue e, int eRow0) {
        macroKernel(mc, 0, nc, kc, ap, bp, 0, c, cOff, ldc, overwrite, tile, e, eRow0);
    }

    /**
     * {@link #macroKernel} on the block's columns [jr0, nc) only ({@code jr0} a multiple of NR), the
     * block's panels at {@code bp0} in {@code bp}.
     */
    static void macroKernel(int mc, int jr0, int nc, int kc, float[] ap, float[] bp, int bp0, float[] c, int cOff, int ldc,
                            boolean overwrite, float[] tile, Epilogue e, int eRow0) {
        int rem = (nc - jr0) % NR, jEnd = rem > 0 && rem <= narrowMax() ? nc - rem : nc; // [jEnd, nc): a narrow last panel
        if (jEnd < nc) {
            // A last panel at most one vector wide (N = 196, 784, 5776 …): half the FMAs; a few
            // columns more than a vector: the narrow tile's vector, then columnTail for the rest.
            int last = bp0 + jEnd / NR * kc * NR, head = Math.min(rem, L);
            narrowPanel(mc, kc, ap, bp, last, c, cOff + jEnd, ldc, head, overwrite, tile, e, eRow0);
            if (rem > L) columnTail(mc, kc, ap, bp, last + L, c, cOff + jEnd + L, ldc, rem - L, overwrite, tile, e, eRow0);
        }
        boolean rows = rowOrder(kc);
        int nJ = (jEnd - jr0 + NR - 1) / NR, nI = (mc + MR - 1) / MR;
        for (int outer = 0, no = rows ? nI : nJ, ni = rows ? nJ : nI; outer < no; outer++) {
            for (int inner = 0; inner < ni; inner++) {
                int ir = (rows ? outer : inner) * MR, jr = jr0 + (rows ? inner : outer) * NR;
                int nr = Math.min(NR, nc - jr);
                int bBase = bp0 + jr / NR * kc * NR;
                int mr = Math.min(MR, mc - ir);
                int aBase = ir / MR * kc * MR;
                tilePacked(kc, ap, aBase, bp, bBase, tile);
                storeTile(tile, c, cOff + ir * ldc + jr, ldc, mr, nr, overwrite, e, eRow0 + ir);
            }
        }
    }

    /**
     * {@link #macroKernel} with B read in place ({@link #directB}): its row p of the block at
     * {@code b0 + p·ldb}, {@code nc} a multiple of NR. The tiles in the same order, each the same FMA
     * chain as {@link #tilePacked}'s on the same values, so bit-identical.
     */
    private static void macroKernelB(int mc, int nc, int kc, float[] ap, float[] b, int b0, int ldb, float[] c, int cOff,
                                     int ldc, boolean overwrite, float[] tile, Epilogue e, int eRow0) {
        boolean rows = rowOrder(kc);
        int nJ = nc / NR, nI = (mc + MR - 1) / MR;
        for (int outer = 0, no = rows ? nI : nJ, ni = rows ? nJ : nI; outer < no; outer++) {
            for (int inner = 0; inner < ni; inner++) {
                int ir = (rows ? outer : inner) * MR, jr = (rows ? inner : outer) * NR;
                tileDirectB(kc, ap, ir / MR * kc * MR, b, b0 + jr, ldb, tile);
                storeTile(tile, c, cOff + ir * ldc + jr, ldc, Math.min(MR, mc - ir), NR, overwrite, e, eRow0 + ir);
            }
        }
    }

    /**
     * {@link #macroKernel} with A read in place (row-major, leading dimension {@code lda}) instead
     * of packed: the same FMA chains in the same order, so bit-identical. Rows past the last full
     * MR block are copied, zero-padded, into {@code edge} ([MR][kc]) once per call.
     */
    static void macroKernelDirect(int mc, int nc, int kc, float[] a, int aOff, int lda, float[] bp, float[] c, int cOff,
                                  int ldc, boolean overwrite, float[] tile, float[] edge, Epilogue e, int eRow0) {
        macroKernelDirect(mc, 0, nc, kc, a, null, aOff, lda, bp, 0, c, cOff, ldc, overwrite, tile, edge, e, eRow0);
    }

    /**
     * {@link #macroKernelDirect} on the block's columns [jr0, nc) only, as {@link #macroKernel}'s
     * variant; A is {@code a} or, when {@code aSeg} is not null, that segment of little-endian
     * floats (A's float (i, p) at byte 4·(aOff + i·lda + p)), read in place by {@link #tileDirectSeg}.
     * A segment is only given blocks with no narrow last panel ({@link #segmentDirect}): the narrow
     * tiles read float[] A only.
     */
    static void macroKernelDirect(int mc, int jr0, int nc, int kc, float[] a, MemorySegment aSeg, int aOff, int lda, float[] bp,
                                  int bp0, float[] c, int cOff, int ldc, boolean overwrite, float[] tile, float[] edge,
                                  Epilogue e, int eRow0) {
        int mFull = mc / MR * MR;
        if (mFull < mc) {
            for (int r = 0; r < MR; r++) {
                if (mFull + r < mc && aSeg != null) {
                    MemorySegment.copy(aSeg, LE_FLOAT, (long) (aOff + (mFull + r) * lda) * Float.BYTES, edge, r * kc, kc);
                } else if (mFull + r < mc) {
                    System.arraycopy(a, aOff + (mFull + r) * lda, edge, r * kc, kc);
                } else {
                    java.util.Arrays.fill(edge, r * kc, (r + 1) * kc, 0f);
                }
            }
        }
        int rem = (nc - jr0) % NR, jEnd = rem > 0 && rem <= L ? nc - rem : nc; // [jEnd, nc): a narrow last panel
        if (jEnd < nc) {
            narrowPanelDirect(mc, kc, a, aOff, lda, edge, bp, bp0 + jEnd / NR * kc * NR, c, cOff + jEnd, ldc, nc - jEnd, overwrite,
                    tile, e, eRow0);
        }
        boolean rows = rowOrder(kc);
        int nJ = (jEnd - jr0 + NR - 1) / NR, nI = (mc + MR - 1) / MR;
        for (int outer = 0, no = rows ? nI : nJ, ni = rows ? nJ : nI; outer < no; outer++) {
            for (int inner = 0; inner < ni; inner++) {
                int ir = (rows ? outer : inner) * MR, jr = jr0 + (rows ? inner : outer) * NR;
                int nr = Math.min(NR, nc - jr);
                int bBase = bp0 + jr / NR * kc * NR;
                int mr = Math.min(MR, mc - ir);
                if (ir < mFull && aSeg != null) {
                    tileDirectSeg(kc, aSeg, (long) (aOff + ir * lda) * Float.BYTES, (long) lda * Float.BYTES, bp, bBase, tile);
                } else {
                    float[] aa = ir < mFull ? a : edge;
                    int ld = ir < mFull ? lda : kc;
                    int a0 = ir < mFull ? aOff + ir * lda : 0;
                    tileDirect(kc, aa, a0, ld, bp, bBase, tile);
                }
                storeTile(tile, c, cOff + ir * ldc + jr, ldc, mr, nr, overwrite, e, eRow0 + ir);
            }
        }
    }

    /**
     * One MR×NR micro-tile over a K block of packed A (panel at {@code aBase}) and B (panel at
     * {@code bBase}), spilled to {@code tile}. A method of its own, too large for the JIT to inline
     * into the macro-kernels (706 bytes of bytecode; C2 inlines a hot callee of at most 325, its
     * default {@code FreqInlineSize}; so are the three variants below, 367–747), so that it is
     * compiled once, alone, with nothing around it but the FMA loop. Inlined into the macro-kernel,
     * the loop's compiled speed depended on what the macro-kernel's profile had seen before it was
     * compiled (plain stores, an epilogue, accumulation), and after a network's warm-up it was the
     * slow variant: 3.34–3.40 against 2.92 ms for Darknet53's 3×3 512 → 1024 at 8×8 as one GEMM (two
     * threads; docs/kernels-benchmarks.md, speed pass 14; GemmTileLoopsTest keeps it out of line).
     */
    private static void tilePacked(int kc, float[] ap, int aBase, float[] bp, int bBase, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        // Indices linear in p, so C2's range-check elimination hoists the bounds checks.
        for (int p = 0; p < kc; p++) {
            int ai = aBase + p * MR, bi = bBase + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector av = FloatVector.broadcast(S, ap[ai]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = av.fma(b0, c60);
            c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = av.fma(b0, c70);
            c71 = av.fma(b1, c71);
        }
        c00.intoArray(tile, 0 * NR);
        c01.intoArray(tile, 0 * NR + L);
        c10.intoArray(tile, 1 * NR);
        c11.intoArray(tile, 1 * NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + L);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + L);
    }

    /** {@link #tilePacked} with B read in place: two vectors of its row p at {@code bStart + p·ldb} (see {@link #directB}). */
    private static void tileDirectB(int kc, float[] ap, int aBase, float[] b, int bStart, int ldb, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        // B's index steps by ldb, not a constant: its bounds checks stay in the loop (measured as fast).
        for (int p = 0; p < kc; p++) {
            int ai = aBase + p * MR, bi = bStart + p * ldb;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector av = FloatVector.broadcast(S, ap[ai]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = av.fma(b0, c60);
            c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = av.fma(b0, c70);
            c71 = av.fma(b1, c71);
        }
        c00.intoArray(tile, 0 * NR);
        c01.intoArray(tile, 0 * NR + L);
        c10.intoArray(tile, 1 * NR);
        c11.intoArray(tile, 1 * NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + L);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + L);
    }

    /** {@link #tilePacked} with A read in place: its 8 rows at {@code a0}, {@code a0 + ld}, … of {@code aa}. */
    private static void tileDirect(int kc, float[] aa, int a0, int ld, float[] bp, int bBase, float[] tile) {
        int a1 = a0 + ld, a2 = a1 + ld, a3 = a2 + ld, a4 = a3 + ld, a5 = a4 + ld, a6 = a5 + ld, a7 = a6 + ld;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bBase + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector av = FloatVector.broadcast(S, aa[a0 + p]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, aa[a1 + p]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, aa[a2 + p]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, aa[a3 + p]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, aa[a4 + p]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, aa[a5 + p]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(S, aa[a6 + p]);
            c60 = av.fma(b0, c60);
            c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(S, aa[a7 + p]);
            c70 = av.fma(b0, c70);
            c71 = av.fma(b1, c71);
        }
        c00.intoArray(tile, 0 * NR);
        c01.intoArray(tile, 0 * NR + L);
        c10.intoArray(tile, 1 * NR);
        c11.intoArray(tile, 1 * NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + L);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + L);
    }

    /** {@link #tileDirect} with A's eight rows read from a segment, {@code r0} bytes in, {@code ld} bytes apart. */
    private static void tileDirectSeg(int kc, MemorySegment a, long r0, long ld, float[] bp, int bBase, float[] tile) {
        long r1 = r0 + ld, r2 = r1 + ld, r3 = r2 + ld, r4 = r3 + ld, r5 = r4 + ld, r6 = r5 + ld, r7 = r6 + ld;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bBase + p * NR;
            long q = (long) p * Float.BYTES;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector av = FloatVector.broadcast(S, a.get(LE_FLOAT, r0 + q));
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, a.get(LE_FLOAT, r1 + q));
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, a.get(LE_FLOAT, r2 + q));
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, a.get(LE_FLOAT, r3 + q));
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, a.get(LE_FLOAT, r4 + q));
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, a.get(LE_FLOAT, r5 + q));
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(S, a.get(LE_FLOAT, r6 + q));
            c60 = av.fma(b0, c60);
            c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(S, a.get(LE_FLOAT, r7 + q));
            c70 = av.fma(b0, c70);
            c71 = av.fma(b1, c71);
        }
        c00.intoArray(tile, 0 * NR);
        c01.intoArray(tile, 0 * NR + L);
        c10.intoArray(tile, 1 * NR);
        c11.intoArray(tile, 1 * NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + L);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + L);
    }

    /** {@link #narrowPanel} with A read in place, as in {@link #macroKernelDirect}. */
    private static void narrowPanelDirect(int mc, int kc, float[] a, int aOff, int lda, float[] edge, float[] bp, int bBase,
                                          float[] c, int cOff, int ldc, int nr, boolean overwrite, float[] tile, Epilogue e,
                                          int eRow0) {
        int mFull = mc / MR * MR;
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            float[] aa = ir < mFull ? a : edge;
            int ld = ir < mFull ? lda : kc;
            int a0 = ir < mFull ? aOff + ir * lda : 0;
            narrowTileDirect(kc, aa, a0, ld, bp, bBase, tile);
            storeTile(tile, c, cOff + ir * ldc, ldc, mr, nr, overwrite, e, eRow0 + ir);
        }
    }

    /**
     * The 8×L variant of the micro-kernel for a last B panel of at most L columns (zero-padded); at
     * most {@link #TAIL_COLUMNS} of them go to {@link #columnTail}.
     */
    private static void narrowPanel(int mc, int kc, float[] ap, float[] bp, int bBase, float[] c, int cOff, int ldc,
                                    int nr, boolean overwrite, float[] tile, Epilogue e, int eRow0) {
        if (columnTail && nr <= TAIL_COLUMNS) {
            columnTail(mc, kc, ap, bp, bBase, c, cOff, ldc, nr, overwrite, tile, e, eRow0);
            return;
        }
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int aBase = ir / MR * kc * MR;
            narrowTilePacked(kc, ap, aBase, bp, bBase, tile);
            storeTile(tile, c, cOff + ir * ldc, ldc, mr, nr, overwrite, e, eRow0 + ir);
        }
    }

    /**
     * The widest last panel (of packed A) that {@link #macroKernel} runs narrow rather than as a
     * full tile: one vector, or one vector and a {@link #columnTail}.
     */
    static int narrowMax() {
        return columnTail ? L + TAIL_COLUMNS : L;
    }


    /** Half a vector: one packed A row block's MR rows at one k. */
    private static final VectorSpecies<Float> S_MR = FloatVector.SPECIES_256;
    /** Where lane r (row r of a block) of {@link #columnPairs}' sums goes: row r of a [rows][TAIL_COLUMNS] tile. */
    private static final int[] TAIL_ROWS = java.util.stream.IntStream.range(0, MR).map(r -> r * TAIL_COLUMNS).toArray();

    /**
     * A last panel of {@code nr} ≤ {@link #TAIL_COLUMNS} columns (N = 289, 196, 169 …: 17×17,
     * 14×14, 13×13 maps), four row blocks and two columns at a time ({@link #columnPairs}), with the
     * lanes over A's rows, which packed A holds 8 to a k. The narrow tile spends 8 vector FMAs a k
     * per 8 rows whatever nr, its lanes over B's columns, all but nr of 16 wasted; this spends nr/2
     * half-vector pairs. Each element is the same chain of FMAs over k from zero, stored as
     * {@link #storeTile} stores a narrow tile, so the bits are the narrow tile's. Why: N = 289 made a
     * GEMM 7 % slower than N = 288 (192 × 1344, InceptionV3's 1×7 and 7×1 convolutions, one thread;
     * docs/kernels-benchmarks.md, speed pass 15). The tile holds [4 blocks × MR rows][TAIL_COLUMNS].
     */
    private static void columnTail(int mc, int kc, float[] ap, float[] bp, int bBase, float[] c, int cOff, int ldc, int nr,
                                   boolean overwrite, float[] tile, Epilogue e, int eRow0) {
        int blocks = (mc + MR - 1) / MR, panel = kc * MR;
        for (int b0 = 0; b0 < blocks; b0 += 4) {
            int nb = Math.min(4, blocks - b0), a0 = b0 * panel; // fewer than 4 blocks: the last one again, not stored
            int a1 = a0 + Math.min(1, nb - 1) * panel, a2 = a0 + Math.min(2, nb - 1) * panel, a3 = a0 + (nb - 1) * panel;
            for (int j = 0; j < nr; j += 2) columnPairs(kc, ap, a0, a1, a2, a3, bp, bBase + j, tile, j);
            for (int q = 0; q < nb; q++) {
                int ir = (b0 + q) * MR;
                storeRows(tile, q * MR * TAIL_COLUMNS, TAIL_COLUMNS, c, cOff + ir * ldc, ldc, Math.min(MR, mc - ir), nr, overwrite,
                        e, eRow0 + ir);
            }
        }
    }

    /**
     * Columns j and j + 1 of B's panel (at {@code b}, NR floats a k; j + 1 may be past the last
     * column: its sums are never stored) against four packed row blocks of A (at a0 … a3): eight
     * chains of half-vector FMAs, each lane an element's chain over k, scattered to the tile as
     * rows q·MR + r, columns j and j + 1. Out of line, as the other tile loops.
     */
    private static void columnPairs(int kc, float[] ap, int a0, int a1, int a2, int a3, float[] bp, int b, float[] tile, int j) {
        FloatVector x0 = FloatVector.zero(S_MR), x1 = FloatVector.zero(S_MR), x2 = FloatVector.zero(S_MR);
        FloatVector x3 = FloatVector.zero(S_MR), y0 = FloatVector.zero(S_MR), y1 = FloatVector.zero(S_MR);
        FloatVector y2 = FloatVector.zero(S_MR), y3 = FloatVector.zero(S_MR);
        for (int p = 0, o = 0; p < kc; p++, o += MR) {
            int bi = b + p * NR;
            FloatVector bx = FloatVector.broadcast(S_MR, bp[bi]), by = FloatVector.broadcast(S_MR, bp[bi + 1]);
            FloatVector v0 = FloatVector.fromArray(S_MR, ap, a0 + o), v1 = FloatVector.fromArray(S_MR, ap, a1 + o);
            FloatVector v2 = FloatVector.fromArray(S_MR, ap, a2 + o), v3 = FloatVector.fromArray(S_MR, ap, a3 + o);
            x0 = v0.fma(bx, x0);
            y0 = v0.fma(by, y0);
            x1 = v1.fma(bx, x1);
            y1 = v1.fma(by, y1);
            x2 = v2.fma(bx, x2);
            y2 = v2.fma(by, y2);
            x3 = v3.fma(bx, x3);
            y3 = v3.fma(by, y3);
        }
        int block = MR * TAIL_COLUMNS;
        x0.intoArray(tile, j, TAIL_ROWS, 0);
        y0.intoArray(tile, j + 1, TAIL_ROWS, 0);
        x1.intoArray(tile, block + j, TAIL_ROWS, 0);
        y1.intoArray(tile, block + j + 1, TAIL_ROWS, 0);
        x2.intoArray(tile, 2 * block + j, TAIL_ROWS, 0);
        y2.intoArray(tile, 2 * block + j + 1, TAIL_ROWS, 0);
        x3.intoArray(tile, 3 * block + j, TAIL_ROWS, 0);
        y3.intoArray(tile, 3 * block + j + 1, TAIL_ROWS, 0);
    }

    /** {@link #tilePacked} for a last B panel of at most L columns: 8 rows × one vector. */
    private static void narrowTilePacked(int kc, float[] ap, int aBase, float[] bp, int bBase, float[] tile) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S), c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        FloatVector c6 = FloatVector.zero(S), c7 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = aBase + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bBase + p * NR);
            c0 = FloatVector.broadcast(S, ap[ai]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, ap[ai + 1]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, ap[ai + 2]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, ap[ai + 3]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, ap[ai + 4]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, ap[ai + 5]).fma(b0, c5);
            c6 = FloatVector.broadcast(S, ap[ai + 6]).fma(b0, c6);
            c7 = FloatVector.broadcast(S, ap[ai + 7]).fma(b0, c7);
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, NR);
        c2.intoArray(tile, 2 * NR);
        c3.intoArray(tile, 3 * NR);
        c4.intoArray(tile, 4 * NR);
        c5.intoArray(tile, 5 * NR);
        c6.intoArray(tile, 6 * NR);
        c7.intoArray(tile, 7 * NR);
    }

    /** {@link #narrowTilePacked} with A read in place, as {@link #tileDirect}. */
    private static void narrowTileDirect(int kc, float[] aa, int a0, int ld, float[] bp, int bBase, float[] tile) {
        int a1 = a0 + ld, a2 = a1 + ld, a3 = a2 + ld, a4 = a3 + ld, a5 = a4 + ld, a6 = a5 + ld, a7 = a6 + ld;
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S), c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        FloatVector c6 = FloatVector.zero(S), c7 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bBase + p * NR);
            c0 = FloatVector.broadcast(S, aa[a0 + p]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, aa[a1 + p]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, aa[a2 + p]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, aa[a3 + p]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, aa[a4 + p]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, aa[a5 + p]).fma(b0, c5);
            c6 = FloatVector.broadcast(S, aa[a6 + p]).fma(b0, c6);
            c7 = FloatVector.broadcast(S, aa[a7 + p]).fma(b0, c7);
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, NR);
        c2.intoArray(tile, 2 * NR);
        c3.intoArray(tile, 3 * NR);
        c4.intoArray(tile, 4 * NR);
        c5.intoArray(tile, 5 * NR);
        c6.intoArray(tile, 6 * NR);
        c7.intoArray(tile, 7 * NR);
    }

    /**
     * Writes (or adds) one spilled micro-tile into C. Kept out of the kernel loop on purpose: with
     * the store variants inline, C2 compiled the FMA loop ~15 % slower once more than one of them
     * was live (measured), and the spill through L1 costs ~2 %; the loop is now in a method of its
     * own as well ({@link #tilePacked}). Full-width tiles with an epilogue
     * of batch norm or bias and linear/leaky/relu go through {@link Epilogue#storeTile}, which
     * applies it on the way to C (one pass, same bits) rather than one {@link Epilogue#apply} call
     * per row over C afterwards.
     */
    private static void storeTile(float[] tile, float[] c, int ci, int ldc, int mr, int nr, boolean overwrite, Epilogue e,
                                  int eRow0) {
        if (nr == NR) {
            if (e != null && fusedStore && e.storesTiles()) {
                e.storeTile(tile, c, ci, ldc, eRow0, mr, overwrite);
                return;
            }
            for (int r = 0; r < mr; r++, ci += ldc) {
                FloatVector t0 = FloatVector.fromArray(S, tile, r * NR), t1 = FloatVector.fromArray(S, tile, r * NR + L);
                if (!overwrite) {
                    t0 = FloatVector.fromArray(S, c, ci).add(t0);
                    t1 = FloatVector.fromArray(S, c, ci + L).add(t1);
                }
                t0.intoArray(c, ci);
                t1.intoArray(c, ci + L);
                if (e != null) e.applyStored(c, ci, eRow0 + r, NR);
            }
        } else {
            storeRows(tile, 0, NR, c, ci, ldc, mr, nr, overwrite, e, eRow0);
        }
    }

    /**
     * Rows [0, mr) of a spilled tile (from {@code t0}, rows {@code stride} floats apart), nr
     * columns each, written (or added) to C at {@code ci} and then given the epilogue row by row: a
     * narrow tile's store, and {@link #columnTail}'s.
     */
    private static void storeRows(float[] tile, int t0, int stride, float[] c, int ci, int ldc, int mr, int nr, boolean overwrite,
                                  Epilogue e, int eRow0) {
        for (int r = 0; r < mr; r++, ci += ldc) {
            int t = t0 + r * stride;
            if (overwrite) {
                System.arraycopy(tile, t, c, ci, nr);
            } else {
                for (int j = 0; j < nr; j++) c[ci + j] += tile[t + j];
            }
            if (e != null) e.applyStored(c, ci, eRow0 + r, nr);
        }
    }

    /**
     * Rows [lo, hi) of C for matrices narrower than one vector: per K block an FMA chain per
     * element, then one add into C — the same arithmetic shape as the packed path.
     */
    private static void narrow(int lo, int hi, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                               float[] c, int cOff, int ldc, boolean accumulate, Epilogue e, int eRow0) {
        int kb = kBlocks(k);
        int i = lo;
        // Eight rows at once: eight independent chains keep both FMA ports busy where one chain
        // waits 4 cycles per FMA (the last 1×1 convolution of ResNeXt152 on a 1×1 map, M=1000,
        // K=2048, N=1: 1.6 ms as one chain per output); each row's chain is unchanged.
        for (; i + 8 <= hi; i += 8) {
            int a0 = aOff + i * lda;
            int ci = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                float c0 = 0f, c1 = 0f, c2 = 0f, c3 = 0f, c4 = 0f, c5 = 0f, c6 = 0f, c7 = 0f;
                if (accumulate) {
                    c0 = c[ci + j]; c1 = c[ci + ldc + j]; c2 = c[ci + 2 * ldc + j]; c3 = c[ci + 3 * ldc + j];
                    c4 = c[ci + 4 * ldc + j]; c5 = c[ci + 5 * ldc + j]; c6 = c[ci + 6 * ldc + j]; c7 = c[ci + 7 * ldc + j];
                }
                for (int q = 0; q < kb; q++) {
                    int p0 = kBlockStart(k, q), p1 = kBlockStart(k, q + 1);
                    float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
                    for (int p = p0; p < p1; p++) {
                        float bv = b[bOff + p * ldb + j];
                        s0 = Math.fma(a[a0 + p], bv, s0);
                        s1 = Math.fma(a[a0 + 1 * lda + p], bv, s1);
                        s2 = Math.fma(a[a0 + 2 * lda + p], bv, s2);
                        s3 = Math.fma(a[a0 + 3 * lda + p], bv, s3);
                        s4 = Math.fma(a[a0 + 4 * lda + p], bv, s4);
                        s5 = Math.fma(a[a0 + 5 * lda + p], bv, s5);
                        s6 = Math.fma(a[a0 + 6 * lda + p], bv, s6);
                        s7 = Math.fma(a[a0 + 7 * lda + p], bv, s7);
                    }
                    boolean first = q == 0 && !accumulate;
                    c0 = first ? s0 : c0 + s0;
                    c1 = first ? s1 : c1 + s1;
                    c2 = first ? s2 : c2 + s2;
                    c3 = first ? s3 : c3 + s3;
                    c4 = first ? s4 : c4 + s4;
                    c5 = first ? s5 : c5 + s5;
                    c6 = first ? s6 : c6 + s6;
                    c7 = first ? s7 : c7 + s7;
                }
                c[ci + j] = c0; c[ci + ldc + j] = c1; c[ci + 2 * ldc + j] = c2; c[ci + 3 * ldc + j] = c3;
                c[ci + 4 * ldc + j] = c4; c[ci + 5 * ldc + j] = c5; c[ci + 6 * ldc + j] = c6; c[ci + 7 * ldc + j] = c7;
            }
            if (e != null) for (int r = 0; r < 8; r++) e.applyRow(c, ci + r * ldc, eRow0 + i + r, n);
        }
        for (; i < hi; i++) {
            int ai = aOff + i * lda, ci = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                float acc = accumulate ? c[ci + j] : 0f;
                for (int q = 0; q < kb; q++) {
                    int p0 = kBlockStart(k, q), p1 = kBlockStart(k, q + 1);
                    float s = 0f;
                    for (int p = p0; p < p1; p++) s = Math.fma(a[ai + p], b[bOff + p * ldb + j], s);
                    acc = q == 0 && !accumulate ? s : acc + s;
                }
                c[ci + j] = acc;
            }
            if (e != null) e.applyRow(c, ci, eRow0 + i, n);
        }
    }

    /** {@link #narrow} with A read from a segment of little-endian floats: the same arithmetic. */
    private static void narrow(int lo, int hi, int n, int k, MemorySegment a, int aOff, int lda, float[] b, int bOff,
                               int ldb, float[] c, int cOff, int ldc, boolean accumulate, Epilogue e, int eRow0) {
        int kb = kBlocks(k);
        int i = lo;
        // Eight rows at once: eight independent chains keep both FMA ports busy where one chain
        // waits 4 cycles per FMA (the last 1×1 convolution of ResNeXt152 on a 1×1 map, M=1000,
        // K=2048, N=1: 1.6 ms as one chain per output); each row's chain is unchanged.
        for (; i + 8 <= hi; i += 8) {
            long a0 = (long) aOff + (long) i * lda;
            int ci = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                float c0 = 0f, c1 = 0f, c2 = 0f, c3 = 0f, c4 = 0f, c5 = 0f, c6 = 0f, c7 = 0f;
                if (accumulate) {
                    c0 = c[ci + j]; c1 = c[ci + ldc + j]; c2 = c[ci + 2 * ldc + j]; c3 = c[ci + 3 * ldc + j];
                    c4 = c[ci + 4 * ldc + j]; c5 = c[ci + 5 * ldc + j]; c6 = c[ci + 6 * ldc + j]; c7 = c[ci + 7 * ldc + j];
                }
                for (int q = 0; q < kb; q++) {
                    int p0 = kBlockStart(k, q), p1 = kBlockStart(k, q + 1);
                    float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
                    for (int p = p0; p < p1; p++) {
                        float bv = b[bOff + p * ldb + j];
                        s0 = Math.fma(a.get(LE_FLOAT, (a0 + p) * Float.BYTES), bv, s0);
                        s1 = Math.fma(a.get(LE_FLOAT, (a0 + 1 * (long) lda + p) * Float.BYTES), bv, s1);
                        s2 = Math.fma(a.get(LE_FLOAT, (a0 + 2 * (long) lda + p) * Float.BYTES), bv, s2);
                        s3 = Math.fma(a.get(LE_FLOAT, (a0 + 3 * (long) lda + p) * Float.BYTES), bv, s3);
                        s4 = Math.fma(a.get(LE_FLOAT, (a0 + 4 * (long) lda + p) * Float.BYTES), bv, s4);
                        s5 = Math.fma(a.get(LE_FLOAT, (a0 + 5 * (long) lda + p) * Float.BYTES), bv, s5);
                        s6 = Math.fma(a.get(LE_FLOAT, (a0 + 6 * (long) lda + p) * Float.BYTES), bv, s6);
                        s7 = Math.fma(a.get(LE_FLOAT, (a0 + 7 * (long) lda + p) * Float.BYTES), bv, s7);
                    }
                    boolean first = q == 0 && !accumulate;
                    c0 = first ? s0 : c0 + s0;
                    c1 = first ? s1 : c1 + s1;
                    c2 = first ? s2 : c2 + s2;
                    c3 = first ? s3 : c3 + s3;
                    c4 = first ? s4 : c4 + s4;
                    c5 = first ? s5 : c5 + s5;
                    c6 = first ? s6 : c6 + s6;
                    c7 = first ? s7 : c7 + s7;
                }
                c[ci + j] = c0; c[ci + ldc + j] = c1; c[ci + 2 * ldc + j] = c2; c[ci + 3 * ldc + j] = c3;
                c[ci + 4 * ldc + j] = c4; c[ci + 5 * ldc + j] = c5; c[ci + 6 * ldc + j] = c6; c[ci + 7 * ldc + j] = c7;
            }
            if (e != null) for (int r = 0; r < 8; r++) e.applyRow(c, ci + r * ldc, eRow0 + i + r, n);
        }
        for (; i < hi; i++) {
            long ai = (long) aOff + (long) i * lda;
            int ci = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                float acc = accumulate ? c[ci + j] : 0f;
                for (int q = 0; q < kb; q++) {
                    int p0 = (int) ((long) k * q / kb), p1 = (int) ((long) k * (q + 1) / kb);
                    float s = 0f;
                    for (int p = p0; p < p1; p++) s = Math.fma(a.get(LE_FLOAT, (ai + p) * Float.BYTES), b[bOff + p * ldb + j], s);
                    acc = q == 0 && !accumulate ? s : acc + s;
                }
                c[ci + j] = acc;
            }
            if (e != null) e.applyRow(c, ci, eRow0 + i, n);
        }
    }

    /** The reference: Darknet's own i-k-j loop order. */
    public static void gemmPlain(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                 float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            if (!accumulate) java.util.Arrays.fill(c, ci, ci + n, 0f);
            for (int p = 0; p < k; p++) {
                float av = a[aOff + i * lda + p];
                int bp = bOff + p * ldb;
                for (int j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
            }
        }
    }
}
