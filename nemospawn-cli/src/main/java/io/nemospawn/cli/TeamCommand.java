package io.nemospawn.cli;

import io.nemospawn.Listing;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.TeamInfo;
import io.nemospawn.TeamStatus;
import io.nemospawn.task.TaskState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nemospawn team create|status|topology|list|delete}. */
@Command(
    name = "team",
    mixinStandardHelpOptions = true,
    description = "Creates, shows, lists and deletes teams; shows a team's GPU topology.",
    subcommands = {
      TeamCommand.Create.class,
      TeamCommand.Status.class,
      TeamCommand.Topology.class,
      TeamCommand.ListTeams.class,
      TeamCommand.Delete.class,
      TeamCheckCommand.class,
      TeamRepairCommand.class,
      TeamResumeCommand.class,
      TeamBudgetCommand.class
    })
final class TeamCommand {

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates a team.")
  static final class Create extends StateSubcommand {
    @Parameters(
        index = "0",
        paramLabel = "NAME",
        description = "Team name (letters, digits, . _ -).")
    String name;

    @Option(
        names = {"-d", "--description"},
        paramLabel = "TEXT",
        description = "Free-text description, stored verbatim.")
    String description = "";

    @Mixin
    GpuIdsOption gpus;

    @Override
    public Integer call() {
      try (NemoSpawn ns = state.open()) {
        Team t = ns.newTeam(name).description(description).gpus(gpus.ids).create();
        TeamInfo info = t.info();
        if (out.json()) {
          out.json(CoreViews.team(info));
        } else {
          out.println("Created team " + info.id() + " (" + info.name() + ")"
              + (info.gpuIds().isEmpty() ? "" : " with GPUs " + CoreViews.list(info.gpuIds())));
          out.println("Use it with: export NEMOSPAWN_TEAM=" + info.id());
        }
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Shows a team with counts of tasks, agents and plans.")
  static final class Status extends TeamArgSubcommand {
    @Override
    int run(Team tm) {
      TeamStatus s = tm.status();
      io.nemospawn.task.GraphCheck graph = s.graph();
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("team", CoreViews.team(s.team()));
        m.put("tasks", wire(s.tasks()));
        m.put("task_count", s.taskCount());
        m.put("agents", wire(s.agents()));
        m.put("plans", wire(s.plans()));
        m.put("problems", s.problems());
        m.put("graph_problems", graph.problems().size());
        out.json(m);
        return ExitCodes.OK;
      }
      TeamInfo t = s.team();
      out.println("Team:    " + t.id() + " (" + t.name() + ")");
      out.println("Status:  " + t.status());
      out.println("GPUs:    " + CoreViews.list(t.gpuIds()));
      out.println("Created: " + CoreViews.time(t.createdAt()));
      if (!t.description().isEmpty()) {
        out.println("About:   " + t.description().replace("\n", "\\n"));
      }
      List<List<String>> rows = new ArrayList<>();
      for (TaskState st : TaskState.values()) {
        rows.add(List.of("task", st.wireName(), String.valueOf(s.tasks().get(st))));
      }
      s.agents().forEach((k, v) -> rows.add(List.of("agent", wireName(k), String.valueOf(v))));
      s.plans().forEach((k, v) -> rows.add(List.of("plan", wireName(k), String.valueOf(v))));
      out.table(List.of("KIND", "STATE", "COUNT"), rows);
      if (!graph.isClean()) {
        out.println(TeamCheckCommand.statusLine(t.id(), graph));
      }
      if (s.problems() > 0) {
        out.err()
            .println("Warning: " + s.problems()
                + " unreadable records; see: nemospawn task list --team " + t.id());
        out.err().flush();
      }
      return ExitCodes.OK;
    }

    private static Map<String, Integer> wire(Map<? extends Enum<?>, Integer> counts) {
      Map<String, Integer> m = new LinkedHashMap<>();
      counts.entrySet().stream()
          .sorted(Map.Entry.comparingByKey((a, b) -> Integer.compare(a.ordinal(), b.ordinal())))
          .forEach(e -> m.put(wireName(e.getKey()), e.getValue()));
      return m;
    }

    private static String wireName(Enum<?> e) {
      return e.name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  @Command(
      name = "topology",
      mixinStandardHelpOptions = true,
      description = "Shows the NVLink topology of the team's GPUs, as team.json records it:"
          + " the link matrix and the NVLink islands.")
  static final class Topology extends TeamArgSubcommand {
    @Override
    int run(Team t) {
      TeamInfo info = t.info();
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("team_id", info.id());
      fields.put("gpu_ids", info.gpuIds());
      String first =
          "Team " + info.id() + " (" + info.name() + "), GPUs " + CoreViews.list(info.gpuIds());
      io.nemospawn.topology.GpuTopology topology = t.topology();
      if (topology.isEmpty() && !info.gpuIds().isEmpty() && !out.json()) {
        first += "; team.json records no topology for them (the machine that created the team"
            + " did not know these GPUs); see the machine's with: nemospawn gpu topology";
      }
      return TopologyView.print(out, topology, fields, first);
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the teams.")
  static final class ListTeams extends StateSubcommand {
    @Override
    public Integer call() {
      try (NemoSpawn ns = state.open()) {
        Listing<TeamInfo> teams = ns.teams();
        if (out.json()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("teams", teams.items().stream().map(CoreViews::team).toList());
          m.put("problems", CoreViews.problems(teams));
          out.json(m);
        } else {
          if (teams.items().isEmpty() && !teams.problems().isEmpty()) {
            out.println("No readable teams in " + ns.dataDir() + "; "
                + teams.problems().size() + " unreadable, see the warnings");
          } else if (teams.items().isEmpty()) {
            out.println(
                "No teams in " + ns.dataDir() + "; create one with: nemospawn team create NAME");
          } else {
            List<List<String>> rows = new ArrayList<>();
            for (TeamInfo t : teams) {
              rows.add(List.of(
                  t.id(),
                  t.name(),
                  CoreViews.list(t.gpuIds()),
                  t.status(),
                  CoreViews.time(t.createdAt()).substring(0, 19)));
            }
            out.table(List.of("TEAM_ID", "NAME", "GPUS", "STATUS", "CREATED"), rows);
          }
          CoreViews.reportProblems(out, teams, "team record");
        }
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Deletes a team and everything in its directory.")
  static final class Delete extends StateSubcommand {
    @Parameters(index = "0", paramLabel = "TEAM", description = "Team id or name.")
    String team;

    @Option(names = "--yes", description = "Confirms the deletion (required).")
    boolean yes;

    @Override
    public Integer call() {
      try (NemoSpawn ns = state.open()) {
        Team t = ns.team(team);
        String id = t.id();
        if (!yes) {
          out.err()
              .println("Error: refusing to delete team " + id + " and all its files in " + t.dir()
                  + " without confirmation; run: nemospawn team delete " + id + " --yes");
          out.err().flush();
          return ExitCodes.FAILURE;
        }
        ns.deleteTeam(id);
        if (out.json()) {
          out.json(Map.of("deleted", id));
        } else {
          out.println("Deleted team " + id);
        }
        return ExitCodes.OK;
      }
    }
  }
}
