package io.nemospawn.cli;

import picocli.CommandLine.Mixin;

/**
 * A {@link TeamSubcommand} on one agent that must be named, positionally or with {@code
 * -a/--agent} ({@link AgentArg}): workspace checkpoint/merge/cleanup, spawn kill. The agent is
 * sorted before the team is opened, so leaving it out touches no file.
 */
abstract class AgentSubcommand extends TeamSubcommand {
  @Mixin
  AgentArg agentArg;

  /** The agent's id or name, as given. */
  String agent = "";

  @Override
  void parse() {
    agent = agentArg.agent();
  }
}
