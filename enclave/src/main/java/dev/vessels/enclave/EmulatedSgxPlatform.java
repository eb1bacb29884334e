package dev.vessels.enclave;

import java.util.ArrayList;
import java.util.List;

import dev.vessels.enclave.sgx.EmulatedEpcStats;
import dev.vessels.enclave.sgx.EpcConfig;
import dev.vessels.enclave.sgx.EpcEmulator;
import dev.vessels.enclave.sgx.EpcRegion;
import dev.vessels.enclave.sgx.PageTouchTracer;

/**
 * {@code emulated-sgx}: SGX1 enclaves over a shared {@link EpcEmulator}. An enclave's EPC range is
 * its runtime overhead (code, stacks, TCS/SSA, heap metadata: the same for every executor) followed
 * by the executor's declared data bytes, each rounded up to whole pages; all of it is committed at
 * build. Each {@link Enclave#run} is one ECALL, which touches the runtime pages (code and stack are
 * in use whenever the enclave runs) before the executor's reported accesses.
 *
 * <p>No SGX hardware is involved: every figure is emulated, and says so.
 */
public final class EmulatedSgxPlatform implements TrustedPlatform {
    public static final String NAME = "emulated-sgx";
    /**
     * Runtime overhead per enclave: code of the engine and the SGX runtime (~1 MiB), two 256 KiB
     * thread stacks with their TCS/SSA pages, and heap metadata, rounded up to 4 MiB. An estimate,
     * configurable; it is identical for the baseline and vessels executors, so it shifts both.
     */
    public static final long DEFAULT_RUNTIME_OVERHEAD_BYTES = 4L << 20;

    private final EpcEmulator epc;
    private final long runtimeBytes; // page-rounded
    private final List<Emulated> live = new ArrayList<>();

    public EmulatedSgxPlatform(EpcEmulator epc, long runtimeOverheadBytes) {
        if (runtimeOverheadBytes < 0) throw new IllegalArgumentException("runtime overhead must be >= 0");
        this.epc = epc;
        this.runtimeBytes = roundUp(runtimeOverheadBytes);
    }

    /** SGX1 defaults: 93.5 MiB of EPC, Linux reclaim watermarks, published costs, count-only mode. */
    public static EmulatedSgxPlatform sgx1() {
        return new EmulatedSgxPlatform(new EpcEmulator(EpcConfig.sgx1()), DEFAULT_RUNTIME_OVERHEAD_BYTES);
    }

    public EpcEmulator epc() {
        return epc;
    }

    public long runtimeOverheadBytes() {
        return runtimeBytes;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean emulated() {
        return true;
    }

    @Override
    public boolean costsInWallTime() {
        return epc.config().mode() == EpcConfig.Mode.REAL_WORK;
    }

    @Override
    public long epcCapacityBytes() {
        return epc.emulatedCapacityBytes();
    }

    @Override
    public long commitFor(long dataBytes) {
        if (dataBytes < 0) throw new IllegalArgumentException("data bytes must be >= 0");
        return runtimeBytes + roundUp(dataBytes);
    }

    @Override
    public long committedBytes() {
        return epc.committedPages() * EpcConfig.PAGE_BYTES;
    }

    @Override
    public Enclave create(String label, long dataBytes) {
        long bytes = commitFor(dataBytes);
        if (bytes == 0) bytes = EpcConfig.PAGE_BYTES; // an enclave has at least one page
        EpcRegion r = epc.build(label, bytes / EpcConfig.PAGE_BYTES);
        Emulated e = new Emulated(r, dataBytes);
        synchronized (live) {
            live.add(e);
        }
        return e;
    }

    @Override
    public EnclaveCosts costs() {
        return costs(epc.stats());
    }

    @Override
    public void close() {
        List<Emulated> all;
        synchronized (live) {
            all = new ArrayList<>(live);
        }
        for (Emulated e : all) e.destroy();
    }

    private static EnclaveCosts costs(EmulatedEpcStats s) {
        return new EnclaveCosts(NAME, true, s.committedPages() * EpcConfig.PAGE_BYTES, s.emulatedPageSwaps(),
                s.emulatedEvictions(), s.emulatedBytesPagedIn(), s.emulatedBytesPagedOut(), s.emulatedTransitions(),
                s.emulatedBuildNanos(), s.emulatedPagingNanos(), s.emulatedTransitionNanos());
    }

    private static long roundUp(long bytes) {
        return (bytes + EpcConfig.PAGE_BYTES - 1) / EpcConfig.PAGE_BYTES * EpcConfig.PAGE_BYTES;
    }

    @Override
    public String toString() {
        return NAME + " (emulated, no SGX hardware): " + epc;
    }

    private final class Emulated implements Enclave {
        private final EpcRegion region;
        private final long dataBytes;
        private final PageTouchTracer tracer;
        private volatile boolean destroyed;

        Emulated(EpcRegion region, long dataBytes) {
            this.region = region;
            this.dataBytes = dataBytes;
            this.tracer = new PageTouchTracer(epc, region, runtimeBytes, dataBytes);
        }

        @Override
        public long id() {
            return region.id();
        }

        @Override
        public String label() {
            return region.label();
        }

        @Override
        public long dataBytes() {
            return dataBytes;
        }

        @Override
        public long committedBytes() {
            return destroyed ? 0 : region.bytes();
        }

        @Override
        public <T> T run(EnclaveCall<T> call) {
            if (destroyed) throw new IllegalStateException(this + " was destroyed");
            epc.transition(region, 1); // the ECALL (its EEXIT back is part of the published round trip)
            if (runtimeBytes > 0) epc.touch(region, 0, runtimeBytes, false);
            return call.call(tracer);
        }

        @Override
        public EnclaveCosts costs() {
            return EmulatedSgxPlatform.costs(epc.stats(region));
        }

        /** The emulator's own counters for this enclave (all emulated). */
        EmulatedEpcStats emulatedStats() {
            return epc.stats(region);
        }

        @Override
        public boolean destroyed() {
            return destroyed;
        }

        @Override
        public void destroy() {
            synchronized (this) {
                if (destroyed) return;
                destroyed = true;
            }
            epc.destroy(region);
            synchronized (live) {
                live.remove(this);
            }
        }

        @Override
        public String toString() {
            return "emulated SGX enclave #" + id() + " '" + label() + "'";
        }
    }
}
