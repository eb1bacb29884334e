package dev.vessels.core.zoo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vessels.core.Network;
import dev.vessels.core.layers.Layer;
import dev.vessels.core.layers.YoloLayer;

/**
 * Eight zoo cfgs were written for Vessels to be the same networks as the Debian package's Darknet
 * cfgs. Both are parsed and compared layer by layer: the properties the executors and memory
 * planner depend on (kind, shapes, inputs, parameter layout, workspace, BFLOPs) and, to catch any
 * semantic slip those miss (an activation, a crop's adjust flag, a softmax's groups), every field
 * the layer object was built with.
 */
class ZooMatchesDarknetCfgsTest {
    static final Path DARKNET_CFG = Path.of("/usr/share/darknet/cfg");

    @ParameterizedTest(name = "{0} = Darknet''s {1}")
    @CsvSource({
            "alexnet, alexnet.cfg",
            "vgg16, vgg-16.cfg",
            "resnet101, resnet101.cfg",
            "resnet152, resnet152.cfg",
            "resnext152, resnext152-32x4d.cfg",
            "densenet201, densenet201.cfg",
            "darknet53, darknet53.cfg",
            "yolov3, yolov3.cfg"})
    void sameNetworkAsDarknetCfg(String zooName, String darknetFile) throws Exception {
        Path theirs = DARKNET_CFG.resolve(darknetFile);
        assumeTrue(Files.isRegularFile(theirs), "Debian's darknet package is not installed (" + theirs + ")");
        Network dn = Network.parse(theirs);
        Network ours = ModelZoo.open(zooName);

        assertThat(ours.name()).isEqualTo(zooName);
        assertThat(ours.input()).as("input size").isEqualTo(dn.input());
        assertThat(ours.layers()).as("layer count").hasSameSizeAs(dn.layers());
        assertThat(ours.cfgBatch()).as("zoo cfgs use batch=1, subdivisions=1").isEqualTo(1);
        for (int i = 0; i < dn.layers().size(); i++) {
            Layer a = ours.layers().get(i), b = dn.layers().get(i);
            String at = zooName + " layer " + i + " (" + b.kind() + ")";
            assertThat(a.kind()).as(at + " kind").isEqualTo(b.kind());
            assertThat(a.inShape()).as(at + " input shape").isEqualTo(b.inShape());
            assertThat(a.outShape()).as(at + " output shape").isEqualTo(b.outShape());
            assertThat(a.inputLayers()).as(at + " inputs").isEqualTo(b.inputLayers());
            assertThat(a.paramSegments()).as(at + " parameter layout").isEqualTo(b.paramSegments());
            assertThat(a.paramFloats()).as(at + " parameters").isEqualTo(b.paramFloats());
            assertThat(a.workspaceFloats()).as(at + " workspace").isEqualTo(b.workspaceFloats());
            assertThat(a.bflops()).as(at + " BFLOPs").isEqualTo(b.bflops());
            assertThat(a.describe()).as(at + " table row").isEqualTo(b.describe());
            if (b instanceof YoloLayer yb) {
                YoloLayer ya = (YoloLayer) a;
                assertThat(ya.mask()).as(at + " mask").isEqualTo(yb.mask());
                assertThat(ya.anchors()).as(at + " anchors").isEqualTo(yb.anchors());
                assertThat(ya.classes()).as(at + " classes").isEqualTo(yb.classes());
            }
            assertThat(fields(a)).as(at + " every field").isEqualTo(fields(b));
        }
        assertThat(ours.paramFloats()).isEqualTo(dn.paramFloats());
        assertThat(ours.outputIndex()).isEqualTo(dn.outputIndex());
    }

    /** All instance fields of a layer, from Layer down to its class, arrays as lists. */
    static Map<String, Object> fields(Layer l) throws IllegalAccessException {
        List<Class<?>> chain = new ArrayList<>();
        for (Class<?> c = l.getClass(); c != Object.class; c = c.getSuperclass()) chain.addFirst(c);
        Map<String, Object> out = new LinkedHashMap<>();
        for (Class<?> c : chain) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) continue;
                f.setAccessible(true);
                out.put(c.getSimpleName() + "." + f.getName(), boxed(f.get(l)));
            }
        }
        return out;
    }

    private static Object boxed(Object v) {
        if (v == null || !v.getClass().isArray()) return v;
        int n = java.lang.reflect.Array.getLength(v);
        List<Object> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) l.add(boxed(java.lang.reflect.Array.get(v, i)));
        return l;
    }
}
