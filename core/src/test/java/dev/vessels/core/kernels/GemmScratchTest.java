package dev.vessels.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The packing scratch that memory accounting adds per thread is what a thread really allocates. */
class GemmScratchTest {
    @Test
    void accountedScratchIsWhatEachThreadAllocates() {
        assertThat(new Gemm.Scratch().floats()).isEqualTo(Gemm.PACK_FLOATS_PER_THREAD);
        assertThat(Gemm.scratchBytesPerThread()).isEqualTo(4L * Gemm.PACK_FLOATS_PER_THREAD);
    }

    @Test
    void packedBBlockDominatesAndIsBoundedByNc() {
        // The KC×NC packed B block is most of it; the whole stays a few MiB per thread.
        assertThat((long) Gemm.KC * Gemm.NC).isGreaterThan(Gemm.PACK_FLOATS_PER_THREAD / 2);
        assertThat(Gemm.scratchBytesPerThread()).isLessThan(4L << 20);
    }
}
