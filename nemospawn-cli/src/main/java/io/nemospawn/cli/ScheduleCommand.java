package io.nemospawn.cli;

import io.nemospawn.Team;
import io.nemospawn.core.ops.Scheduler;
import io.nemospawn.core.ops.Scheduler.AgentLoad;
import io.nemospawn.core.ops.Scheduler.Analysis;
import io.nemospawn.core.ops.Scheduler.Move;
import io.nemospawn.task.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nemospawn schedule}: adaptive task scheduling. */
@Command(
    name = "schedule",
    mixinStandardHelpOptions = true,
    description = "Adaptive task scheduling: agent load, suggested moves, moving tasks.",
    subcommands = {
      ScheduleCommand.Analyze.class,
      ScheduleCommand.Suggest.class,
      ScheduleCommand.Apply.class,
      ScheduleCommand.Auto.class
    })
final class ScheduleCommand {
  private ScheduleCommand() {}

  static String pct(double v) {
    return v < 0 ? "-" : String.format(Locale.ROOT, "%.1f", v);
  }

  static Map<String, Object> view(AgentLoad l) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("agent_id", l.id());
    m.put("name", l.name());
    m.put("alive", l.alive());
    m.put("idle", l.idle());
    m.put("gpu_ids", l.gpuIds());
    m.put("gpu_util", l.gpuUtil() < 0 ? null : l.gpuUtil());
    m.put("queue", l.queue());
    m.put("pending", l.pending());
    m.put("blocked", l.blocked());
    m.put("running", l.running());
    m.put("done", l.done());
    m.put("failed", l.failed());
    m.put("completion_rate", l.completionRate());
    m.put("score", l.score());
    return m;
  }

  static Map<String, Object> view(Move mv) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("task_id", mv.taskId());
    m.put("title", mv.title());
    m.put("from", mv.from());
    m.put("to", mv.to());
    m.put("reason", mv.reason());
    return m;
  }

  static void print(Output out, List<Move> moves) {
    if (moves.isEmpty()) {
      out.println("No moves suggested");
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    for (Move m : moves) {
      rows.add(List.of(m.taskId(), m.from(), m.to(), m.reason()));
    }
    out.table(List.of("TASK", "FROM", "TO", "REASON"), rows);
  }

  /** {@code --threshold}, shared by suggest and auto. */
  abstract static class Thresholded extends TeamArgSubcommand {
    @Option(
        names = "--threshold",
        paramLabel = "PERCENT",
        defaultValue = "30.0",
        description = "GPU utilisation (percent) below which an agent is underperforming"
            + " (default: ${DEFAULT-VALUE}).")
    double threshold;
  }

  @Command(
      name = "analyze",
      description = "Shows each agent's queue, GPU use and score (0.6 x GPU util + 0.4 x"
          + " completion %%), the idle agents, the team's GPUs and the stuck tasks.")
  static final class Analyze extends TeamArgSubcommand {
    @Option(
        names = "--stuck-after",
        paramLabel = "SECONDS",
        defaultValue = "1800",
        description = "A running task without an update for this long is stuck (default:"
            + " ${DEFAULT-VALUE}).")
    long stuckAfter;

    @Override
    int run(Team t) {
      if (stuckAfter <= 0) {
        throw new IllegalArgumentException(
            "Invalid --stuck-after " + stuckAfter + "; use 1 second or more");
      }
      Analysis a = Scheduler.of(t).analyze(Duration.ofSeconds(stuckAfter));
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("team_id", t.id());
        m.put("at", CoordViews.time(a.at()));
        m.put("metrics_at", a.metricsAt() == null ? null : CoordViews.time(a.metricsAt()));
        m.put("agents", a.agents().stream().map(ScheduleCommand::view).toList());
        m.put("idle_agents", a.idleAgents());
        m.put("unowned_tasks", a.unowned());
        m.put(
            "gpus",
            a.gpus().stream()
                .map(g -> {
                  Map<String, Object> x = new LinkedHashMap<>();
                  x.put("index", g.index());
                  x.put("sm_util", g.smUtil() < 0 ? null : g.smUtil());
                  x.put("mem_util", g.memUtil() < 0 ? null : g.memUtil());
                  x.put("agent", g.agent());
                  return x;
                })
                .toList());
        m.put(
            "stuck_tasks",
            a.stuck().stream()
                .map(s -> Map.of(
                    "task_id",
                    s.taskId(),
                    "title",
                    s.title(),
                    "owner",
                    s.owner(),
                    "reason",
                    s.reason()))
                .toList());
        out.json(m);
        return ExitCodes.OK;
      }
      List<List<String>> rows = new ArrayList<>();
      for (AgentLoad l : a.agents()) {
        rows.add(List.of(
            l.name(),
            l.alive() ? (l.idle() ? "idle" : "running") : "stopped",
            l.gpuIds().isEmpty() ? "-" : l.gpuIds().toString(),
            pct(l.gpuUtil()),
            Integer.toString(l.queue()),
            Integer.toString(l.done()),
            Integer.toString(l.failed()),
            String.format(Locale.ROOT, "%.1f", l.score())));
      }
      if (rows.isEmpty()) {
        out.println("No agents in team " + t.id());
      } else {
        out.table(
            List.of("AGENT", "STATE", "GPUS", "GPU%", "QUEUE", "DONE", "FAILED", "SCORE"), rows);
      }
      out.println("Idle agents: "
          + (a.idleAgents().isEmpty() ? "none" : String.join(", ", a.idleAgents())));
      out.println("Unowned queued tasks: " + a.unowned());
      if (!a.gpus().isEmpty()) {
        List<List<String>> g = new ArrayList<>();
        a.gpus()
            .forEach(x -> g.add(List.of(
                Integer.toString(x.index()),
                pct(x.smUtil()),
                pct(x.memUtil()),
                x.agent().isEmpty() ? "-" : x.agent())));
        out.table(List.of("GPU", "SM%", "MEM%", "AGENT"), g);
      }
      if (a.metricsAt() == null) {
        out.println("No GPU metrics (run 'nemospawn gpu status' to take a snapshot)");
      }
      if (a.stuck().isEmpty()) {
        out.println("Stuck tasks: none");
      } else {
        List<List<String>> s = new ArrayList<>();
        a.stuck().forEach(x -> s.add(List.of(x.taskId(), x.owner(), x.reason())));
        out.table(List.of("STUCK TASK", "OWNER", "REASON"), s);
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "suggest",
      description = "Suggests task moves, each with its reason: the queued tasks of agents below"
          + " the threshold or not running go to the running agent with the shortest queue, and"
          + " idle agents take work from long queues.")
  static final class Suggest extends Thresholded {
    @Override
    int run(Team t) {
      List<Move> moves = Scheduler.of(t).suggest(threshold);
      if (out.json()) {
        out.json(Map.of(
            "team_id",
            t.id(),
            "threshold",
            threshold,
            "moves",
            moves.stream().map(ScheduleCommand::view).toList()));
      } else {
        print(out, moves);
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "apply",
      description = "Moves a pending or blocked task to a running agent (through the task API;"
          + " audited; the agent gets a message).")
  static final class Apply extends TeamArgSubcommand {
    @Option(names = "--task", required = true, paramLabel = "TASK_ID", description = "The task.")
    String task;

    @Option(
        names = "--to",
        required = true,
        paramLabel = "AGENT",
        description = "Agent id or name.")
    String to;

    @Override
    int run(Team t) {
      String from = t.tasks().get(task).owner();
      Task moved = Scheduler.of(t).apply(task, to);
      if (out.json()) {
        out.json(CoreViews.task(moved));
      } else {
        out.println("Moved task " + moved.id() + " from " + (from.isEmpty() ? "nobody" : from)
            + " to " + moved.owner());
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "auto",
      description = "Applies the suggestions every interval, printing each round, until Ctrl-C"
          + " (or --rounds).")
  static final class Auto extends Thresholded {
    @Option(
        names = "--interval",
        paramLabel = "SECONDS",
        defaultValue = "300",
        description = "Seconds between rounds (default: ${DEFAULT-VALUE}).")
    long interval;

    @Option(
        names = "--rounds",
        paramLabel = "N",
        defaultValue = "0",
        description = "Stop after N rounds (default: 0, until Ctrl-C).")
    int rounds;

    @Override
    int run(Team t) throws InterruptedException {
      if (interval <= 0) {
        throw new IllegalArgumentException(
            "Invalid --interval " + interval + "; use 1 second or more");
      }
      Scheduler.of(t).auto(threshold, Duration.ofSeconds(interval), rounds, r -> {
        if (out.json()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("round", r.number());
          m.put("at", CoordViews.time(r.at()));
          m.put("applied", r.applied().stream().map(ScheduleCommand::view).toList());
          m.put("failed", r.failed());
          out.json(m);
        } else {
          out.println("Round " + r.number() + " at " + CoordViews.time(r.at()) + ": "
              + r.applied().size() + " moved, " + r.failed().size() + " failed");
          r.applied()
              .forEach(m -> out.println(
                  "  moved " + m.taskId() + " " + m.from() + " -> " + m.to() + ": " + m.reason()));
          r.failed().forEach((k, v) -> out.println("  could not move " + k + ": " + v));
        }
        out.out().flush();
      });
      return ExitCodes.OK;
    }
  }
}
