package io.nemospawn.cli;

import io.nemospawn.Team;
import io.nemospawn.task.GraphCheck;
import io.nemospawn.task.GraphProblem;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code nemospawn team check [TEAM_ID]}: lists what the task graph's invariants forbid. */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {
      "Checks a team's task graph without changing anything: blocked tasks whose dependencies"
          + " are all done, interrupted operations left in the journal, a dependents index that"
          + " disagrees with the tasks' blocked_by, and unreadable task records.",
      "Prints each problem with its file and fix. Exit status 1 when there is any; fix them"
          + " with: nemospawn team repair."
    })
final class TeamCheckCommand extends TeamArgSubcommand {
  @Override
  int run(Team t) {
    GraphCheck check = t.tasks().check();
    if (out.json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("team_id", t.id());
      m.put("clean", check.isClean());
      m.put("problems", problems(check.problems()));
      out.json(m);
    } else if (check.isClean()) {
      out.println("Team " + t.id() + ": no problems found in the task graph");
    } else {
      print(out, check.problems());
      out.println(check.problems().size() + " problem" + plural(check.problems().size())
          + " in team " + t.id() + "; fix them with: nemospawn team repair " + t.id());
    }
    return check.isClean() ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  /** Prints problems one block each: kind and file, what is wrong, the fix. */
  static void print(Output out, List<GraphProblem> problems) {
    for (GraphProblem p : problems) {
      out.println(kind(p.kind()) + "  " + p.path());
      out.println("  " + safe(p.description()));
      out.println("  fix: " + safe(p.fix()));
    }
  }

  static List<Map<String, Object>> problems(List<GraphProblem> problems) {
    return problems.stream()
        .map(p -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("kind", kind(p.kind()));
          m.put("path", p.path().toString());
          m.put("task_id", p.taskId().isEmpty() ? null : p.taskId());
          m.put("description", p.description());
          m.put("fix", p.fix());
          return m;
        })
        .toList();
  }

  /** Returns the kebab-case name of a kind: {@code stranded-task} …. */
  static String kind(GraphProblem.Kind kind) {
    return kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Returns the line {@code team status} prints when the task graph has problems. */
  static String statusLine(String teamId, GraphCheck check) {
    int n = check.problems().size();
    return "Problems: " + n + " in the task graph; see: nemospawn team check " + teamId
        + ", fix: nemospawn team repair " + teamId;
  }

  /**
   * Returns text with control and bidi characters escaped as {@code \\uXXXX}, in full (a reason
   * can quote bytes of a corrupt file).
   */
  static String safe(String text) {
    StringBuilder b = new StringBuilder(text.length());
    text.codePoints().forEach(c -> {
      if (Character.isISOControl(c)
          || (c >= 0x202A && c <= 0x202E)
          || (c >= 0x2066 && c <= 0x2069)
          || c == 0x200E
          || c == 0x200F
          || c == 0x061C) {
        b.append(String.format("\\u%04x", c));
      } else {
        b.appendCodePoint(c);
      }
    });
    return b.toString();
  }

  static String plural(int n) {
    return n == 1 ? "" : "s";
  }
}
