package io.nemospawn.cli;

import io.nemospawn.Team;
import io.nemospawn.core.ops.Resume;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.TrialState;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nemospawn team resume [TEAM_ID]}: brings a team back after a crash or a reboot. */
@Command(
    name = "resume",
    mixinStandardHelpOptions = true,
    description = {
      "Brings a team back after a crash or a reboot: finishes an interrupted snapshot restore and"
          + " task operations, marks agents whose process is gone dead (or restarts them with"
          + " --policy restart), returns their claimed tasks to pending and frees their GPUs,"
          + " fails the running HPO trials whose task failed and lists plans whose author is"
          + " gone. Prints what it changed; running it again changes nothing."
    })
final class TeamResumeCommand extends TeamArgSubcommand {
  @Option(
      names = "--policy",
      paramLabel = "POLICY",
      defaultValue = "mark",
      description = "What to do with an agent whose process is gone: mark (dead; the default) or"
          + " restart (start it again from its record).")
  String policy;

  /** A change made to an HPO trial. */
  record TrialChange(String study, int trial, String what, boolean changed) {}

  @Override
  int run(Team t) {
    Resume.Policy p = switch (policy.toLowerCase(Locale.ROOT)) {
      case "mark" -> Resume.Policy.MARK;
      case "restart" -> Resume.Policy.RESTART;
      default ->
        throw new IllegalArgumentException("Invalid --policy '"
            + io.nemospawn.spi.StateFormat.printable(policy) + "'; use mark or restart");
    };
    Resume.Report r = Resume.of(t).run(p);
    List<TrialChange> trials = trials(t, r);
    boolean changed = r.changed() || trials.stream().anyMatch(TrialChange::changed);
    if (out.json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("team_id", r.teamId());
      m.put("at", CoordViews.time(r.at()));
      m.put("policy", p.name().toLowerCase(Locale.ROOT));
      m.put("changed", changed);
      List<Map<String, Object>> cs = new ArrayList<>();
      for (Resume.Change c : r.changes()) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("area", c.area());
        x.put("subject", c.subject());
        x.put("what", c.what());
        x.put("changed", c.changed());
        cs.add(x);
      }
      for (TrialChange c : trials) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("area", "trial");
        x.put("subject", c.study() + "#" + c.trial());
        x.put("what", c.what());
        x.put("changed", c.changed());
        cs.add(x);
      }
      m.put("changes", cs);
      m.put("alive", r.alive());
      out.json(m);
    } else {
      for (Resume.Change c : r.changes()) {
        out.println((c.changed() ? "Changed " : "Found   ") + c.area() + " "
            + (c.subject().isEmpty() ? "" : c.subject() + ": ") + c.what());
      }
      for (TrialChange c : trials) {
        out.println((c.changed() ? "Changed " : "Found   ") + "trial " + c.study() + "#" + c.trial()
            + ": " + c.what());
      }
      out.println((changed ? "Resumed team " + t.id() : "Team " + t.id() + ": nothing to resume")
          + "; running agents: " + (r.alive().isEmpty() ? "none" : String.join(", ", r.alive())));
    }
    return ExitCodes.OK;
  }

  /**
   * Reconciles the running trials of the team's studies with their tasks: a trial whose task
   * failed or was cancelled fails; one whose task is pending again resumes when it is claimed.
   */
  private List<TrialChange> trials(Team t, Resume.Report r) {
    List<TrialChange> out = new ArrayList<>();
    if (r.studies().isEmpty()) {
      return out;
    }
    Path dataDir = state.dataDir();
    Map<String, Map<Integer, Task>> byStudy = new HashMap<>();
    for (Task task : t.tasks().list().items()) {
      Object s = task.metadata().get(Hpo.TASK_STUDY_KEY);
      Object n = task.metadata().get(Hpo.TASK_TRIAL_KEY);
      if (s instanceof String study && n instanceof Number number) {
        byStudy.computeIfAbsent(study, k -> new HashMap<>()).put(number.intValue(), task);
      }
    }
    for (String study : r.studies()) {
      if (!Files.isRegularFile(Hpo.storageFile(dataDir, study))) {
        continue;
      }
      try (Study s = Hpo.open(dataDir, study)) {
        for (FrozenTrial trial : s.trials()) {
          if (trial.state() != TrialState.RUNNING) {
            continue;
          }
          Task task = byStudy.getOrDefault(study, Map.of()).get(trial.number());
          if (task == null) {
            continue;
          }
          if (task.state() == TaskState.FAILED || task.state() == TaskState.CANCELLED) {
            s.tell(trial.number(), TrialState.FAIL);
            out.add(new TrialChange(
                study,
                trial.number(),
                "failed: its task " + task.id() + " is "
                    + task.state().name().toLowerCase(Locale.ROOT),
                true));
          } else if (task.state() == TaskState.PENDING) {
            out.add(new TrialChange(
                study,
                trial.number(),
                "resumes when its task " + task.id() + " is claimed again",
                false));
          }
        }
      }
    }
    return out;
  }
}
