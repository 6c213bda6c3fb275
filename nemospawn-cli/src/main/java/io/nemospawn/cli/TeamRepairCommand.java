package io.nemospawn.cli;

import io.nemospawn.Team;
import io.nemospawn.task.GraphRepair;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code nemospawn team repair [TEAM_ID]}: fixes what {@code team check} finds. */
@Command(
    name = "repair",
    mixinStandardHelpOptions = true,
    description = {
      "Repairs a team's task graph: rolls interrupted operations forward, rebuilds the"
          + " dependents index when it disagrees with the tasks, and unblocks every blocked task"
          + " whose dependencies are all done. Prints each change. Safe to run at any time.",
      "Exit status 1 when problems remain that need a person (an unreadable task record)."
    })
final class TeamRepairCommand extends TeamArgSubcommand {
  @Override
  int run(Team t) {
    GraphRepair r = t.tasks().repair();
    boolean clean = r.remaining().isClean();
    if (out.json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("team_id", t.id());
      m.put("changes", r.changes());
      m.put("clean", clean);
      m.put("remaining", TeamCheckCommand.problems(r.remaining().problems()));
      out.json(m);
    } else {
      if (r.changes().isEmpty()) {
        out.println("Team " + t.id() + ": nothing to repair in the task graph");
      }
      for (String c : r.changes()) {
        out.println("Repaired: " + TeamCheckCommand.safe(c));
      }
      if (!clean) {
        TeamCheckCommand.print(out, r.remaining().problems());
        int n = r.remaining().problems().size();
        out.println(n + " problem" + TeamCheckCommand.plural(n) + " in team " + t.id() + " need"
            + (n == 1 ? "s" : "") + " a person; see the fixes above");
      }
    }
    return clean ? ExitCodes.OK : ExitCodes.FAILURE;
  }
}
