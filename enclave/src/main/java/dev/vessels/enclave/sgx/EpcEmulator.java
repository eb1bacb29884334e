package dev.vessels.enclave.sgx;

import java.util.ArrayList;
import java.util.List;

/**
 * The Enclave Page Cache of one host, shared by all its enclaves, emulated at 4 KiB page
 * granularity. It evicts the way the Linux SGX driver does (arch/x86/kernel/cpu/sgx/main.c):
 * <ul>
 *   <li>one global list of reclaimable pages; a page joins at the tail when it is added (EADD) or
 *       loaded back (ELDU);</li>
 *   <li>reclaim takes up to 16 pages from the head; a page whose accessed bit is set is given a
 *       second chance (bit cleared, moved to the tail, in batch order); the others are written out
 *       together with EWB — every victim, dirty or not, since SGX cannot drop a page;</li>
 *   <li>an allocation that finds no free page reclaims synchronously, batch after batch; after an
 *       allocation leaves fewer than {@code lowWatermark} pages free, the reclaimer runs until
 *       {@code highWatermark} are free (ksgxd; emulated synchronously, so runs are deterministic).</li>
 * </ul>
 * Enclaves are SGX1: every page is EADDed at build, so a page is never faulted in for the first
 * time; it faults only after it has been evicted. The accessed bit is set by every touch of a
 * resident page and by the reload of a faulting one; a freshly EADDed page starts with it clear.
 *
 * <p>Not modelled (small against the data pages we count): SECS and Version Array pages, which
 * take EPC too; TLB-shootdown IPIs beyond what the published swap cost includes.
 *
 * <p>Thread-safe: several enclaves touch pages concurrently; bookkeeping (and, in
 * {@link EpcConfig.Mode#REAL_WORK}, the AES-GCM of pages written out and read back) happens under
 * one lock, as the driver's reclaimer serialises on its list lock; the busy time that makes up the
 * rest of each event's cost is spent outside it, on the calling thread.
 *
 * <p>All counts and times it produces are emulated.
 */
public final class EpcEmulator {
    private static final int BATCH = 16; // SGX_NR_TO_SCAN
    private static final int BUILD_SLICE = 256; // pages EADDed per lock hold, so builds interleave with running enclaves

    private final EpcConfig cfg;
    private final int capacity;

    // Frames, grown on demand up to capacity so a huge (Ice Lake-sized) EPC costs nothing until used.
    private int frames;                // frames created so far
    private EpcRegion[] owner = new EpcRegion[0]; // [frames] region of the page in each frame, null when free
    private int[] pageOf = new int[0];            // [frames] page index within its region
    private int[] prev = new int[0], next = new int[0]; // [frames] the global reclaimable list, -1 terminated
    private boolean[] accessed = new boolean[0];  // [frames] accessed bit since the last scan
    private int[] freeStack = new int[0];         // [frames] frames released, LIFO
    private int freeTop;
    private int head = -1, tail = -1, listed;

    private long nextId = 1;
    private final List<EpcRegion> live = new ArrayList<>();
    private long committedPages;
    private long faults, evictions, transitions, pagingCycles, transitionCycles, buildEwbCycles, buildNanosEadd;

    public EpcEmulator(EpcConfig cfg) {
        this.cfg = cfg;
        this.capacity = (int) cfg.capacityPages();
    }

    public EpcConfig config() {
        return cfg;
    }

    /** Usable EPC in bytes (emulated). */
    public long emulatedCapacityBytes() {
        return cfg.capacityBytes();
    }

    /**
     * Builds an enclave of {@code pages} pages: ECREATE, then EADD + EEXTEND of every page (each
     * joins the global list; room is made by reclaiming like any allocation), then EINIT. Returns
     * when the build is done; in REAL_WORK mode the build's cost is spent on the calling thread.
     */
    public EpcRegion build(String label, long pages) {
        if (pages < 1 || pages > Integer.MAX_VALUE) throw new IllegalArgumentException("enclave pages must be 1.." + Integer.MAX_VALUE);
        EpcRegion r;
        synchronized (this) {
            r = new EpcRegion(nextId++, label, (int) pages, cfg.mode() == EpcConfig.Mode.REAL_WORK);
            live.add(r);
            committedPages += pages;
        }
        for (int start = 0; start < pages; start += BUILD_SLICE) {
            int end = (int) Math.min(pages, (long) start + BUILD_SLICE);
            long t0 = System.nanoTime();
            long targetNanos;
            synchronized (this) {
                long ewb0 = r.buildEwbCycles;
                for (int p = start; p < end; p++) {
                    int f = allocFrame(r, true);
                    bind(f, r, p);
                    accessed[f] = false;
                    if (r.backing != null) r.backing.measure(p);
                    backgroundReclaim(r, true);
                }
                long eadd = Math.round(end * cfg.costs().buildNanosPerPage()) - Math.round(start * cfg.costs().buildNanosPerPage());
                r.buildNanosEadd += eadd;
                buildNanosEadd += eadd;
                targetNanos = eadd + Math.round(cfg.costs().nanos(r.buildEwbCycles - ewb0));
            }
            if (r.backing != null) BusyWork.spinNanos(targetNanos - (System.nanoTime() - t0));
        }
        return r;
    }

    /**
     * The enclave accesses bytes [byteOffset, byteOffset+length) of its range: every page of it,
     * in ascending order, is touched. {@code write} does not change the cost (EWB writes back every
     * victim), but is part of the contract so a backend that can tell may use it.
     */
    public void touch(EpcRegion r, long byteOffset, long length, boolean write) {
        if (length <= 0) return;
        if (byteOffset < 0 || byteOffset + length > r.bytes()) {
            throw new IllegalArgumentException(r + ": access [" + byteOffset + ", " + (byteOffset + length)
                    + ") is outside its " + r.bytes() + " bytes");
        }
        touchPages(r, (int) (byteOffset / EpcConfig.PAGE_BYTES), (int) ((byteOffset + length - 1) / EpcConfig.PAGE_BYTES));
    }

    /** Touches pages first..last (inclusive) of the region, in order. */
    public void touchPages(EpcRegion r, int first, int last) {
        if (first < 0 || last >= r.pages() || first > last) {
            throw new IllegalArgumentException(r + ": pages " + first + ".." + last + " out of range");
        }
        long t0 = System.nanoTime();
        long targetCycles;
        synchronized (this) {
            if (r.destroyed) throw new IllegalStateException(r + " was destroyed");
            long before = r.pagingCycles;
            for (int p = first; p <= last; p++) {
                int f = r.frameOf[p];
                if (f >= 0) {
                    accessed[f] = true;
                } else {
                    fault(r, p);
                }
            }
            targetCycles = r.pagingCycles - before;
        }
        if (r.backing != null && targetCycles > 0) {
            BusyWork.spinNanos(Math.round(cfg.costs().nanos(targetCycles)) - (System.nanoTime() - t0));
        }
    }

    /** {@code count} enclave transitions (ECALL or OCALL) by the region's thread. */
    public void transition(EpcRegion r, int count) {
        long cycles = count * cfg.costs().transitionCycles();
        synchronized (this) {
            if (r.destroyed) throw new IllegalStateException(r + " was destroyed");
            r.transitions += count;
            r.transitionCycles += cycles;
            transitions += count;
            transitionCycles += cycles;
        }
        if (r.backing != null) BusyWork.spinNanos(Math.round(cfg.costs().nanos(cycles)));
    }

    /** Tears the enclave down: its frames are freed at once (EREMOVE) and its backing copies dropped. */
    public synchronized void destroy(EpcRegion r) {
        if (r.destroyed) return;
        for (int p = 0; p < r.frameOf.length; p++) {
            int f = r.frameOf[p];
            if (f >= 0) {
                unlink(f);
                release(f);
                r.frameOf[p] = -1;
            }
        }
        r.resident = 0;
        r.destroyed = true;
        live.remove(r);
        committedPages -= r.pages();
        if (r.backing != null) r.backing.close();
    }

    public synchronized EmulatedEpcStats stats(EpcRegion r) {
        return new EmulatedEpcStats(r.destroyed ? 0 : r.pages(), r.resident, r.faults, r.evictions, r.evictionsCaused,
                r.faults * EpcConfig.PAGE_BYTES, r.evictions * EpcConfig.PAGE_BYTES, r.transitions,
                r.buildNanosEadd + Math.round(cfg.costs().nanos(r.buildEwbCycles)),
                Math.round(cfg.costs().nanos(r.pagingCycles)), Math.round(cfg.costs().nanos(r.transitionCycles)));
    }

    /** Totals over every enclave ever built on this EPC (committed and resident: the live ones). */
    public synchronized EmulatedEpcStats stats() {
        return new EmulatedEpcStats(committedPages, listed, faults, evictions, evictions,
                faults * EpcConfig.PAGE_BYTES, evictions * EpcConfig.PAGE_BYTES, transitions,
                buildNanosEadd + Math.round(cfg.costs().nanos(buildEwbCycles)),
                Math.round(cfg.costs().nanos(pagingCycles)), Math.round(cfg.costs().nanos(transitionCycles)));
    }

    public synchronized long freePages() {
        return free();
    }

    public synchronized long committedPages() {
        return committedPages;
    }

    /** Whether page {@code p} of the region is in the EPC now (for tests and diagnostics). */
    public synchronized boolean resident(EpcRegion r, int p) {
        return r.frameOf[p] >= 0;
    }

    // ---- the driver model (all under the lock) ----

    private int free() {
        return capacity - frames + freeTop;
    }

    private void fault(EpcRegion r, int p) {
        int f = allocFrame(r, false);
        bind(f, r, p);
        accessed[f] = true; // the faulting access itself
        r.faults++;
        faults++;
        long c = cfg.costs().elduCycles();
        r.pagingCycles += c;
        pagingCycles += c;
        if (r.backing != null) r.backing.readBack(p);
        backgroundReclaim(r, false);
    }

    /** A free frame; reclaims synchronously while there is none. */
    private int allocFrame(EpcRegion cause, boolean building) {
        while (free() == 0) {
            if (head < 0) throw new IllegalStateException("emulated EPC exhausted with nothing reclaimable");
            reclaimBatch(cause, building);
        }
        if (freeTop > 0) return freeStack[--freeTop];
        if (frames == owner.length) grow();
        return frames++;
    }

    private void backgroundReclaim(EpcRegion cause, boolean building) {
        if (free() >= cfg.lowWatermark()) return;
        // A batch that frees nothing has cleared the accessed bits it saw, and nothing can set them
        // again during this loop, so within one pass over the list a batch must free pages.
        int fruitless = 0;
        while (free() < cfg.highWatermark() && head >= 0) {
            if (reclaimBatch(cause, building) > 0) {
                fruitless = 0;
            } else if (++fruitless > listed / BATCH + 1) {
                break;
            }
        }
    }

    /** One pass of sgx_reclaim_pages(): returns the number of pages evicted. */
    private int reclaimBatch(EpcRegion cause, boolean building) {
        int[] batch = new int[BATCH];
        int n = 0;
        while (n < BATCH && head >= 0) {
            int f = head;
            unlink(f);
            batch[n++] = f;
        }
        int evicted = 0;
        for (int i = 0; i < n; i++) {
            int f = batch[i];
            if (accessed[f]) {
                accessed[f] = false; // second chance
                linkTail(f);
            } else {
                evict(f, cause, building);
                evicted++;
            }
        }
        return evicted;
    }

    private void evict(int f, EpcRegion cause, boolean building) {
        EpcRegion o = owner[f];
        int p = pageOf[f];
        if (o.backing != null) o.backing.writeOut(p);
        o.frameOf[p] = -1;
        o.resident--;
        o.evictions++;
        evictions++;
        cause.evictionsCaused++;
        long c = cfg.costs().ewbCycles();
        if (building) {
            cause.buildEwbCycles += c;
            buildEwbCycles += c;
        } else {
            cause.pagingCycles += c;
            pagingCycles += c;
        }
        release(f);
    }

    private void bind(int f, EpcRegion r, int p) {
        owner[f] = r;
        pageOf[f] = p;
        r.frameOf[p] = f;
        r.resident++;
        linkTail(f);
    }

    private void release(int f) {
        owner[f] = null;
        freeStack[freeTop++] = f;
    }

    private void linkTail(int f) {
        prev[f] = tail;
        next[f] = -1;
        if (tail >= 0) next[tail] = f; else head = f;
        tail = f;
        listed++;
    }

    private void unlink(int f) {
        int p = prev[f], n = next[f];
        if (p >= 0) next[p] = n; else head = n;
        if (n >= 0) prev[n] = p; else tail = p;
        prev[f] = next[f] = -1;
        listed--;
    }

    private void grow() {
        int n = (int) Math.min(capacity, Math.max(1024L, 2L * owner.length));
        owner = java.util.Arrays.copyOf(owner, n);
        pageOf = java.util.Arrays.copyOf(pageOf, n);
        prev = java.util.Arrays.copyOf(prev, n);
        next = java.util.Arrays.copyOf(next, n);
        accessed = java.util.Arrays.copyOf(accessed, n);
        freeStack = java.util.Arrays.copyOf(freeStack, n);
    }

    @Override
    public synchronized String toString() {
        return String.format("emulated EPC: %d of %d pages in use, %d enclaves", listed, capacity, live.size());
    }
}
