package io.nemospawn.server;

import io.nemospawn.artifact.ArtifactType;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
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
      .addModule(apiTypes())
      .build();

  /** Api value classes that are not records or enums: written as their wire names. */
  private static SimpleModule apiTypes() {
    SimpleModule m = new SimpleModule("nemospawn-api-types");
    m.addSerializer(ArtifactType.class, new ValueSerializer<ArtifactType>() {
      @Override
      public void serialize(ArtifactType value, JsonGenerator g, SerializationContext ctxt) {
        g.writeString(value.wireName());
      }
    });
    m.addDeserializer(ArtifactType.class, new ValueDeserializer<ArtifactType>() {
      @Override
      public ArtifactType deserialize(JsonParser p, DeserializationContext ctxt) {
        return ArtifactType.of(p.getValueAsString());
      }
    });
    return m;
  }

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
