package dev.vessels.core.cfg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vessels.core.Network;

/** Every cfg the conformance work uses parses, with Darknet's parameter counts (from the weights sizes Darknet writes). */
class DebianCfgTest {
    static final Path DIR = Path.of("/usr/share/darknet/cfg");

    @ParameterizedTest
    @CsvSource({
            "alexnet, 14, 62378344", "vgg-16, 25, 138357544", "resnet101, 138, 41870248", "resnet152, 205, 57559976",
            "resnext152-32x4d, 205, 56730920", "densenet201, 305, 17206440", "darknet53, 78, 41645640",
            "yolov3, 107, 62001757", "yolov3-tiny, 24, 8858734", "resnet18, 29, 11523496", "darknet19, 26, 20856776"})
    void parses(String name, int layers, long params) {
        Path cfg = DIR.resolve(name + ".cfg");
        assumeTrue(Files.exists(cfg), "Debian package 'darknet' not installed");
        Network n = Network.parse(cfg);
        assertThat(n.layers()).hasSize(layers);
        assertThat(n.paramFloats()).isEqualTo(params);
        assertThat(n.bflops()).isPositive();
    }
}
