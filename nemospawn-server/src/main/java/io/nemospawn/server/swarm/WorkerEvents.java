package io.nemospawn.server.swarm;

import java.util.ArrayList;
import java.util.List;
import org.apiguardian.api.API;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Normalises agent CLI output into Codeswarm's worker events ({@code turn_started}, {@code
 * assistant_delta}, {@code assistant}, {@code usage}, {@code exec_approval_required}, {@code
 * command_started}, {@code command_completed}, {@code task_complete}, {@code turn_complete}, {@code
 * agent_error}). Two dialects: Codex {@code app-server} JSON-RPC messages and Claude Code {@code
 * stream-json} output lines. Unknown messages yield nothing (clients ignore what they do not know,
 * and so do we); nothing here throws on odd input.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class WorkerEvents {
  private WorkerEvents() {}

  /** One normalised event: its name and fields (without swarm/node/injection ids). */
  public record Normalized(String event, ObjectNode data) {}

  /** Normalises one Codex app-server JSON-RPC message (notification or server request). */
  public static List<Normalized> fromCodex(JsonNode msg) {
    List<Normalized> out = new ArrayList<>();
    String method = msg.path("method").asString("");
    JsonNode p = msg.path("params");
    switch (method) {
      case "turn/started" -> out.add(new Normalized("turn_started", SwarmJson.obj()));
      case "item/agentMessage/delta" ->
        out.add(new Normalized(
            "assistant_delta", SwarmJson.obj().put("content", p.path("delta").asString(""))));
      case "item/reasoning/textDelta", "item/reasoning/summaryTextDelta" ->
        out.add(new Normalized(
            "reasoning_delta", SwarmJson.obj().put("content", p.path("delta").asString(""))));
      case "item/started" -> {
        JsonNode item = p.path("item");
        if (item.path("type").asString("").equals("commandExecution")) {
          out.add(new Normalized(
              "command_started",
              SwarmJson.obj()
                  .put("call_id", item.path("id").asString(""))
                  .put("command", commandText(item.path("command")))
                  .put("cwd", item.path("cwd").asString(""))));
        }
      }
      case "item/completed" -> {
        JsonNode item = p.path("item");
        String type = item.path("type").asString("");
        if (type.equals("agentMessage")) {
          out.add(new Normalized(
              "assistant",
              SwarmJson.obj()
                  .put("content", item.path("text").asString(""))
                  .put("final_answer", true)));
        } else if (type.equals("reasoning")) {
          out.add(new Normalized(
              "reasoning", SwarmJson.obj().put("content", item.path("text").asString(""))));
        } else if (type.equals("commandExecution")) {
          out.add(new Normalized(
              "command_completed",
              SwarmJson.obj()
                  .put("call_id", item.path("id").asString(""))
                  .put("command", commandText(item.path("command")))
                  .put("cwd", item.path("cwd").asString(""))
                  .put("status", item.path("status").asString(""))
                  .put("stdout", item.path("aggregatedOutput").asString(""))
                  .put("stderr", "")
                  .put("exit_code", item.path("exitCode").asInt(-1))));
        }
      }
      case "thread/tokenUsage/updated" -> {
        JsonNode u = p.path("tokenUsage");
        ObjectNode d = SwarmJson.obj();
        copyTokens(u.path("total"), d, "");
        copyTokens(u.path("last"), d, "last_");
        if (u.has("modelContextWindow")) {
          d.put("model_context_window", u.path("modelContextWindow").asLong());
        }
        d.put("usage_source", "thread/tokenUsage/updated");
        out.add(new Normalized("usage", d));
      }
      case "item/commandExecution/requestApproval", "execCommandApproval" -> {
        ObjectNode d = SwarmJson.obj()
            .put("turn_id", p.path("turnId").asString(""))
            .put(
                "call_id",
                p.has("itemId")
                    ? p.path("itemId").asString("")
                    : p.path("callId").asString(""))
            .put("command", commandText(p.path("command")))
            .put("reason", p.path("reason").asString(""))
            .put("cwd", p.path("cwd").asString(""))
            .put("approval_method", method);
        d.set("rpc_id", msg.path("id"));
        d.set(
            "proposed_execpolicy_amendment",
            p.path("proposedExecpolicyAmendment").isMissingNode()
                ? SwarmJson.MAPPER.nullNode()
                : p.path("proposedExecpolicyAmendment"));
        d.putArray("available_decisions")
            .add("accept")
            .add("acceptForSession")
            .add("decline")
            .add("cancel");
        out.add(new Normalized("exec_approval_required", d));
      }
      case "turn/completed" -> {
        out.add(new Normalized("task_complete", SwarmJson.obj()));
        out.add(new Normalized("turn_complete", SwarmJson.obj()));
      }
      case "thread/status/changed" -> {
        ObjectNode d = SwarmJson.obj();
        d.set("status", p.path("status"));
        out.add(new Normalized("thread_status", d));
      }
      case "error" ->
        out.add(new Normalized(
            "agent_error",
            SwarmJson.obj()
                .put(
                    "message",
                    p.path("error").path("message").asString(p.path("message").asString("")))
                .put("error_code", p.path("error").path("codexErrorInfo").asString(""))));
      default -> {}
    }
    return out;
  }

  /** Normalises one Claude Code {@code stream-json} output line. */
  public static List<Normalized> fromClaude(JsonNode msg) {
    List<Normalized> out = new ArrayList<>();
    String type = msg.path("type").asString("");
    switch (type) {
      case "stream_event" -> {
        JsonNode ev = msg.path("event");
        if (ev.path("type").asString("").equals("content_block_delta")
            && ev.path("delta").path("type").asString("").equals("text_delta")) {
          out.add(new Normalized(
              "assistant_delta",
              SwarmJson.obj().put("content", ev.path("delta").path("text").asString(""))));
        } else if (ev.path("type").asString("").equals("message_start")) {
          out.add(new Normalized("turn_started", SwarmJson.obj()));
        }
      }
      case "assistant" -> {
        StringBuilder text = new StringBuilder();
        for (JsonNode c : msg.path("message").path("content")) {
          if (c.path("type").asString("").equals("text")) {
            text.append(c.path("text").asString(""));
          }
        }
        if (!text.isEmpty()) {
          out.add(new Normalized(
              "assistant",
              SwarmJson.obj().put("content", text.toString()).put("final_answer", false)));
        }
      }
      case "result" -> {
        JsonNode u = msg.path("usage");
        long cached = u.path("cache_read_input_tokens").asLong(0);
        long in = u.path("input_tokens").asLong(0)
            + cached
            + u.path("cache_creation_input_tokens").asLong(0);
        long outTokens = u.path("output_tokens").asLong(0);
        ObjectNode d = SwarmJson.obj()
            .put("total_tokens", in + outTokens)
            .put("input_tokens", in)
            .put("cached_input_tokens", cached)
            .put("output_tokens", outTokens)
            .put("reasoning_output_tokens", 0)
            .put("last_total_tokens", in + outTokens)
            .put("last_input_tokens", in)
            .put("last_cached_input_tokens", cached)
            .put("last_output_tokens", outTokens)
            .put("last_reasoning_output_tokens", 0)
            .put("usage_source", "claude/stream-json/result");
        out.add(new Normalized("usage", d));
        if (msg.path("is_error").asBoolean(false)) {
          out.add(new Normalized(
              "agent_error",
              SwarmJson.obj()
                  .put("message", msg.path("result").asString(""))
                  .put("error_code", msg.path("subtype").asString(""))));
        }
        out.add(new Normalized(
            "task_complete",
            SwarmJson.obj().put("last_agent_message", msg.path("result").asString(""))));
        out.add(new Normalized("turn_complete", SwarmJson.obj()));
      }
      default -> {}
    }
    return out;
  }

  private static void copyTokens(JsonNode t, ObjectNode d, String prefix) {
    d.put(prefix + "total_tokens", t.path("totalTokens").asLong(0));
    d.put(prefix + "input_tokens", t.path("inputTokens").asLong(0));
    d.put(prefix + "cached_input_tokens", t.path("cachedInputTokens").asLong(0));
    d.put(prefix + "output_tokens", t.path("outputTokens").asLong(0));
    d.put(prefix + "reasoning_output_tokens", t.path("reasoningOutputTokens").asLong(0));
  }

  private static String commandText(JsonNode command) {
    if (command.isArray()) {
      List<String> parts = new ArrayList<>();
      command.forEach(c -> parts.add(c.asString("")));
      return String.join(" ", parts);
    }
    return command.asString("");
  }
}
