package dev.vessels.core.cfg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.vessels.core.Network;
import dev.vessels.core.TestNets;
import dev.vessels.core.VesselsException;
import dev.vessels.core.layers.ConvolutionalLayer;
import dev.vessels.core.layers.Shape;

class NetworkParseTest {
    static final String NET = "[net]\nwidth=8\nheight=8\nchannels=3\n";

    @Test
    void shapesParametersAndWorkspaceOfASmallNet() {
        Network n = TestNets.parse(NET + """
                [convolutional]
                batch_normalize=1
                filters=4
                size=3
                stride=1
                pad=1
                activation=leaky

                [maxpool]
                size=2
                stride=2

                [convolutional]
                filters=6
                size=1
                stride=1
                activation=linear

                [route]
                layers=-1,-2

                [avgpool]

                [connected]
                output=5
                activation=linear

                [softmax]
                groups=1

                [cost]
                type=sse
                """);
        assertThat(n.layers()).hasSize(8);
        assertThat(n.layers().get(0).outShape()).isEqualTo(new Shape(4, 8, 8));
        assertThat(n.layers().get(0).paramFloats()).isEqualTo(4 * 4 + 4 * 3 * 9);
        assertThat(n.layers().get(0).workspaceFloats()).isEqualTo(27 * 64);
        assertThat(n.layers().get(1).outShape()).isEqualTo(new Shape(4, 4, 4));
        assertThat(n.layers().get(2).workspaceFloats()).isZero(); // 1x1 stride 1: no im2col
        assertThat(n.layers().get(3).outShape()).isEqualTo(new Shape(10, 4, 4));
        assertThat(n.layers().get(3).inputLayers()).containsExactly(2, 1);
        assertThat(n.layers().get(5).paramFloats()).isEqualTo(5 + 5 * 10);
        assertThat(n.outputIndex()).isEqualTo(6); // cost is skipped, as network_predict does
    }

    @Test
    void whitespaceCommentsAndAliasesAreAccepted() {
        Network n = TestNets.parse("# comment\n[net]\n width = 4 \nheight=4\nchannels=1\n; another\n[conv]\nfilters = 2\nsize=3\npad=1\nactivation=relu\n[max]\nsize=2\nstride=2\n");
        assertThat(n.layers().get(0).kind()).isEqualTo("conv");
        assertThat(n.layers().get(1).outShape()).isEqualTo(new Shape(2, 2, 2));
    }

    @Test
    void maxpoolUsesDarknetDefaultPadding() {
        Network n = TestNets.parse("[net]\nwidth=13\nheight=13\nchannels=2\n[maxpool]\nsize=2\nstride=1\n");
        assertThat(n.layers().get(0).outShape()).isEqualTo(new Shape(2, 13, 13)); // (13 + 1 - 2)/1 + 1
    }

    @Test
    void nonSquareKernelExtension() {
        Network n = TestNets.parse("[net]\nwidth=17\nheight=17\nchannels=8\n[convolutional]\nfilters=4\nsize_x=7\nsize_y=1\npad=1\nactivation=relu\n");
        ConvolutionalLayer c = (ConvolutionalLayer) n.layers().get(0);
        assertThat(c.outShape()).isEqualTo(new Shape(4, 17, 17));
        assertThat(c.padW()).isEqualTo(3);
        assertThat(c.padH()).isZero();
        assertThat(c.paramFloats()).isEqualTo(4 + 4 * 8 * 7);
    }

    @Test
    void unknownSectionNamesFileAndLine() {
        assertThatThrownBy(() -> TestNets.parse(NET + "[convolutional]\nfilters=2\n\n[lstm]\noutput=3\n"))
                .isInstanceOf(CfgException.class)
                .hasMessageStartingWith("test.cfg:8: ")
                .hasMessageContaining("unsupported section [lstm]");
    }

    @Test
    void unknownKeyNamesItsLine() {
        assertThatThrownBy(() -> TestNets.parse(NET + "[convolutional]\nfliters=2\nsize=3\n"))
                .hasMessageStartingWith("test.cfg:6: ")
                .hasMessageContaining("unknown key 'fliters'");
    }

    @Test
    void malformedNumber() {
        assertThatThrownBy(() -> TestNets.parse(NET + "[convolutional]\nfilters=2x\n"))
                .hasMessageStartingWith("test.cfg:6: ")
                .hasMessageContaining("'filters' expects an integer, got '2x'");
        assertThatThrownBy(() -> TestNets.parse(NET + "[convolutional]\nfilters=3\n[shortcut]\nfrom=-1\nalpha=abc\n"))
                .hasMessageContaining("'alpha' expects a number");
    }

    @Test
    void unknownActivation() {
        assertThatThrownBy(() -> TestNets.parse(NET + "[convolutional]\nfilters=2\nactivation=swish\n"))
                .hasMessageStartingWith("test.cfg:7: ")
                .hasMessageContaining("unknown activation 'swish'");
    }

    @Test
    void routeToAMissingLayer() {
        assertThatThrownBy(() -> TestNets.parse(NET + "[convolutional]\nfilters=2\n[route]\nlayers=-5\n"))
                .hasMessageStartingWith("test.cfg:8: ")
                .hasMessageContaining("refers to layer -5");
        assertThatThrownBy(() -> TestNets.parse(NET + "[convolutional]\nfilters=2\n[route]\nlayers=3\n"))
                .hasMessageContaining("layer 1 can only use layers 0..0");
    }

    @Test
    void routeOfDifferentSpatialSizes() {
        assertThatThrownBy(() -> TestNets.parse(NET + "[convolutional]\nfilters=2\n[maxpool]\nsize=2\nstride=2\n[route]\nlayers=-1,-2\n"))
                .hasMessageContaining("spatial sizes differ");
    }

    @Test
    void shortcutShapeMismatch() {
        // layer 0 is 8x4 (stride_y=2), layer 1 is 4x4: widths scale by 2, heights by 1
        assertThatThrownBy(() -> TestNets.parse("[net]\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nfilters=2\nstride_x=1\nstride_y=2\n"
                + "[convolutional]\nfilters=2\nsize=1\nstride_x=2\nstride_y=1\n[shortcut]\nfrom=-2\n"))
                .hasMessageContaining("cannot be added");
    }

    @Test
    void impossibleShapes() {
        assertThatThrownBy(() -> TestNets.parse(NET + "[convolutional]\nfilters=2\nsize=11\n"))
                .hasMessageContaining("larger than the padded input");
        assertThatThrownBy(() -> TestNets.parse(NET + "[convolutional]\nfilters=3\ngroups=2\n"))
                .hasMessageContaining("groups=2 must divide");
        assertThatThrownBy(() -> TestNets.parse(NET + "[convolutional]\nfilters=0\n"))
                .hasMessageContaining("filters must be >= 1");
        assertThatThrownBy(() -> TestNets.parse(NET + "[convolutional]\nfilters=30\nsize=1\n[yolo]\nclasses=80\nmask=0,1,2\nnum=3\nanchors=1,2,3,4,5,6\n"))
                .hasMessageContaining("needs 255 input channels");
    }

    @Test
    void netSectionProblems() {
        assertThatThrownBy(() -> TestNets.parse("[convolutional]\nfilters=2\n"))
                .hasMessageStartingWith("test.cfg:1: ")
                .hasMessageContaining("first section must be [net]");
        assertThatThrownBy(() -> TestNets.parse("[net]\nwidth=8\n[convolutional]\n"))
                .hasMessageContaining("needs width=, height= and channels=");
        assertThatThrownBy(() -> TestNets.parse("width=8\n[net]\n"))
                .hasMessageContaining("before the first [section]");
        assertThatThrownBy(() -> TestNets.parse("[net]\nwidth=8\nwidth=9\n"))
                .hasMessageContaining("duplicate key 'width'");
        assertThatThrownBy(() -> TestNets.parse("[net\n"))
                .hasMessageContaining("malformed section header");
        assertThatThrownBy(() -> TestNets.parse("[net]\nnonsense line\n"))
                .hasMessageContaining("expected 'key=value'");
    }

    @Test
    void missingFile() {
        assertThatThrownBy(() -> Network.parse(Path.of("/nonexistent/x.cfg")))
                .isInstanceOf(VesselsException.class)
                .hasMessage("/nonexistent/x.cfg: cfg file not found");
    }
}
