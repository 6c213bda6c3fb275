package io.nemospawn.core.cost;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads token usage from an agent CLI's own structured output, line by line, incrementally: {@link
 * #readFrom} starts where the last read stopped (its {@link #offset()}), so a watch pass costs
 * what the log has grown by. Lines that are not JSON (a terminal's output around them, a prefix
 * before the first <code>{</code>) are skipped.
 *
 * <p>Understood:
 *
 * <ul>
 *   <li><b>Claude Code</b> {@code --output-format stream-json}: {@code assistant} events ({@code
 *       message.id}, {@code message.model}, {@code message.usage} with {@code input_tokens}, {@code
 *       cache_creation_input_tokens}, {@code cache_read_input_tokens}, {@code output_tokens}),
 *       counted once per message id (repeats count what grew); the closing {@code result} event
 *       ({@code usage}, {@code modelUsage}) then adds what the messages did not show, so the run
 *       ends at the CLI's own totals. {@code --output-format json} prints the {@code result} alone.
 *   <li><b>Codex</b>: {@code token_count} events (rollout {@code event_msg}, {@code
 *       codex/event/token_count} notifications, bare {@code msg}) and {@code
 *       thread/tokenUsage/updated} notifications: the {@code last} usage when given, else the
 *       growth of the cumulative total (a drop is a new thread); a repeat of the same cumulative
 *       total is counted once. {@code codex exec --json} {@code turn.completed} carries the usage of
 *       its turn. The model comes from {@code turn_context}/{@code session_meta} lines or a {@code
 *       model} field, else the reader's default.
 * </ul>
 *
 * <p>Codex reports {@code input_tokens} including the cached ones; they are split here so that
 * {@link TokenUsage#input()} is always the uncached part. The state ({@link #toState}, {@link
 * #fromState}) is small: the offset, the totals per model and the open Claude run.
 *
 * <p>Not thread-safe: one reader per log, used by one thread at a time.
 *
 * @since 0.2
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.2")
public final class UsageReader {
  /** The model name used when a log names none and the reader has no default. */
  public static final String UNKNOWN_MODEL = "unknown";

  /** A longer line without its end is skipped rather than kept in memory. */
  static final int MAX_LINE = 4 << 20;

  private static final JsonMapper MAPPER = JsonMapper.builder().build();
  private static final byte[][] MARKERS = {
    "usage".getBytes(StandardCharsets.US_ASCII),
    "token_count".getBytes(StandardCharsets.US_ASCII),
    "tokenUsage".getBytes(StandardCharsets.US_ASCII),
    "modelUsage".getBytes(StandardCharsets.US_ASCII),
    "\"model\"".getBytes(StandardCharsets.US_ASCII),
  };

  private final String defaultModel;
  private long offset;
  private String model;
  private final Map<String, TokenUsage> totals = new TreeMap<>();
  /** The open Claude run: usage counted per message id, and the model of each message. */
  private final Map<String, TokenUsage> claudeMessages = new LinkedHashMap<>();

  private final Map<String, String> claudeModels = new LinkedHashMap<>();

  /** What the open Claude run has counted, by model (the ids above are only the recent ones). */
  private final Map<String, TokenUsage> claudeRun = new TreeMap<>();

  /** How many message ids of the open run are remembered (repeats of a message come together). */
  static final int RECENT_MESSAGES = 32;

  private long codexLastTotal = -1;
  private TokenUsage codexLastCumulative = TokenUsage.ZERO;
  private final List<Delta> pending = new ArrayList<>();

  /** A usage counted by one read, by model. */
  public record Delta(String model, TokenUsage usage) {}

  private UsageReader(String defaultModel) {
    this.defaultModel = defaultModel;
    this.model = defaultModel;
  }

  /**
   * Returns a reader at the start of a log.
   *
   * @param defaultModel the model to count usage against when the log names none (empty: {@link
   *     #UNKNOWN_MODEL})
   */
  public static UsageReader fresh(String defaultModel) {
    requireNonNull(defaultModel, "defaultModel");
    return new UsageReader(defaultModel.isBlank() ? UNKNOWN_MODEL : defaultModel);
  }

  /** Returns the byte offset up to which the log has been read (always after a line end). */
  public long offset() {
    return offset;
  }

  /** Returns the tokens counted so far, by model as the log names it. */
  public Map<String, TokenUsage> totals() {
    return Map.copyOf(totals);
  }

  /** Forgets the counted totals (a cost reset); the offset stays, so nothing is counted twice. */
  public void clearTotals() {
    totals.clear();
  }

  /**
   * Reads what the log has gained since the last read, up to its last complete line, and returns
   * the usage it counted, by model. A log shorter than the offset was replaced: it is read again
   * from its start. A missing log counts nothing.
   *
   * @throws IOException when the log exists but cannot be read
   */
  public List<Delta> readFrom(Path log) throws IOException {
    requireNonNull(log, "log");
    pending.clear();
    try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < offset) {
        offset = 0;
      }
      if (size == offset) {
        return List.of();
      }
      ByteBuffer buf = ByteBuffer.allocate((int) Math.min(Math.max(size - offset, 1), 1 << 16));
      byte[] line = new byte[256];
      int len = 0;
      boolean overlong = false;
      long pos = offset;
      ch.position(offset);
      while (pos < size) {
        buf.clear();
        int n = ch.read(buf);
        if (n <= 0) {
          break;
        }
        byte[] a = buf.array();
        for (int i = 0; i < n; i++) {
          byte b = a[i];
          pos++;
          if (b == '\n') {
            if (!overlong) {
              line(line, len);
            }
            len = 0;
            overlong = false;
            offset = pos;
          } else if (!overlong) {
            if (len == line.length) {
              if (len >= MAX_LINE) {
                overlong = true;
                continue;
              }
              line = java.util.Arrays.copyOf(line, Math.min(len * 2, MAX_LINE));
            }
            line[len++] = b;
          }
        }
      }
      if (overlong) {
        // An unterminated line past the limit will never be usage we can read: skip it.
        offset = pos;
      }
    } catch (NoSuchFileException e) {
      return List.of();
    }
    return List.copyOf(pending);
  }

  /** Reads one line of output (without its line end). */
  public List<Delta> accept(String line) {
    requireNonNull(line, "line");
    pending.clear();
    byte[] b = line.getBytes(StandardCharsets.UTF_8);
    line(b, b.length);
    return List.copyOf(pending);
  }

  private void line(byte[] b, int len) {
    int start = -1;
    for (int i = 0; i < len; i++) {
      if (b[i] == '{') {
        start = i;
        break;
      }
    }
    if (start < 0 || !mentionsUsage(b, start, len)) {
      return;
    }
    JsonNode n;
    try {
      n = MAPPER.readTree(b, start, len - start);
    } catch (JacksonException e) {
      return;
    }
    if (n == null || !n.isObject()) {
      return;
    }
    try {
      event(n);
    } catch (IllegalArgumentException | ArithmeticException e) {
      // A line that looks like usage but carries nonsense (negative counts) is skipped.
    }
  }

  private static boolean mentionsUsage(byte[] b, int from, int to) {
    for (byte[] m : MARKERS) {
      outer:
      for (int i = from; i <= to - m.length; i++) {
        for (int j = 0; j < m.length; j++) {
          if (b[i + j] != m[j]) {
            continue outer;
          }
        }
        return true;
      }
    }
    return false;
  }

  private void event(JsonNode n) {
    String type = n.path("type").asString("");
    String method = n.path("method").asString("");
    switch (type) {
      case "assistant" -> claudeAssistant(n.path("message"));
      case "result" -> claudeResult(n);
      case "turn.completed" -> {
        JsonNode u = n.path("usage");
        if (u.isObject()) {
          count(model, codexUsage(u, false));
        }
      }
      case "turn_context", "session_meta" -> noteModel(n.path("payload").path("model"));
      case "event_msg" -> codexEvent(n.path("payload"));
      default -> {
        if (method.equals("codex/event/token_count")) {
          codexEvent(n.path("params").path("msg"));
        } else if (method.equals("thread/tokenUsage/updated")) {
          JsonNode tu = n.path("params").path("tokenUsage");
          codexTokens(tu.path("total"), tu.path("last"), true);
        } else if (n.path("msg").path("type").asString("").equals("token_count")) {
          codexEvent(n.path("msg"));
        } else {
          noteModel(n.path("model"));
          noteModel(n.path("params").path("model"));
        }
      }
    }
  }

  private void noteModel(JsonNode m) {
    if (m.isString() && !m.asString().isBlank()) {
      model = m.asString();
    }
  }

  private void codexEvent(JsonNode payload) {
    if (!payload.path("type").asString("").equals("token_count")) {
      noteModel(payload.path("model"));
      return;
    }
    JsonNode info = payload.path("info");
    codexTokens(info.path("total_token_usage"), info.path("last_token_usage"), false);
  }

  private void codexTokens(JsonNode total, JsonNode last, boolean camel) {
    if (!total.isObject() && !last.isObject()) {
      return;
    }
    if (total.isObject()) {
      TokenUsage cum = codexUsage(total, camel);
      long t = number(total, camel ? "totalTokens" : "total_tokens", cum.total());
      if (t == codexLastTotal) {
        return; // the same cumulative total again (both notifications of one turn)
      }
      TokenUsage delta;
      if (last.isObject()) {
        delta = codexUsage(last, camel);
      } else if (t < codexLastTotal) {
        delta = cum; // a new thread
      } else {
        delta = cum.minusFloor(codexLastCumulative);
      }
      codexLastTotal = t;
      codexLastCumulative = cum;
      count(model, delta);
    } else {
      count(model, codexUsage(last, camel));
    }
  }

  private static TokenUsage codexUsage(JsonNode u, boolean camel) {
    long input = number(u, camel ? "inputTokens" : "input_tokens", 0);
    long cached = number(u, camel ? "cachedInputTokens" : "cached_input_tokens", 0);
    long output = number(u, camel ? "outputTokens" : "output_tokens", 0);
    long reasoning = number(u, camel ? "reasoningOutputTokens" : "reasoning_output_tokens", 0);
    // Codex counts the cached tokens inside input_tokens.
    return new TokenUsage(
        Math.max(0, input - cached), Math.min(cached, input), 0, output, reasoning);
  }

  private static TokenUsage claudeUsage(JsonNode u) {
    return new TokenUsage(
        number(u, "input_tokens", 0),
        number(u, "cache_read_input_tokens", 0),
        number(u, "cache_creation_input_tokens", 0),
        number(u, "output_tokens", 0),
        0);
  }

  private void claudeAssistant(JsonNode message) {
    JsonNode u = message.path("usage");
    if (!u.isObject()) {
      noteModel(message.path("model"));
      return;
    }
    noteModel(message.path("model"));
    String id = message.path("id").asString("");
    TokenUsage now = claudeUsage(u);
    if (id.isEmpty()) {
      count(model, now);
      return;
    }
    TokenUsage before = claudeMessages.getOrDefault(id, TokenUsage.ZERO);
    TokenUsage grown = now.minusFloor(before);
    claudeMessages.put(id, before.max(now));
    claudeModels.put(id, model);
    if (claudeMessages.size() > RECENT_MESSAGES) {
      String oldest = claudeMessages.keySet().iterator().next();
      claudeMessages.remove(oldest);
      claudeModels.remove(oldest);
    }
    claudeRun.merge(model, grown, TokenUsage::plus);
    count(model, grown);
  }

  private void claudeResult(JsonNode n) {
    Map<String, TokenUsage> seen = new TreeMap<>(claudeRun);
    JsonNode byModel = n.path("modelUsage");
    if (byModel.isObject() && !byModel.isEmpty()) {
      for (Map.Entry<String, JsonNode> e : byModel.properties()) {
        JsonNode m = e.getValue();
        TokenUsage reported = new TokenUsage(
            number(m, "inputTokens", 0),
            number(m, "cacheReadInputTokens", 0),
            number(m, "cacheCreationInputTokens", 0),
            number(m, "outputTokens", 0),
            0);
        count(e.getKey(), reported.minusFloor(seen.getOrDefault(e.getKey(), TokenUsage.ZERO)));
      }
    } else if (n.path("usage").isObject()) {
      TokenUsage reported = claudeUsage(n.path("usage"));
      TokenUsage all = seen.values().stream().reduce(TokenUsage.ZERO, TokenUsage::plus);
      count(model, reported.minusFloor(all));
    }
    claudeMessages.clear();
    claudeModels.clear();
    claudeRun.clear();
  }

  private static long number(JsonNode n, String field, long fallback) {
    JsonNode v = n.get(field);
    if (v == null || !v.isNumber()) {
      return fallback;
    }
    return v.asLong();
  }

  private void count(String m, TokenUsage u) {
    if (u.isZero()) {
      return;
    }
    totals.merge(m, u, TokenUsage::plus);
    pending.add(new Delta(m, u));
  }

  // ------------------------------------------------------------------ state

  /** Returns the reader's state as a JSON object ({@code costs/usage/<agent>.json}). */
  public ObjectNode toState() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode o = f.objectNode();
    o.put("offset", offset);
    o.put("model", model);
    o.put("default_model", defaultModel);
    ObjectNode t = o.putObject("totals");
    totals.forEach((k, v) -> t.set(k, MAPPER.valueToTree(v.toFormatMap())));
    ObjectNode c = o.putObject("claude_open_run");
    claudeMessages.forEach((k, v) -> {
      ObjectNode m = MAPPER.valueToTree(v.toFormatMap());
      m.put("model", claudeModels.getOrDefault(k, model));
      c.set(k, m);
    });
    ObjectNode run = o.putObject("claude_run_totals");
    claudeRun.forEach((k, v) -> run.set(k, MAPPER.valueToTree(v.toFormatMap())));
    o.put("codex_last_total", codexLastTotal);
    o.set("codex_last_cumulative", MAPPER.valueToTree(codexLastCumulative.toFormatMap()));
    return o;
  }

  /**
   * Returns a reader in the state {@link #toState} wrote.
   *
   * @throws IllegalArgumentException naming the field when the state is malformed
   */
  @SuppressWarnings("unchecked")
  public static UsageReader fromState(JsonNode state) {
    requireNonNull(state, "state");
    if (!state.isObject()) {
      throw new IllegalArgumentException("usage reader state is not a JSON object");
    }
    UsageReader r = fresh(state.path("default_model").asString(""));
    r.offset = number(state, "offset", 0);
    if (r.offset < 0) {
      throw new IllegalArgumentException("usage reader state has a negative offset: " + r.offset);
    }
    r.model = text(state, "model", r.defaultModel);
    for (Map.Entry<String, JsonNode> e : state.path("totals").properties()) {
      r.totals.put(
          e.getKey(), TokenUsage.fromFormatMap(MAPPER.convertValue(e.getValue(), Map.class)));
    }
    for (Map.Entry<String, JsonNode> e : state.path("claude_open_run").properties()) {
      r.claudeMessages.put(
          e.getKey(), TokenUsage.fromFormatMap(MAPPER.convertValue(e.getValue(), Map.class)));
      r.claudeModels.put(e.getKey(), text(e.getValue(), "model", r.model));
    }
    for (Map.Entry<String, JsonNode> e : state.path("claude_run_totals").properties()) {
      r.claudeRun.put(
          e.getKey(), TokenUsage.fromFormatMap(MAPPER.convertValue(e.getValue(), Map.class)));
    }
    r.codexLastTotal = number(state, "codex_last_total", -1);
    JsonNode cum = state.path("codex_last_cumulative");
    if (cum.isObject()) {
      r.codexLastCumulative = TokenUsage.fromFormatMap(MAPPER.convertValue(cum, Map.class));
    }
    return r;
  }

  private static String text(JsonNode n, String field, String fallback) {
    @Nullable JsonNode v = n.get(field);
    return v != null && v.isString() ? v.asString() : fallback;
  }

  @Override
  public String toString() {
    return "UsageReader[offset=" + offset + " model=" + model + " totals=" + totals + "]";
  }
}
