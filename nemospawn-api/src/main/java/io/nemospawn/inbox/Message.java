package io.nemospawn.inbox;

import static java.util.Objects.requireNonNull;

import io.nemospawn.spi.StateFormat;
import java.time.Instant;
import org.apiguardian.api.API;

/**
 * One message between agents of a team: the record {@code inbox/<agent>/<stamp>_<msg_id>.json}
 * of the on-disk format, and the envelope every transport carries.
 *
 * <p>The body is stored verbatim and never interpreted. A broadcast is stored as one copy per
 * recipient, each with its own {@link #to()}.
 *
 * @param id 8 lower-case hex digits ({@code msg_id})
 * @param teamId the team ({@code team_id})
 * @param from the sending agent's id, or a name such as {@code leader} ({@code from_agent})
 * @param to the receiving agent's id ({@code to_agent})
 * @param body the text, verbatim
 * @param timestamp when it was sent
 * @param read whether the recipient has received it
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record Message(
    String id,
    String teamId,
    String from,
    String to,
    String body,
    Instant timestamp,
    boolean read) {

  /** Validates the parts. */
  public Message {
    StateFormat.requireMessageId(id);
    StateFormat.requireId("team id", teamId);
    requireNonNull(from, "from");
    StateFormat.requireId("recipient", to);
    requireNonNull(body, "body");
    requireNonNull(timestamp, "timestamp");
  }

  /** Returns a new unread message with a fresh id. */
  public static Message of(String teamId, String from, String to, String body, Instant timestamp) {
    return new Message(StateFormat.newMessageId(), teamId, from, to, body, timestamp, false);
  }

  /** Returns a copy marked read or unread. */
  public Message withRead(boolean read) {
    return new Message(id, teamId, from, to, body, timestamp, read);
  }

  /** Returns the file name of this message in its recipient's inbox directory. */
  public String fileName() {
    return StateFormat.messageFileName(timestamp, id);
  }

  @Override
  public String toString() {
    return "Message[" + id + " " + from + "->" + to + " " + StateFormat.formatTimestamp(timestamp)
        + (read ? " read" : " unread") + " body=" + body.length() + " chars]";
  }
}
