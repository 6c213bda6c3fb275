package io.nemospawn.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A fake project agent, run as its own process: it reads its inbox through the real CLI (named by
 * {@code NEMOSPAWN_CLI}), answers a planning request with a four-task DAG, and does a project task
 * with real git work in the worktree it was given (a file named after the task, committed on the
 * task's branch), then reports through {@code nemospawn task update}. With {@code
 * FAKE_FAIL_ONCE_DIR} set, a task whose id is in {@code FAKE_FAIL_TASKS} fails the first time
 * (a marker file in that directory remembers it across agents).
 */
public final class FakeProjectAgent {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** The four-task DAG the planner answers: a; b and c after a; d after b and c. */
  static final String GRAPH = "Here is the plan.\nTASK_GRAPH_JSON\n```json\n{\"tasks\": ["
      + "{\"task_id\": \"a\", \"title\": \"Core\", \"prompt\": \"Write a.txt\"},"
      + "{\"task_id\": \"b\", \"title\": \"Left\", \"prompt\": \"Write b.txt\","
      + " \"depends_on\": [\"a\"]},"
      + "{\"task_id\": \"c\", \"title\": \"Right\", \"prompt\": \"Write c.txt\","
      + " \"depends_on\": [\"a\"]},"
      + "{\"task_id\": \"d\", \"title\": \"Top\", \"prompt\": \"Write d.txt\","
      + " \"depends_on\": [\"b\", \"c\"]}]}\n```\n";

  private final List<String> cli;
  private final String team;
  private final String me;
  private final Set<String> seen = new HashSet<>();

  private FakeProjectAgent() {
    cli = Arrays.asList(System.getenv("NEMOSPAWN_CLI").trim().split(" +"));
    team = System.getenv("NEMOSPAWN_TEAM");
    me = System.getenv("NEMOSPAWN_AGENT");
  }

  /** Runs until killed or 5 minutes passed. */
  public static void main(String[] args) throws Exception {
    new FakeProjectAgent().run();
  }

  private void say(String s) {
    System.out.println("fake-project-agent " + me + ": " + s);
    System.out.flush();
  }

  private void run() throws Exception {
    long end = System.nanoTime() + 300_000_000_000L;
    say("up");
    while (System.nanoTime() < end) {
      String[] r = call(
          null,
          cli,
          "inbox",
          "receive",
          "--team",
          team,
          "--agent",
          me,
          "--wait",
          "--timeout",
          "1",
          "--json");
      if (r[0].equals("143") || r[0].equals("137")) {
        // The runtime stops an agent's children before the agent itself: a receive killed by
        // TERM or KILL means this agent is being stopped. Calling again would leave a receive
        // running after the agent is gone, still touching the inbox.
        say("stopping: my inbox receive was killed (exit " + r[0] + ")");
        return;
      }
      if (!r[0].equals("0")) {
        continue;
      }
      for (JsonNode m : JSON.readTree(r[1]).path("messages")) {
        String body = m.path("body").asString();
        int at = body.indexOf("PROJECT_TASK_JSON ");
        if (at < 0) {
          continue;
        }
        String line = body.substring(at + "PROJECT_TASK_JSON ".length()).strip();
        JsonNode task = JSON.readTree(line.split("\n")[0]);
        if (!seen.add(task.path("request_id").asString())) {
          say("duplicate " + task.path("request_id").asString() + " ignored");
          continue;
        }
        if (task.path("kind").asString().equals("project_plan")) {
          plan(task);
        } else {
          work(task);
        }
      }
    }
  }

  private void plan(JsonNode t) throws Exception {
    String[] r = call(
        null,
        cli,
        "task",
        "update",
        t.path("team_task_id").asString(),
        "--team",
        t.path("team_id").asString(),
        "--status",
        "done",
        "--metadata",
        "task_graph=" + GRAPH);
    say("answered plan " + t.path("plan_id").asString() + " (exit " + r[0] + " " + r[2] + ")");
  }

  private void work(JsonNode t) throws Exception {
    String id = t.path("task_id").asString();
    Path wt = Path.of(t.path("worktree").asString());
    say("task " + id + " in " + wt + " on " + t.path("branch").asString());
    String failDir = System.getenv("FAKE_FAIL_ONCE_DIR");
    String failTasks = System.getenv().getOrDefault("FAKE_FAIL_TASKS", "");
    if (failDir != null && List.of(failTasks.split(",")).contains(id)) {
      Path marker = Path.of(failDir, id);
      if (!Files.exists(marker)) {
        Files.writeString(marker, me);
        call(
            null,
            cli,
            "task",
            "update",
            t.path("team_task_id").asString(),
            "--team",
            t.path("team_id").asString(),
            "--status",
            "failed",
            "--metadata",
            "error=fake failure of " + id);
        say("failed " + id + " on purpose");
        return;
      }
    }
    String branch = call(wt, List.of("git"), "rev-parse", "--abbrev-ref", "HEAD")[1].strip();
    if (!branch.equals(t.path("branch").asString())) {
      say("worktree is on " + branch + ", not " + t.path("branch").asString());
    }
    Files.writeString(wt.resolve(id + ".txt"), "made by " + me + " for task " + id + "\n");
    call(wt, List.of("git"), "add", id + ".txt");
    String[] c = call(
        wt,
        List.of("git"),
        "-c",
        "user.name=fake",
        "-c",
        "user.email=fake@localhost",
        "commit",
        "-q",
        "-m",
        "task " + id + " by " + me);
    String[] r = call(
        null,
        cli,
        "task",
        "update",
        t.path("team_task_id").asString(),
        "--team",
        t.path("team_id").asString(),
        "--status",
        "done");
    say("done " + id + " (commit exit " + c[0] + ", update exit " + r[0] + " " + r[2] + ")");
  }

  private static String[] call(Path dir, List<String> prefix, String... args) throws Exception {
    List<String> argv = new ArrayList<>(prefix);
    argv.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    Path err = Files.createTempFile("fake-project-agent-", ".err");
    pb.redirectError(err.toFile());
    try {
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int code = p.waitFor();
      return new String[] {String.valueOf(code), out, Files.readString(err).strip()};
    } catch (IOException e) {
      return new String[] {"127", "", e.toString()};
    } finally {
      Files.deleteIfExists(err);
    }
  }
}
