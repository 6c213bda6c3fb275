package io.nemospawn.cli;

import picocli.CommandLine.Command;

/** The root {@code nemospawn} command; its subcommands are the command groups. */
@Command(
    name = "nemospawn",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "Runs teams of AI agents on GPU machines: tasks, inboxes, plans, GPUs, HPO.",
    subcommands = {
      LaunchCommand.class,
      TeamCommand.class,
      AgentCommand.class,
      AuthCommand.class,
      SpawnCommand.class,
      TaskCommand.class,
      InboxCommand.class,
      PlanCommand.class,
      LifecycleCommand.class,
      ArtifactCommand.class,
      WorkspaceCommand.class,
      WatchCommand.class,
      SnapshotCommand.class,
      ScheduleCommand.class,
      CostCommand.class,
      ProfileCommand.class,
      SkillCommand.class,
      GpuCommand.class,
      HpoCommand.class,
      BoardCommand.class,
      ServeCommand.class,
      WebCommand.class,
      NimCommand.class,
      ConfigCommand.class,
      DaemonCommand.class,
      VersionCommand.class,
      CompletionCommand.class,
      CdsTrainingCommand.class,
      NemoCommand.class,
      NgcCommand.class,
      ProjectCommand.class,
      SwarmCommand.class,
      SlurmCommand.class,
      ClusterCommand.class
    })
public final class NemoSpawnCommand {}
