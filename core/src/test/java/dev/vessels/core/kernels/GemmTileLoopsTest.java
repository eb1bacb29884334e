package dev.vessels.core.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.management.ManagementFactory;
import java.util.List;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.junit.jupiter.api.Test;

/**
 * The micro-tile FMA loops stay methods of their own that the JIT does not inline into the
 * macro-kernels (speed pass 14, docs/kernels-benchmarks.md): inlined, the loop's compiled speed
 * depended on what the macro-kernel had run before, and inside a network it was ~10 % slower. C2
 * does not inline a hot callee larger than {@code FreqInlineSize} bytes of bytecode, so each tile
 * method must stay larger than that, and the macro-kernels must call them rather than hold a loop
 * of their own. Speed itself is measured by the benchmarks ({@code AfterNetworkProbe}), not here.
 */
class GemmTileLoopsTest {
    private static final List<String> TILES = List.of("tilePacked", "tileDirect", "narrowTilePacked", "narrowTileDirect", "columnPairs", "tileDirectSeg",
            "tileDirectB");

    private static ClassModel gemm() throws IOException {
        try (InputStream in = Gemm.class.getResourceAsStream("Gemm.class")) {
            return ClassFile.of().parse(in.readAllBytes());
        }
    }

    private static int codeLength(MethodModel m) {
        return m.findAttribute(Attributes.code()).orElseThrow().codeLength();
    }

    @Test
    void eachTileLoopIsTooLargeForTheJitToInline() throws IOException {
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        int limit = Integer.parseInt(vm.getVMOption("FreqInlineSize").getValue());
        ClassModel cm = gemm();
        for (String name : TILES) {
            List<MethodModel> ms = cm.methods().stream().filter(m -> m.methodName().equalsString(name)).toList();
            assertThat(ms).as(name).hasSize(1);
            assertThat(codeLength(ms.getFirst())).as(name + "'s bytecode against FreqInlineSize").isGreaterThan(limit);
        }
    }

    @Test
    void theMacroKernelsCallTheTileLoops() throws IOException {
        ClassModel cm = gemm();
        for (String[] pair : new String[][]{{"macroKernel", "tilePacked"}, {"macroKernelDirect", "tileDirect"},
                {"narrowPanel", "narrowTilePacked"}, {"narrowPanelDirect", "narrowTileDirect"}, {"columnTail", "columnPairs"},
                {"macroKernelDirect", "tileDirectSeg"}, {"macroKernelB", "tileDirectB"}}) {
            // the overload that holds the tile loop (the others delegate to it)
            boolean calls = cm.methods().stream()
                    .filter(m -> m.methodName().equalsString(pair[0]))
                    .anyMatch(m -> m.code().orElseThrow().elementStream()
                            .anyMatch(e -> e instanceof InvokeInstruction i && i.name().equalsString(pair[1])));
            assertThat(calls).as(pair[0] + " calls " + pair[1]).isTrue();
        }
    }
}
