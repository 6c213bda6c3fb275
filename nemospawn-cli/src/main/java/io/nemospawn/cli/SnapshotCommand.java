package io.nemospawn.cli;

import io.nemospawn.Listing;
import io.nemospawn.Team;
import io.nemospawn.core.ops.RestoreReport;
import io.nemospawn.core.ops.SnapshotInfo;
import io.nemospawn.core.ops.Snapshots;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nemospawn snapshot}: save, list, restore and delete point-in-time team snapshots. */
@Command(
    name = "snapshot",
    mixinStandardHelpOptions = true,
    description = "Team state snapshots: agents, tasks, plans, costs, the artifacts index and study"
        + " links; restore is all-or-nothing.",
    subcommands = {
      SnapshotCommand.Save.class,
      SnapshotCommand.ListSnapshots.class,
      SnapshotCommand.Restore.class,
      SnapshotCommand.Delete.class
    })
final class SnapshotCommand {
  private SnapshotCommand() {}

  static Map<String, Object> view(SnapshotInfo s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("snapshot_id", s.id());
    m.put("team_id", s.teamId());
    m.put("label", s.label());
    m.put("created_at", CoordViews.time(s.createdAt()));
    m.put("agents", s.agents());
    m.put("tasks", s.tasks());
    m.put("plans", s.plans());
    m.put("artifacts", s.artifacts());
    m.put("cost_files", s.costFiles());
    m.put("studies", s.studies());
    m.put("file", s.file().toString());
    return m;
  }

  @Command(name = "save", description = "Saves a point-in-time snapshot of the team's state.")
  static final class Save extends TeamArgSubcommand {
    @Option(
        names = {"-l", "--label"},
        paramLabel = "LABEL",
        description =
            "A label for the snapshot, one line of printable text (at most 200" + " characters).")
    String label = "";

    @Override
    int run(Team t) {
      SnapshotInfo s = Snapshots.of(t).save(label);
      if (out.json()) {
        out.json(view(s));
      } else {
        out.println("Saved snapshot " + s.id() + (s.label().isEmpty() ? "" : " '" + s.label() + "'")
            + " of team " + t.id() + ": " + s.agents() + " agents, " + s.tasks() + " tasks, "
            + s.plans() + " plans, " + s.artifacts() + " artifacts, " + s.costFiles()
            + " cost files");
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "list", description = "Lists the team's snapshots, oldest first.")
  static final class ListSnapshots extends TeamArgSubcommand {
    @Override
    int run(Team t) {
      Listing<SnapshotInfo> all = Snapshots.of(t).list();
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("snapshots", all.items().stream().map(SnapshotCommand::view).toList());
        m.put(
            "problems",
            all.problems().stream()
                .map(p -> Map.of("path", p.path().toString(), "reason", p.reason()))
                .toList());
        out.json(m);
      } else if (all.items().isEmpty() && all.problems().isEmpty()) {
        out.println("No snapshots in team " + t.id() + "; save one with: nemospawn snapshot save"
            + " --team " + t.id() + " --label LABEL");
      } else {
        List<List<String>> rows = new ArrayList<>();
        for (SnapshotInfo s : all.items()) {
          rows.add(List.of(
              s.id(),
              s.label().isEmpty() ? "-" : s.label(),
              CoordViews.time(s.createdAt()),
              Integer.toString(s.agents()),
              Integer.toString(s.tasks()),
              Integer.toString(s.plans())));
        }
        out.table(List.of("SNAPSHOT", "LABEL", "CREATED", "AGENTS", "TASKS", "PLANS"), rows);
        all.problems().forEach(p -> out.println("Unreadable: " + p.path() + ": " + p.reason()));
      }
      return all.problems().isEmpty() ? ExitCodes.OK : ExitCodes.FAILURE;
    }
  }

  /** What restore and delete share: the snapshot, by {@code --snapshot} or second positional. */
  abstract static class OneSnapshot extends TeamArgSubcommand {
    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "SNAPSHOT",
        description = "Snapshot id (or its label, when unique); or give --snapshot.")
    @Nullable
    String arg1;

    @Option(names = "--snapshot", paramLabel = "ID", description = "Snapshot id (or label).")
    @Nullable
    String snapshotOption;

    String snapshot = "";

    @Override
    @Initializer
    void parse() {
      if (snapshotOption != null) {
        args(Collections.singletonList(arg1));
        snapshot = snapshotOption;
      } else {
        snapshot = arg(arg1, "SNAPSHOT");
      }
    }
  }

  @Command(
      name = "restore",
      description = {
        "Restores the team's agents, tasks, plans, artifacts index and costs from a snapshot, all"
            + " or nothing; team.json (the team's identity) is kept. Agents the snapshot has as"
            + " running are restored stopped (run 'team resume --policy restart' to start them).",
        "Refused while agents run, unless --force, which stops them first."
      })
  static final class Restore extends OneSnapshot {
    @Option(names = "--force", description = "Stop the team's running agents first.")
    boolean force;

    @Override
    int run(Team t) {
      RestoreReport r = Snapshots.of(t).restore(snapshot, force);
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("snapshot", view(r.snapshot()));
        m.put("stopped_agents", r.stoppedAgents());
        m.put("restored", r.restored());
        out.json(m);
      } else {
        r.stoppedAgents().forEach(a -> out.println("Stopped agent " + a));
        out.println("Restored snapshot " + r.snapshot().id() + " into team " + t.id() + ": "
            + String.join(
                ", ",
                r.restored().entrySet().stream()
                    .sorted(Map.Entry.comparingByKey())
                    .map(e -> e.getValue() + " " + e.getKey())
                    .toList()));
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "delete", description = "Deletes a snapshot.")
  static final class Delete extends OneSnapshot {
    @Override
    int run(Team t) {
      SnapshotInfo s = Snapshots.of(t).delete(snapshot);
      if (out.json()) {
        out.json(view(s));
      } else {
        out.println("Deleted snapshot " + s.id() + " of team " + t.id());
      }
      return ExitCodes.OK;
    }
  }
}
