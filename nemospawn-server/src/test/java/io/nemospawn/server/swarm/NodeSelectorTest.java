package io.nemospawn.server.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NodeSelectorTest {
  @Test
  void parsesEveryForm() {
    assertThat(NodeSelector.parse("/all do it"))
        .isEqualTo(new NodeSelector.Route(null, NodeSelector.Kind.ALL, List.of(), false, "do it"));
    NodeSelector.Route r = NodeSelector.parse("/node[0,2-4] run\nthe tests");
    assertThat(r.kind()).isEqualTo(NodeSelector.Kind.NODES);
    assertThat(r.nodes()).containsExactly(0, 2, 3, 4);
    assertThat(r.prompt()).isEqualTo("run\nthe tests");
    assertThat(NodeSelector.parse("/agent[3, 1,1] x").nodes()).containsExactly(1, 3);
    assertThat(NodeSelector.parse("/idle x").kind()).isEqualTo(NodeSelector.Kind.IDLE);
    assertThat(NodeSelector.parse("/first-idle x").kind()).isEqualTo(NodeSelector.Kind.IDLE);
    NodeSelector.Route x = NodeSelector.parse("/swarm[gpu-b]/node[1]/reply fix it");
    assertThat(x.swarm()).isEqualTo("gpu-b");
    assertThat(x.nodes()).containsExactly(1);
    assertThat(x.reply()).isTrue();
    assertThat(x.selectorName()).isEqualTo("nodes");
    assertThat(NodeSelector.parse("/swarm[b] hi").kind()).isEqualTo(NodeSelector.Kind.IDLE);
    assertThat(NodeSelector.parse("/all").prompt()).isEmpty();
  }

  @Test
  void plainTextIsThePromptVerbatim() {
    String hostile = "$(id) `id` \"q\" 'q' \u202egnp.exe\u202c\n\u0007";
    NodeSelector.Route r = NodeSelector.parse(hostile);
    assertThat(r.kind()).isEqualTo(NodeSelector.Kind.DEFAULT);
    assertThat(r.prompt()).isEqualTo(hostile);
    assertThat(NodeSelector.parse("/all " + hostile).prompt()).isEqualTo(hostile);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/node[] x",
        "/node[1 x",
        "/node[-1] x",
        "/node[4-2] x",
        "/node[1,,2] x",
        "/node[a] x",
        "/node[99999] x",
        "/node[4096] x",
        "/node[0-99999999999] x",
        "/nodes[1] x",
        "/everyone x",
        "/swarm[../x]/all x",
        "/swarm[$(id)]/all x",
        "/swarm[a/all x",
        "/swarm[]/all x",
        "/node[1]\u202e x",
        "/node[\u0000] x",
        "/ x",
        "/all/reply/reply x"
      })
  void refusesMalformedDirectivesNamingThem(String line) {
    assertThatThrownBy(() -> NodeSelector.parse(line))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid routing directive '")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\u202e", "\u0000"));
  }

  @Test
  void checksRangeAgainstTheSwarm() {
    NodeSelector.checkRange(List.of(0, 2), 3);
    assertThatThrownBy(() -> NodeSelector.checkRange(List.of(3), 3))
        .hasMessageContaining("Node id 3 is out of range")
        .hasMessageContaining("ids 0..2");
    assertThatThrownBy(() -> NodeSelector.checkRange(List.of(-1), 3))
        .hasMessageContaining("Node id -1");
  }

  @Test
  void maxRangeStaysBounded() {
    assertThat(NodeSelector.parseNodeList("0-4095")).hasSize(4096);
  }
}
