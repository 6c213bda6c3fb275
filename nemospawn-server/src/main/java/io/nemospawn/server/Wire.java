package io.nemospawn.server;

import java.time.Instant;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The JSON side of the framing: a mapper with tight limits and the event envelope. */
final class Wire {
  /** The deepest nesting a line may have; deeper lines are rejected, not parsed. */
  static final int MAX_NESTING = 64;

  static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder()
              .maxNestingDepth(MAX_NESTING)
              .maxStringLength(ControlPlane.DEFAULT_MAX_LINE_BYTES)
              .maxNumberLength(100)
              .build())
          .build())
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private Wire() {}

  /** Builds one event line (without the newline) of a protocol. */
  static ObjectNode event(String protocol, String event, ObjectNode data, long seq) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("protocol", protocol);
    n.put("type", "event");
    if (seq > 0) {
      n.put("seq", seq);
    }
    n.put("timestamp", Instant.now().toString());
    n.put("event", event);
    n.set("data", data);
    return n;
  }

  /** The data of a {@code command_rejected} event. */
  static ObjectNode rejection(
      @Nullable String requestId, String code, String reason, @Nullable ObjectNode details) {
    ObjectNode d = MAPPER.createObjectNode();
    if (details != null) {
      d.setAll(details);
    }
    if (requestId != null) {
      d.put("request_id", requestId);
    } else {
      d.putNull("request_id");
    }
    d.put("code", code);
    d.put("reason", reason);
    return d;
  }
}
