package dev.vessels.enclave.sgx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PageBackingTest {
    @Test
    void evictedPagesCostSixteenBytesOfHostMemoryNotTheirFourKibibytes() {
        int pages = 20_000;
        try (PageBacking b = new PageBacking(pages)) {
            for (int p = 0; p < pages; p++) b.writeOut(p);
            for (int p = 0; p < pages; p += 7) b.readBack(p); // regenerated, tag-checked, decrypted, verified
            assertThat(b.backingBytes()).isLessThanOrEqualTo(16L * (pages + 4096)).isLessThan((long) pages * EpcConfig.PAGE_BYTES / 100);
        }
    }

    @Test
    void aReloadChecksTheVersionOfTheLastEviction() {
        try (PageBacking b = new PageBacking(8)) {
            assertThatThrownBy(() -> b.readBack(3)).hasMessageContaining("never written out");
            b.writeOut(3);
            b.writeOut(3);
            assertThat(b.version(3)).isEqualTo(2);
            b.readBack(3);
            // a stale version (what a replayed old copy would carry) no longer matches the kept tag
            b.versionForTest(3, 1);
            assertThatThrownBy(() -> b.readBack(3)).hasMessageContaining("does not match its EWB");
        }
    }
}
