package io.nemospawn.server;

import java.util.Set;
import org.apiguardian.api.API;

/**
 * Answers a set of commands of one protocol. Several handlers may serve one protocol (for example
 * the swarm and the project commands of {@code codeswarm.router.v1}); a command name belongs to
 * one handler. The server calls {@link #handle} only after the client authenticated and the
 * framing checked the line; a command no handler knows gets the protocol's error event from the
 * server, never silence.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface ProtocolHandler {
  /**
   * The protocol string this handler answers.
   *
   * @return e.g. {@code codeswarm.router.v1}
   */
  String protocol();

  /**
   * The command names this handler answers.
   *
   * @return the names, e.g. {@code swarm_launch}
   */
  Set<String> commands();

  /**
   * Answers one command. Long work continues on other threads through {@code context}; validation
   * errors are thrown as {@link CommandRejectedException}; any other exception is reported to the
   * client as a rejection with its message.
   *
   * @param command the command
   * @param context how to reply and publish events
   * @throws Exception when the command fails
   */
  void handle(Command command, CommandContext context) throws Exception;

  /**
   * Whether {@code command} only reads. The server lets any authenticated caller run a reading
   * command; every other one is a change that the caller's role must allow when the data
   * directory's {@code auth} setting is on (a viewer may change nothing, an agent only its own
   * team, named by the payload's {@code team}).
   *
   * @param command the command
   * @return true for a command that changes nothing; the default, false, is the safe answer
   */
  default boolean readOnly(Command command) {
    return false;
  }

  /**
   * Whether {@code command}, a change, is one to data every role but a viewer may change (with
   * the {@code auth} setting on): e.g. the trials of HPO studies, which the data directory's teams
   * share and whose agents ask for and report. The default, false, checks it as a change to the
   * whole data directory (admins and unscoped users only) unless its payload names a {@code
   * team}.
   *
   * @param command the command, one {@link #readOnly} said changes something
   * @return true to let agents and users make it
   * @since 0.2
   */
  default boolean sharedChange(Command command) {
    return false;
  }
}
