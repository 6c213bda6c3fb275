package io.nemospawn.junit.internal;

import io.nemospawn.junit.FakeAgents;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fake agent's program (see {@link FakeAgents}). Every step is a real {@code nemospawn} CLI
 * call in a child process; what it does is printed on standard output, one line per step, so
 * tests can follow it in the agent's log.
 */
public final class FakeAgent {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final Map<String, String> env;
  private final PrintStream out;
  private final List<String> cli;
  private final Set<String> faults = new HashSet<>();
  private final String team;
  private final String me;
  private final long deadline;
  private boolean plan;
  private int dag;
  private long workMs = 200;
  private long pauseSeconds = 3;

  FakeAgent(Map<String, String> env, PrintStream out, String[] args) {
    this.env = env;
    this.out = out;
    this.cli =
        Arrays.asList(env.getOrDefault(FakeAgents.CLI_ENV, "nemospawn").trim().split(" +"));
    for (String f : env.getOrDefault(FakeAgents.FAULTS_ENV, "").split(",")) {
      if (!f.isBlank()) {
        faults.add(f.trim());
      }
    }
    this.team = env.getOrDefault("NEMOSPAWN_TEAM", "");
    this.me = env.getOrDefault("NEMOSPAWN_AGENT", "");
    this.deadline = System.nanoTime()
        + TimeUnit.SECONDS.toNanos(
            Long.parseLong(env.getOrDefault(FakeAgents.DEADLINE_ENV, "300")));
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--plan" -> plan = true;
        case "--dag" -> dag = Integer.parseInt(args[++i]);
        case "--work-ms" -> workMs = Long.parseLong(args[++i]);
        case "--pause" -> pauseSeconds = Long.parseLong(args[++i]);
        default -> {}
      }
    }
  }

  /** Runs the fake agent; the exit code is the process's. */
  public static void main(String[] args) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("fake-agent: terminated, shutting down");
      System.out.flush();
    }));
    FakeAgent a = new FakeAgent(System.getenv(), System.out, args);
    int code;
    try {
      code = List.of(args).contains("--print-env") ? a.printEnv() : a.run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      code = 130;
    }
    System.out.flush();
    System.exit(code);
  }

  private void say(String line) {
    out.println("fake-agent: " + line);
    out.flush();
  }

  int printEnv() {
    for (String k : List.of(
        "NEMOSPAWN_TEAM",
        "NEMOSPAWN_AGENT",
        "NEMOSPAWN_DATA_DIR",
        "NEMOSPAWN_PROMPT",
        "NEMOSPAWN_SESSION",
        "CUDA_VISIBLE_DEVICES")) {
      out.println(k + "=" + env.getOrDefault(k, "<unset>"));
    }
    out.println("PROMPT_OK=" + promptOk());
    out.flush();
    return 0;
  }

  private boolean promptOk() {
    String p = env.get("NEMOSPAWN_PROMPT");
    try {
      return p != null && Files.readString(Path.of(p), StandardCharsets.UTF_8).contains(me);
    } catch (IOException e) {
      return false;
    }
  }

  /** The result of one CLI call. */
  record Call(int code, String out, String err) {
    JsonNode json() {
      return JSON.readTree(out.isBlank() ? "{}" : out);
    }
  }

  Call call(String... args) throws InterruptedException {
    List<String> argv = new ArrayList<>(cli);
    argv.addAll(List.of(args));
    try {
      ProcessBuilder pb = new ProcessBuilder(argv)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      Path err = Files.createTempFile("fake-agent-", ".err");
      pb.redirectError(err.toFile());
      Process p = pb.start();
      String o = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int code = p.waitFor();
      String e = Files.readString(err);
      Files.deleteIfExists(err);
      return new Call(code, o, e);
    } catch (IOException e) {
      return new Call(127, "", "cannot run " + argv.get(0) + ": " + e.getMessage());
    }
  }

  private boolean timeLeft() {
    return System.nanoTime() < deadline;
  }

  /** Waits for a message (event-driven through the CLI) or a short while, reading the inbox. */
  private void pause() throws InterruptedException {
    if (faults.contains("ignore-messages")) {
      Thread.sleep(500);
      return;
    }
    Call c = call(
        "inbox", "receive", "--team", team, "--agent", me, "--wait", "--timeout", "1", "--json");
    if (c.code() == 0) {
      for (JsonNode m : c.json().path("messages")) {
        say("message from " + m.path("from_agent").asString() + ": "
            + m.path("body").asString());
      }
    }
  }

  int run() throws InterruptedException {
    say("agent " + me + " of team " + team + " on GPUs ["
        + env.getOrDefault("CUDA_VISIBLE_DEVICES", "") + "] prompt "
        + (promptOk() ? "ok" : "MISSING"));
    if (dag > 0) {
      return lead();
    }
    if (plan && !submitPlanAndAwaitReview()) {
      return 2;
    }
    return work();
  }

  private boolean submitPlanAndAwaitReview() throws InterruptedException {
    Call c = call(
        "plan",
        "submit",
        "--team",
        team,
        "--agent",
        me,
        "--title",
        "plan of " + me,
        "--step",
        "claim a task",
        "--step",
        "train and report val_loss",
        "--json");
    if (c.code() != 0) {
      say("plan submit failed: " + c.err().strip());
      return false;
    }
    String id = c.json().path("plan_id").asString();
    say("submitted plan " + id + ", waiting for review");
    while (timeLeft()) {
      String status = call("plan", "show", id, "--team", team, "--json")
          .json()
          .path("status")
          .asString();
      if (status.equals("approved")) {
        say("plan " + id + " approved");
        return true;
      }
      if (status.equals("rejected")) {
        say("plan " + id + " rejected");
        return false;
      }
      pause();
    }
    say("no review of plan " + id + " before the deadline");
    return false;
  }

  private int work() throws InterruptedException {
    boolean idle = false;
    boolean askedShutdown = false;
    int done = 0;
    while (timeLeft()) {
      Call claim = call("task", "claim", "--team", team, "--agent", me, "--json");
      JsonNode t = claim.code() == 0 ? claim.json() : null;
      if (t != null && t.has("task_id")) {
        String id = t.path("task_id").asString();
        say("claimed " + id + " (" + t.path("title").asString() + ")");
        idle = false;
        askedShutdown = false;
        if (faults.contains("die")) {
          say("dying with task " + id + " claimed");
          Runtime.getRuntime().halt(3);
        }
        if (faults.contains("hang")) {
          say("hanging with task " + id + " claimed");
          Thread.sleep(Long.MAX_VALUE);
        }
        call("task", "update", id, "--team", team, "--metadata", "progress=50");
        Thread.sleep(workMs);
        if (faults.remove("fail-task")) {
          call(
              "task",
              "update",
              id,
              "--team",
              team,
              "--status",
              "failed",
              "--metadata",
              "error=fake failure");
          say("failed " + id);
          continue;
        }
        double valLoss = 1.0 / (done + 2);
        Call upd = call(
            "task",
            "update",
            id,
            "--team",
            team,
            "--status",
            "done",
            "--val-loss",
            String.valueOf(valLoss));
        say("done " + id + " val_loss=" + valLoss
            + (upd.code() == 0 ? "" : " (update failed: " + upd.err().strip() + ")"));
        done++;
        call(
            "inbox",
            "send",
            "leader",
            "done " + id + " val_loss=" + valLoss,
            "--team",
            team,
            "--from",
            me);
        continue;
      }
      if (claim.code() != 0 && !claim.err().contains("no pending task")) {
        say("claim failed (exit " + claim.code() + "): " + claim.err().strip());
      } else if (claim.code() == 0) {
        say("claim printed no task: " + claim.out().strip());
      }
      JsonNode tasks = call("task", "list", "--team", team, "--json").json().path("tasks");
      boolean open = false;
      StringBuilder seen = new StringBuilder();
      for (JsonNode x : tasks) {
        String s = x.path("status").asString();
        open |= s.equals("pending") || s.equals("blocked") || s.equals("running");
        seen.append(' ').append(x.path("task_id").asString()).append('=').append(s);
      }
      if (open && !idle) {
        say("tasks:" + seen);
        call(
            "lifecycle",
            "idle",
            "--team",
            team,
            "--agent",
            me,
            "--reason",
            "waiting for a free task");
        say("idle");
        idle = true;
      } else if (!open && !askedShutdown) {
        call(
            "lifecycle",
            "shutdown-request",
            "--team",
            team,
            "--agent",
            me,
            "--reason",
            "all tasks finished (" + done + " by me)");
        // said at once: the leader may approve (which stops this process) before the next call ends
        say("asked to shut down");
        call(
            "inbox", "send", "leader", "shutdown requested by " + me, "--team", team, "--from", me);
        askedShutdown = true;
      } else if (askedShutdown) {
        String state = call("lifecycle", "status", me, "--team", team, "--json")
            .json()
            .path("lifecycle")
            .path("state")
            .asString();
        if (state.equals("running")) {
          say("shutdown rejected; back to work");
          askedShutdown = false;
          idle = false;
        }
      }
      pause();
    }
    say("deadline reached");
    return 4;
  }

  private int lead() throws InterruptedException {
    List<String> trains = new ArrayList<>();
    for (int i = 1; i <= dag; i++) {
      trains.add(call("task", "create", "--team", team, "--title", "train-" + i, "--json")
          .json()
          .path("task_id")
          .asString());
    }
    String eval = call(
            "task",
            "create",
            "--team",
            team,
            "--title",
            "evaluate",
            "--blocked-by",
            String.join(",", trains),
            "--json")
        .json()
        .path("task_id")
        .asString();
    say("created DAG " + trains + " -> " + eval);
    while (timeLeft()) {
      for (JsonNode p : call("plan", "list", "--team", team, "--status", "pending", "--json")
          .json()
          .path("plans")) {
        String id = p.path("plan_id").asString();
        call("plan", "approve", id, "--team", team, "--comment", "go ahead");
        call(
            "inbox",
            "send",
            p.path("agent_id").asString(),
            "plan " + id + " approved",
            "--team",
            team,
            "--from",
            me);
        say("approved plan " + id);
      }
      JsonNode tasks = call("task", "list", "--team", team, "--json").json().path("tasks");
      boolean allDone = tasks.size() > 0;
      for (JsonNode x : tasks) {
        allDone &= x.path("status").asString().equals("done");
      }
      boolean othersStopped = true;
      for (JsonNode a :
          call("lifecycle", "status", "--team", team, "--json").json().path("agents")) {
        String id = a.path("agent_id").asString();
        if (id.equals(me)) {
          continue;
        }
        String state = a.path("lifecycle").path("state").asString();
        othersStopped &= a.path("status").asString().equals("stopped");
        if (state.equals("shutdown_requested")) {
          if (allDone) {
            Call c = call(
                "lifecycle", "shutdown-approve", id, "--team", team, "--reason", "work merged");
            say("approved shutdown of " + id + (c.code() == 0 ? "" : " failed: " + c.err()));
          } else {
            call(
                "lifecycle",
                "shutdown-reject",
                id,
                "--team",
                team,
                "--reason",
                "tasks remain open");
            say("rejected shutdown of " + id);
          }
        }
      }
      if (allDone && othersStopped) {
        say("team done: every task done, every worker stopped");
        return 0;
      }
      pause();
    }
    say("deadline reached");
    return 4;
  }

  @Override
  public String toString() {
    return "FakeAgent[" + me + " faults=" + faults + " deadline in "
        + Duration.ofNanos(deadline - System.nanoTime()).toSeconds() + " s]";
  }
}
