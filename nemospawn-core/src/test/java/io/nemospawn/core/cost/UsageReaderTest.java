package io.nemospawn.core.cost;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsageReaderTest {
  @TempDir
  Path dir;

  static String assistant(String id, String model, int in, int cw, int cr, int out) {
    return "{\"type\":\"assistant\",\"message\":{\"id\":\"" + id + "\",\"model\":\"" + model
        + "\",\"content\":[],\"usage\":{\"input_tokens\":" + in
        + ",\"cache_creation_input_tokens\":" + cw + ",\"cache_read_input_tokens\":" + cr
        + ",\"output_tokens\":" + out + "}},\"session_id\":\"s1\"}";
  }

  @Test
  void claudeStreamJsonCountsEachMessageOnceAndEndsAtTheResultTotals() {
    UsageReader r = UsageReader.fresh("");
    r.accept("{\"type\":\"system\",\"subtype\":\"init\",\"model\":\"claude-sonnet-4-5\"}");
    r.accept(assistant("msg_1", "claude-sonnet-4-5", 10, 100, 1000, 1));
    // the same message again (one event per content block), its output grown
    r.accept(assistant("msg_1", "claude-sonnet-4-5", 10, 100, 1000, 50));
    r.accept(assistant("msg_2", "claude-sonnet-4-5", 5, 0, 1100, 20));
    assertThat(r.totals())
        .containsExactly(Map.entry("claude-sonnet-4-5", TokenUsage.of(15, 2100, 100, 70, 0)));
    r.accept("{\"type\":\"result\",\"subtype\":\"success\",\"usage\":{\"input_tokens\":15,"
        + "\"cache_creation_input_tokens\":100,\"cache_read_input_tokens\":2100,"
        + "\"output_tokens\":90},\"modelUsage\":{\"claude-sonnet-4-5\":{\"inputTokens\":15,"
        + "\"outputTokens\":90,\"cacheReadInputTokens\":2100,\"cacheCreationInputTokens\":100},"
        + "\"claude-haiku-4-5\":{\"inputTokens\":300,\"outputTokens\":40,"
        + "\"cacheReadInputTokens\":0,\"cacheCreationInputTokens\":0}}}");
    assertThat(r.totals())
        .containsOnly(
            Map.entry("claude-sonnet-4-5", TokenUsage.of(15, 2100, 100, 90, 0)),
            Map.entry("claude-haiku-4-5", TokenUsage.of(300, 0, 0, 40, 0)));
  }

  @Test
  void claudeJsonOutputIsTheResultAlone() {
    UsageReader r = UsageReader.fresh("claude-opus-4-5");
    r.accept("{\"type\":\"result\",\"usage\":{\"input_tokens\":7,\"cache_creation_input_tokens\":1,"
        + "\"cache_read_input_tokens\":2,\"output_tokens\":3}}");
    assertThat(r.totals())
        .containsExactly(Map.entry("claude-opus-4-5", TokenUsage.of(7, 2, 1, 3, 0)));
  }

  @Test
  void codexTokenCountUsesTheLastTurnAndCountsARepeatOnce() {
    UsageReader r = UsageReader.fresh("");
    r.accept("{\"type\":\"turn_context\",\"payload\":{\"model\":\"gpt-5-codex\"}}");
    String tc = "{\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",\"info\":{"
        + "\"total_token_usage\":{\"input_tokens\":%d,\"cached_input_tokens\":%d,"
        + "\"output_tokens\":%d,\"reasoning_output_tokens\":%d,\"total_tokens\":%d},"
        + "\"last_token_usage\":{\"input_tokens\":%d,\"cached_input_tokens\":%d,"
        + "\"output_tokens\":%d,\"reasoning_output_tokens\":%d,\"total_tokens\":%d}}}}";
    r.accept(String.format(tc, 1000, 200, 50, 10, 1050, 1000, 200, 50, 10, 1050));
    r.accept(String.format(tc, 1000, 200, 50, 10, 1050, 1000, 200, 50, 10, 1050));
    // the app-server's notification of the same turn carries the same total
    r.accept("{\"method\":\"thread/tokenUsage/updated\",\"params\":{\"tokenUsage\":{\"total\":"
        + "{\"totalTokens\":1050,\"inputTokens\":1000,\"cachedInputTokens\":200,"
        + "\"outputTokens\":50,\"reasoningOutputTokens\":10}}}}");
    r.accept(String.format(tc, 2500, 1200, 80, 10, 2580, 1500, 1000, 30, 0, 1530));
    assertThat(r.totals())
        .containsExactly(Map.entry("gpt-5-codex", TokenUsage.of(800 + 500, 1200, 0, 80, 10)));
    // cumulative only (no last): the growth counts
    r.accept("{\"method\":\"thread/tokenUsage/updated\",\"params\":{\"tokenUsage\":{\"total\":"
        + "{\"totalTokens\":2680,\"inputTokens\":2600,\"cachedInputTokens\":1200,"
        + "\"outputTokens\":80,\"reasoningOutputTokens\":10}}}}");
    assertThat(r.totals().get("gpt-5-codex")).isEqualTo(TokenUsage.of(1400, 1200, 0, 80, 10));
  }

  @Test
  void readsIncrementallyAndOnlyCompleteLinesAndSurvivesItsState() throws Exception {
    Path log = dir.resolve("a.log");
    Files.writeString(
        log,
        "Starting agent...\n\u001b[32mready\u001b[0m\n"
            + assistant("m1", "claude-haiku-4-5", 1, 0, 0, 1) + "\n"
            + assistant("m2", "claude-haiku-4-5", 2, 0, 0, 2).substring(0, 40));
    UsageReader r = UsageReader.fresh("");
    assertThat(r.readFrom(log)).hasSize(1);
    long after = r.offset();
    assertThat(Files.readString(log).substring(0, (int) after)).endsWith("}\n");
    UsageReader again = UsageReader.fromState(r.toState());
    assertThat(again.offset()).isEqualTo(after);
    Files.writeString(
        log,
        assistant("m2", "claude-haiku-4-5", 2, 0, 0, 2).substring(40) + "\nnot json {oops\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);
    assertThat(again.readFrom(log))
        .containsExactly(new UsageReader.Delta("claude-haiku-4-5", TokenUsage.of(2, 0, 0, 2, 0)));
    assertThat(again.totals())
        .containsExactly(Map.entry("claude-haiku-4-5", TokenUsage.of(3, 0, 0, 3, 0)));
    assertThat(again.readFrom(log)).isEmpty();
    assertThat(again.offset()).isEqualTo(Files.size(log));
  }

  @Test
  void aLogNamingNoModelCountsAgainstTheDefaultOrUnknown() {
    UsageReader r = UsageReader.fresh("");
    r.accept("{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":10,"
        + "\"cached_input_tokens\":4,\"output_tokens\":3}}");
    assertThat(r.totals()).containsOnlyKeys(UsageReader.UNKNOWN_MODEL);
    assertThat(r.totals().get("unknown")).isEqualTo(TokenUsage.of(6, 4, 0, 3, 0));
  }
}
