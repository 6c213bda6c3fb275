package io.nemospawn.cli;

import picocli.CommandLine.Command;

/** The root {@code nemospawn} command; its subcommands are the command groups. */
@Command(
    name = "nemospawn",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "Runs teams of AI agents on GPU machines: tasks, inboxes, plans, GPUs, HPO.",
    subcommands = {
      VersionCommand.class,
      InboxCommand.class,
      PlanCommand.class,
      LifecycleCommand.class,
      ArtifactCommand.class,
      LaunchCommand.class,
      GpuCommand.class,
      TeamCommand.class,
      TaskCommand.class,
      AgentCommand.class,
      ConfigCommand.class,
      CdsTrainingCommand.class,
      HpoCommand.class,
      SpawnCommand.class,
      WorkspaceCommand.class,
      WatchCommand.class,
      ProfileCommand.class,
      SkillCommand.class
    })
public final class NemoSpawnCommand {}
