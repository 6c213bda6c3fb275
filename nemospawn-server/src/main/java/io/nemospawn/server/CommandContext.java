package io.nemospawn.server;

import org.apiguardian.api.API;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a {@link ProtocolHandler} may do while it answers a {@link Command}: reply to the client
 * that sent it, publish events to every subscribed client (numbered, kept for replay), and learn
 * who is asking. Safe to keep and use from other threads after {@code handle} returned (for
 * progress and late events).
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface CommandContext {
  /**
   * Sends an event to the client that sent the command only.
   *
   * @param event the event name
   * @param data the event's data
   */
  void reply(String event, ObjectNode data);

  /**
   * Publishes an event in the command's protocol to every client that subscribed to it; the
   * event gets the next sequence number and is kept for replay.
   *
   * @param event the event name
   * @param data the event's data
   */
  void publish(String event, ObjectNode data);

  /**
   * Who sent the command, as the hello established it.
   *
   * @return the authenticated principal's name ({@code "anonymous"} in the explicit
   *     unauthenticated loopback mode)
   */
  String principal();
}
