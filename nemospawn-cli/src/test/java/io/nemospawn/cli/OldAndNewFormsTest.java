package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.spi.Durability;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Property: a random sequence of task, inbox, plan, lifecycle and artifact operations leaves the
 * same state files whether typed in our form ({@code -t TEAM --title X}, positional ids after
 * the options) or in NemoSpawn 1.0's ({@code TEAM_ID TITLE}, {@code --plan P}, {@code --steps
 * a,b}), ids and times aside. Each seed draws one sequence; a failure names the seed and the
 * operation.
 */
class OldAndNewFormsTest {
  static final JsonMapper JSON = JsonMapper.builder().build();
  static final List<String> AGENTS = List.of("trainer0", "worker0", "worker1");
  static final String[] STATES = {"running", "done", "failed", "pending", "cancelled"};

  @TempDir
  Path dir;

  /** One run of a sequence in one form: its data dir, team and the ids it created, in order. */
  static final class Run {
    final Cli cli;
    final Path dataDir;
    final String team;
    final List<String> agentIds = new ArrayList<>();
    final List<String> tasks = new ArrayList<>();
    final List<String> plans = new ArrayList<>();
    final List<String> artifacts = new ArrayList<>();

    Run(Path dataDir) {
      this.dataDir = dataDir;
      this.cli = new Cli(dataDir);
      try (NemoSpawn ns =
              NemoSpawn.builder().dataDir(dataDir).durability(Durability.NONE).open();
          Team t = ns.newTeam("sweep").description("property").create()) {
        team = t.id();
        for (String a : AGENTS) {
          agentIds.add(t.agents().register(a, "worker", List.of(), "").id());
        }
      }
    }

    /** Runs a command; returns its exit code and records the id it created, if any. */
    int run(List<String> created, String idField, String... args) {
      Cli.Result r = cli.run(args);
      if (created != null && r.code() == 0) {
        created.add(JSON.readTree(r.out()).get(idField).asString());
      }
      return r.code();
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6})
  void sameSequenceInEitherFormGivesTheSameStateFiles(long seed) {
    Run old = new Run(dir.resolve("old"));
    Run neu = new Run(dir.resolve("new"));
    Random rnd = new Random(seed);
    List<String> log = new ArrayList<>();
    for (int step = 0; step < 30; step++) {
      int kind = rnd.nextInt(12);
      String agent = AGENTS.get(rnd.nextInt(AGENTS.size()));
      String text = "text " + step + " lr=" + (rnd.nextInt(9) + 1) + "e-4, \"quoted\"";
      int[] codes;
      switch (kind) {
        case 0, 1 -> { // task create
          boolean owner = rnd.nextBoolean();
          int dep = old.tasks.isEmpty() || rnd.nextBoolean() ? -1 : rnd.nextInt(old.tasks.size());
          String valLoss = rnd.nextBoolean() ? "0." + rnd.nextInt(1000) : null;
          codes = new int[2];
          for (Run r : List.of(old, neu)) {
            List<String> a = new ArrayList<>();
            boolean isOld = r == old;
            if (isOld) {
              a.addAll(List.of("task", "create", "-t", r.team, "--title", text));
            } else {
              a.addAll(List.of("task", "create", r.team, text));
            }
            if (owner) {
              a.addAll(List.of(isOld ? "-o" : "--owner", agent));
            }
            if (dep >= 0) {
              a.addAll(List.of("--blocked-by", r.tasks.get(dep)));
            }
            if (valLoss != null) {
              a.addAll(List.of("--val-loss", valLoss));
            }
            a.add("--json");
            codes[isOld ? 0 : 1] = r.run(r.tasks, "task_id", a.toArray(String[]::new));
          }
        }
        case 2 -> { // task update
          if (old.tasks.isEmpty()) {
            continue;
          }
          int k = rnd.nextInt(old.tasks.size());
          String state = STATES[rnd.nextInt(STATES.length)];
          String word =
              state.equals("running") ? "in_progress" : state.equals("done") ? "completed" : state;
          boolean owner = rnd.nextInt(3) == 0;
          codes = new int[] {
            old.run(
                null,
                null,
                owner
                    ? new String[] {"task", "update", old.tasks.get(k), "-t", old.team, "-o", agent}
                    : new String[] {
                      "task", "update", old.tasks.get(k), "-t", old.team, "--status", state
                    }),
            neu.run(
                null,
                null,
                owner
                    ? new String[] {"task", "update", neu.team, neu.tasks.get(k), "--owner", agent}
                    : new String[] {"task", "update", neu.team, neu.tasks.get(k), "--status", word})
          };
        }
        case 3 ->
          codes = new int[] { // inbox send
            old.run(null, null, "inbox", "send", agent, text, "-t", old.team, "--from", "leader"),
            neu.run(null, null, "inbox", "send", neu.team, agent, text, "--from", "leader")
          };
        case 4 ->
          codes = new int[] { // inbox broadcast
            old.run(null, null, "inbox", "broadcast", text, "-t", old.team, "--from", agent),
            neu.run(null, null, "inbox", "broadcast", neu.team, text, "--from", agent)
          };
        case 5 ->
          codes = new int[] { // inbox receive
            old.run(null, null, "inbox", "receive", "-t", old.team, "--agent", agent),
            neu.run(null, null, "inbox", "receive", neu.team, agent)
          };
        case 6 ->
          codes = new int[] { // plan submit
            old.run(
                old.plans,
                "plan_id",
                "plan",
                "submit",
                "-t",
                old.team,
                "-a",
                agent,
                "--title",
                text,
                "--description",
                "why " + step,
                "--step",
                "warm up",
                "--step",
                "sweep",
                "--json"),
            neu.run(
                neu.plans,
                "plan_id",
                "plan",
                "submit",
                "--team",
                neu.team,
                "--agent",
                agent,
                "--title",
                text,
                "-d",
                "why " + step,
                "--steps",
                "warm up,sweep",
                "--json")
          };
        case 7 -> { // plan approve or reject
          if (old.plans.isEmpty()) {
            continue;
          }
          int k = rnd.nextInt(old.plans.size());
          String verb = rnd.nextBoolean() ? "approve" : "reject";
          codes = new int[] {
            old.run(
                null,
                null,
                "plan",
                verb,
                old.plans.get(k),
                "-t",
                old.team,
                "--reviewer",
                "leader",
                "--comment",
                text),
            neu.run(
                null,
                null,
                "plan",
                verb,
                "--team",
                neu.team,
                "--plan",
                neu.plans.get(k),
                "--reviewer",
                "leader",
                "--comment",
                text)
          };
        }
        case 8 -> { // lifecycle: idle, request, approve or reject
          String verb = List.of("idle", "shutdown-request", "shutdown-approve", "shutdown-reject")
              .get(rnd.nextInt(4));
          boolean leader = verb.equals("shutdown-approve") || verb.equals("shutdown-reject");
          codes = new int[] {
            leader
                ? old.run(null, null, "lifecycle", verb, agent, "-t", old.team, "--reason", text)
                : old.run(
                    null, null, "lifecycle", verb, "-t", old.team, "-a", agent, "--reason", text),
            neu.run(
                null,
                null,
                "lifecycle",
                verb,
                "--team",
                neu.team,
                "--agent",
                agent,
                "--reason",
                text)
          };
        }
        case 9, 10 -> { // artifact register
          String type = List.of("nemo-checkpoint", "lora-adapter", "dataset").get(rnd.nextInt(3));
          String path = "/ckpt/step-" + step + (type.equals("nemo-checkpoint") ? ".nemo" : "");
          String loss = "0." + rnd.nextInt(1000);
          codes = new int[] {
            old.run(
                old.artifacts,
                "artifact_id",
                "artifact",
                "register",
                "-t",
                old.team,
                "--type",
                type,
                "--path",
                path,
                "--val-loss",
                loss,
                "-a",
                agent,
                "--tag",
                "s" + seed,
                "--tag",
                "step" + step,
                "--json"),
            neu.run(
                neu.artifacts,
                "artifact_id",
                "artifact",
                "register",
                neu.team,
                path,
                "--type",
                type,
                "--val-loss",
                loss,
                "--agent",
                agent,
                "--tags",
                "s" + seed + ",step" + step,
                "--json")
          };
        }
        default -> { // artifact promote
          if (old.artifacts.isEmpty()) {
            continue;
          }
          int k = rnd.nextInt(old.artifacts.size());
          codes = new int[] {
            old.run(null, null, "artifact", "promote", old.artifacts.get(k), "-t", old.team),
            neu.run(null, null, "artifact", "promote", neu.team, neu.artifacts.get(k))
          };
        }
      }
      log.add("step " + step + " kind " + kind + ": exit " + codes[0] + " / " + codes[1]);
      assertThat(codes[1]).as("seed %d, %s", seed, log).isEqualTo(codes[0]);
    }
    assertThat(old.tasks).hasSameSizeAs(neu.tasks);
    assertThat(state(neu)).as("seed %d, %s", seed, log).isEqualTo(state(old));
  }

  /**
   * Returns the team's state files, each directory's records normalized and sorted: ids become
   * placeholders numbered in creation order, times and message ids are dropped.
   */
  static Map<String, List<String>> state(Run run) {
    Map<String, String> ids = new TreeMap<>(
        Comparator.comparing(String::length).reversed().thenComparing(Comparator.naturalOrder()));
    ids.put(run.team, "TEAM");
    for (int i = 0; i < run.agentIds.size(); i++) {
      ids.put(run.agentIds.get(i), "AGENT" + i);
    }
    for (int i = 0; i < run.tasks.size(); i++) {
      ids.put(run.tasks.get(i), "TASK" + i);
    }
    for (int i = 0; i < run.plans.size(); i++) {
      ids.put(run.plans.get(i), "PLAN" + i);
    }
    for (int i = 0; i < run.artifacts.size(); i++) {
      ids.put(run.artifacts.get(i), "ART" + i);
    }
    Path teamDir = run.dataDir.resolve("teams").resolve(run.team);
    Map<String, List<String>> state = new TreeMap<>();
    try (Stream<Path> files = Files.walk(teamDir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
        String where = replace(teamDir.relativize(f.getParent()).toString(), ids);
        JsonNode n = JSON.readTree(Files.readString(f));
        strip(n);
        state.computeIfAbsent(where, k -> new ArrayList<>()).add(replace(n.toString(), ids));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    state.values().forEach(l -> l.sort(null));
    return state;
  }

  static String replace(String s, Map<String, String> ids) {
    for (Map.Entry<String, String> e : ids.entrySet()) {
      s = s.replace(e.getKey(), e.getValue());
    }
    return s;
  }

  /** Drops times (also the task index's) and message ids, which differ between any two runs. */
  static void strip(JsonNode n) {
    if (n instanceof ObjectNode o) {
      List<String> drop = new ArrayList<>();
      o.propertyNames().forEach(k -> {
        if (k.endsWith("_at")
            || k.equals("timestamp")
            || k.equals("msg_id")
            || k.equals("crc32c") // the dependents index entry's checksum covers the ids
            || k.endsWith("_mtime_ns")) {
          drop.add(k);
        }
      });
      drop.forEach(o::remove);
      o.values().forEach(OldAndNewFormsTest::strip);
    } else if (n.isArray()) {
      n.values().forEach(OldAndNewFormsTest::strip);
    }
  }
}
