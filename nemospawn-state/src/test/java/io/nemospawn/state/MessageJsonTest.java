package io.nemospawn.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.inbox.Message;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class MessageJsonTest {
  static final Message M = new Message(
      "0a1b2c3d",
      "team-1",
      "leader",
      "worker-1",
      "a \"b\" \\ \n\t\u0001 é ✓ \uD83D\uDE80 \u2028",
      Instant.parse("2026-11-21T19:01:51.212059Z"),
      false);

  static Message parse(String json) {
    return MessageJson.parse(json.getBytes(StandardCharsets.UTF_8), "inbox-owner", null)
        .message();
  }

  @Test
  void fileAndWireFormsRoundTrip() {
    assertThat(MessageJson.parse(MessageJson.toFile(M), "x", null).message()).isEqualTo(M);
    assertThat(MessageJson.parse(MessageJson.toWire(M), "x", null).message()).isEqualTo(M);
    assertThat(
            MessageJson.parse(MessageJson.toWire(M.withRead(true)), "x", null).message())
        .isEqualTo(M.withRead(true));
  }

  @Test
  void readsWhatPythonWritesIncludingEscapesAndMissingOptionalKeys() {
    Message m = parse(
        "{\"msg_id\": \"0a1b2c3d\", \"team_id\": \"team-1\", \"from_agent\": \"l\","
            + " \"body\": \"caf\\u00e9 \\ud83d\\ude80 \\/\", \"timestamp\": \"2026-11-21T19:01:51.212059\"}");
    assertThat(m.body()).isEqualTo("café \uD83D\uDE80 /");
    assertThat(m.to()).isEqualTo("inbox-owner");
    assertThat(m.read()).isFalse();
    assertThat(m.timestamp()).isEqualTo(Instant.parse("2026-11-21T19:01:51.212059Z"));
  }

  @Test
  void keepsUnknownKeysThroughTheSlowPath() {
    MessageJson.Parsed p = MessageJson.parse(
        ("{\"msg_id\": \"0a1b2c3d\", \"team_id\": \"t\","
                + " \"from_agent\": \"l\", \"body\": \"b\", \"timestamp\": \"2026-11-21T19:01:51+00:00\","
                + " \"meta\": {\"k\": [1, 2]}}")
            .getBytes(StandardCharsets.UTF_8),
        "w",
        null);
    assertThat(p.extras()).containsOnlyKeys("meta");
    assertThat(new String(MessageJson.toFile(p.message(), p.extras()), StandardCharsets.UTF_8))
        .endsWith("  \"read\": false,\n  \"meta\": {\"k\":[1,2]}\n}\n");
  }

  @Test
  void reportsWhatIsWrong() {
    assertThatThrownBy(() -> parse("{\"team_id\": \"t\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("missing key 'msg_id'");
    assertThatThrownBy(() -> parse("[1]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a JSON object");
    assertThatThrownBy(() -> parse("{\"msg_id\": 5, \"team_id\": \"t\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key 'msg_id' is not a string: 5");
    assertThatThrownBy(() -> parse("{\"msg_id\": \"0a1b2c3d\", \"team_id\": \"t\","
            + " \"from_agent\": \"l\", \"body\": \"b\", \"timestamp\": \"yesterday\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Not a timestamp: 'yesterday'; expected ISO-8601 such as"
            + " 2026-11-21T19:01:51.212059+00:00");
    assertThatThrownBy(() -> parse("{\"msg_id\": \"0a1b2c3d\", \"team_id\": \"t\","
            + " \"from_agent\": \"l\", \"body\": \"b\", \"timestamp\": \"2026-11-21T19:01:51\","
            + " \"read\": \"yes\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key 'read' is not true or false: \"yes\"");
    assertThatThrownBy(() -> parse("{\"msg_id\": \"0a1b2c3d\", \"te"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not valid JSON: ");
  }

  @Test
  void aParsedTreeDecodesLikeTheBytes() throws Exception {
    tools.jackson.databind.JsonNode tree =
        tools.jackson.databind.json.JsonMapper.builder().build().readTree(MessageJson.toFile(M));
    assertThat(MessageJson.parse(tree, "x", null).message()).isEqualTo(M);
    assertThatThrownBy(() -> MessageJson.parse((tools.jackson.databind.JsonNode) null, "x", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a JSON object");
  }

  @Test
  void rejectsMalformedFilesWithTheReason() {
    assertThatThrownBy(() -> parse(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a JSON object");
    assertThatThrownBy(() -> parse("\"msg\""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a JSON object");
    assertThatThrownBy(() -> parse("{\"msg_id\": \"0a1b2c3d\", \"team_id\": \"t\","
            + " \"from_agent\": \"l\", \"body\": \"b\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("missing key 'timestamp'");
    assertThatThrownBy(() -> parse("{\"msg_id\": \"0a1b2c3d\", \"team_id\": \"t\","
            + " \"from_agent\": \"l\", \"body\": [\"b\"], \"timestamp\": \"2026-11-21T19:01:51\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key 'body' is not a string: [\"b\"]");
    assertThatThrownBy(() -> parse("{\"msg_id\": \"0a1b2c3d\", \"team_id\": \"t\","
            + " \"from_agent\": \"l\", \"to_agent\": 7, \"body\": \"b\","
            + " \"timestamp\": \"2026-11-21T19:01:51\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key 'to_agent' is not a string: 7");
  }

  @Test
  void aRecordWithoutTimestampTakesTheFallbackWhenGiven() {
    Message m = MessageJson.parse(
            ("{\"msg_id\": \"0a1b2c3d\", \"team_id\": \"t\", \"from_agent\": \"l\","
                    + " \"body\": \"b\"}")
                .getBytes(StandardCharsets.UTF_8),
            "w",
            Instant.EPOCH)
        .message();
    assertThat(m.timestamp()).isEqualTo(Instant.EPOCH);
    assertThat(m.to()).isEqualTo("w");
  }
}
