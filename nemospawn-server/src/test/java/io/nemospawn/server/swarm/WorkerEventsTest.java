package io.nemospawn.server.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerEventsTest {
  private static List<String> names(List<WorkerEvents.Normalized> l) {
    return l.stream().map(WorkerEvents.Normalized::event).toList();
  }

  @Test
  void codexAppServerMessages() {
    assertThat(names(WorkerEvents.fromCodex(
            SwarmJson.parse("{\"method\":\"turn/started\",\"params\":{\"turnId\":\"t\"}}"))))
        .containsExactly("turn_started");
    var d = WorkerEvents.fromCodex(SwarmJson.parse(
        "{\"method\":\"item/agentMessage/delta\",\"params\":{\"delta\":\"a\\u202eb\"}}"));
    assertThat(d.get(0).data().path("content").asString()).isEqualTo("a\u202eb");
    var u = WorkerEvents.fromCodex(SwarmJson.parse("{\"method\":\"thread/tokenUsage/updated\","
        + "\"params\":{\"tokenUsage\":{\"total\":{\"totalTokens\":30,\"inputTokens\":20,"
        + "\"cachedInputTokens\":5,\"outputTokens\":10},\"last\":{\"totalTokens\":3},"
        + "\"modelContextWindow\":1000}}}"));
    assertThat(u.get(0).event()).isEqualTo("usage");
    assertThat(u.get(0).data().path("input_tokens").asLong()).isEqualTo(20);
    assertThat(u.get(0).data().path("cached_input_tokens").asLong()).isEqualTo(5);
    assertThat(u.get(0).data().path("last_total_tokens").asLong()).isEqualTo(3);
    assertThat(u.get(0).data().path("model_context_window").asLong()).isEqualTo(1000);
    var a = WorkerEvents.fromCodex(SwarmJson.parse("{\"id\":7,\"method\":"
        + "\"item/commandExecution/requestApproval\",\"params\":{\"turnId\":\"t\",\"itemId\":\"c1\","
        + "\"command\":[\"rm\",\"-rf\",\"/\"],\"cwd\":\"/w\",\"reason\":\"r\"}}"));
    assertThat(a.get(0).event()).isEqualTo("exec_approval_required");
    assertThat(a.get(0).data().path("command").asString()).isEqualTo("rm -rf /");
    assertThat(a.get(0).data().path("call_id").asString()).isEqualTo("c1");
    assertThat(a.get(0).data().path("rpc_id").asInt()).isEqualTo(7);
    assertThat(names(WorkerEvents.fromCodex(
            SwarmJson.parse("{\"method\":\"turn/completed\",\"params\":{}}"))))
        .containsExactly("task_complete", "turn_complete");
    assertThat(WorkerEvents.fromCodex(SwarmJson.parse("{\"method\":\"x/unknown\"}")))
        .isEmpty();
    assertThat(WorkerEvents.fromCodex(SwarmJson.parse("[1,2]"))).isEmpty();
  }

  @Test
  void claudeStreamJsonLines() {
    assertThat(names(WorkerEvents.fromClaude(SwarmJson.parse("{\"type\":\"stream_event\","
            + "\"event\":{\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\","
            + "\"text\":\"hi\"}}}"))))
        .containsExactly("assistant_delta");
    var a = WorkerEvents.fromClaude(SwarmJson.parse("{\"type\":\"assistant\",\"message\":"
        + "{\"content\":[{\"type\":\"text\",\"text\":\"x\"},{\"type\":\"tool_use\"},"
        + "{\"type\":\"text\",\"text\":\"y\"}]}}"));
    assertThat(a.get(0).data().path("content").asString()).isEqualTo("xy");
    var r = WorkerEvents.fromClaude(SwarmJson.parse("{\"type\":\"result\",\"subtype\":"
        + "\"success\",\"result\":\"done\",\"usage\":{\"input_tokens\":10,"
        + "\"cache_read_input_tokens\":4,\"output_tokens\":6}}"));
    assertThat(names(r)).containsExactly("usage", "task_complete", "turn_complete");
    assertThat(r.get(0).data().path("input_tokens").asLong()).isEqualTo(14);
    assertThat(r.get(0).data().path("cached_input_tokens").asLong()).isEqualTo(4);
    assertThat(r.get(1).data().path("last_agent_message").asString()).isEqualTo("done");
    assertThat(WorkerEvents.fromClaude(SwarmJson.parse("{\"type\":\"system\"}")))
        .isEmpty();
  }
}
