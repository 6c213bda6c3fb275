package io.nemospawn.hpo.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nemospawn.hpo.Direction;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.Pruners;
import io.nemospawn.hpo.Samplers;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.StudyStorage;
import io.nemospawn.hpo.Trial;
import io.nemospawn.hpo.TrialState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Round trips with the real Optuna 3.1 (Debian's python3-optuna, run by /usr/bin/python3): it
 * loads a study we wrote, and we load and continue a study it wrote. Skipped when Optuna is absent.
 */
class OptunaCompatIT {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String DUMP = """
      import json, sys, optuna
      optuna.logging.set_verbosity(optuna.logging.ERROR)
      s = optuna.load_study(study_name=sys.argv[2], storage="sqlite:///" + sys.argv[1])
      out = {"direction": s.direction.name, "trials": [], "user_attrs": s.user_attrs}
      for t in s.trials:
          out["trials"].append({"number": t.number, "state": t.state.name, "params": t.params,
              "value": t.value, "intermediate": {str(k): v for k, v in t.intermediate_values.items()},
              "system_attrs": t.system_attrs, "start": str(t.datetime_start)})
      done = [t for t in s.trials if t.state.name == "COMPLETE"]
      out["best"] = s.best_trial.number if done else None
      print(json.dumps(out))
      """;

  @BeforeAll
  static void optunaIsInstalled() throws Exception {
    boolean ok = Files.isExecutable(Path.of("/usr/bin/python3"));
    if (ok) {
      Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import optuna").start();
      ok = p.waitFor(2, TimeUnit.MINUTES) && p.exitValue() == 0;
    }
    assumeTrue(
        ok,
        "Optuna 3.1 is not installed: apt-get install -y python3-optuna"
            + " (run by /usr/bin/python3)");
  }

  private static String python(Path dir, String script, String... args) throws Exception {
    Path file = Files.createTempFile(dir, "script", ".py");
    Files.writeString(file, script);
    String[] cmd = new String[args.length + 2];
    cmd[0] = "/usr/bin/python3";
    cmd[1] = file.toString();
    System.arraycopy(args, 0, cmd, 2, args.length);
    Process p = new ProcessBuilder(cmd)
        .redirectError(dir.resolve("python.err").toFile())
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue())
        .as("python failed: %s", Files.readString(dir.resolve("python.err")))
        .isZero();
    return out;
  }

  @Test
  void optunaLoadsAStudyWeWrote(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("ours.db");
    try (StudyStorage st = SqliteStorage.open(db)) {
      Study s = Hpo.study("ours")
          .space(SqliteStorageTest.SPACE)
          .storage(st)
          .direction(Direction.MINIMIZE)
          .sampler(Samplers.tpe().seed(3).build())
          .pruner(Pruners.successiveHalving().minResource(1).build())
          .create();
      for (int i = 0; i < 12; i++) {
        Trial t = s.ask();
        double v = Math.abs(Math.log10(t.doubleParam("lr")) + 3) + t.intParam("layers") / 10.0;
        boolean pruned = false;
        for (int step = 1; step <= 4 && !pruned; step++) {
          pruned = s.report(t.number(), step, v + 1.0 / step);
        }
        if (pruned) {
          s.tell(t, TrialState.PRUNED);
        } else {
          s.tell(t, v);
        }
      }
      s.tell(s.ask(), Double.NaN);
      s.ask();
    }
    JsonNode out = JSON.readTree(python(dir, DUMP, db.toString(), "ours"));
    try (StudyStorage st = SqliteStorage.open(db)) {
      Study s = Hpo.study("ours").storage(st).load();
      List<FrozenTrial> ours = s.trials();
      assertThat(out.get("direction").asString()).isEqualTo("MINIMIZE");
      assertThat(out.get("trials").size()).isEqualTo(ours.size());
      for (FrozenTrial t : ours) {
        JsonNode o = out.get("trials").get(t.number());
        assertThat(o.get("number").asInt()).isEqualTo(t.number());
        assertThat(o.get("state").asString()).isEqualTo(t.state().name());
        for (Map.Entry<String, Object> p : t.params().entrySet()) {
          JsonNode v = o.get("params").get(p.getKey());
          if (p.getValue() instanceof String str) {
            assertThat(v.asString()).isEqualTo(str);
          } else {
            assertThat(v.asDouble()).isEqualTo(((Number) p.getValue()).doubleValue());
          }
        }
        if (t.value().isPresent()) {
          assertThat(o.get("value").asDouble()).isEqualTo(t.value().getAsDouble());
        } else {
          assertThat(o.get("value").isNull()).isTrue();
        }
        assertThat(o.get("intermediate").size())
            .isEqualTo(t.intermediateValues().size());
      }
      assertThat(out.get("best").asInt()).isEqualTo(s.bestTrial().number());
      assertThat(out.get("user_attrs").get("nemospawn:max_trials").asInt()).isZero();
    }
  }

  @Test
  void weLoadAndContinueAStudyOptunaWrote(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("theirs.db");
    String write = """
        import sys, optuna
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        s = optuna.create_study(study_name="theirs", storage="sqlite:///" + sys.argv[1],
            direction="maximize", sampler=optuna.samplers.TPESampler(seed=1),
            pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=1))
        s.set_user_attr("owner", "optuna")
        def f(t):
            x = t.suggest_float("x", -3, 3)
            n = t.suggest_int("n", 1, 64, log=True)
            c = t.suggest_categorical("c", ["a", "b", None])
            w = t.suggest_float("w", 0, 1, step=0.25)
            if t.number == 5:
                raise ValueError("fails")
            for step in range(1, 4):
                t.report(-x * x + step, step)
                if t.should_prune():
                    raise optuna.TrialPruned()
            return -x * x + n / 64
        s.optimize(f, n_trials=15, catch=(ValueError,))
        """;
    python(dir, write, db.toString());
    JsonNode before = JSON.readTree(python(dir, DUMP, db.toString(), "theirs"));
    try (StudyStorage st = SqliteStorage.open(db)) {
      Study s = Hpo.study("theirs")
          .storage(st)
          .sampler(Samplers.tpe().seed(2).build())
          .load();
      assertThat(s.direction()).isEqualTo(Direction.MAXIMIZE);
      List<FrozenTrial> trials = s.trials();
      assertThat(trials).hasSize(15);
      for (FrozenTrial t : trials) {
        JsonNode o = before.get("trials").get(t.number());
        assertThat(t.state().name()).isEqualTo(o.get("state").asString());
        assertThat(t.params().get("x")).isEqualTo(o.get("params").get("x").asDouble());
        assertThat(((Number) t.params().get("n")).longValue())
            .isEqualTo(o.get("params").get("n").asLong());
        JsonNode c = o.get("params").get("c");
        assertThat(t.params().get("c")).isEqualTo(c.isNull() ? null : c.asString());
        assertThat(t.intermediateValues()).hasSize(o.get("intermediate").size());
        assertThat(t.systemAttrs().keySet()).containsAll(o.get("system_attrs").propertyNames());
      }
      assertThat(trials.get(5).state()).isEqualTo(TrialState.FAIL);
      assertThat(s.bestTrial().number()).isEqualTo(before.get("best").asInt());
      assertThat(st.findStudy("theirs").orElseThrow().userAttrs())
          .containsEntry("owner", "\"optuna\"");
      for (int i = 0; i < 5; i++) {
        Trial t = s.ask();
        t.suggestFloat("x", -3, 3);
        t.suggestInt("n", 1, 64, true);
        t.suggestCategorical("c", "a", "b", null);
        t.suggest("w", io.nemospawn.hpo.FloatDistribution.stepped(0, 1, 0.25));
        s.tell(t, -t.doubleParam("x") * t.doubleParam("x"));
      }
    }
    JsonNode after = JSON.readTree(python(dir, DUMP, db.toString(), "theirs"));
    assertThat(after.get("trials").size()).isEqualTo(20);
    for (int i = 15; i < 20; i++) {
      JsonNode t = after.get("trials").get(i);
      assertThat(t.get("state").asString()).isEqualTo("COMPLETE");
      assertThat(t.get("params").propertyNames()).containsExactlyInAnyOrder("x", "n", "c", "w");
    }
  }

  @Test
  void whatOptunaWritesWhileWeHoldTheStudyOpenIsInTheChangeLog(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("shared.db");
    String write = """
        import sys, optuna
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        s = optuna.create_study(study_name="shared", storage="sqlite:///" + sys.argv[1],
            load_if_exists=True)
        def f(t):
            x = t.suggest_float("x", -3, 3)
            for step in range(1, 4):
                t.report(x * x + step, step)
            return x * x
        s.optimize(f, n_trials=int(sys.argv[2]))
        """;
    python(dir, write, db.toString(), "3");
    try (StudyStorage st = SqliteStorage.open(db)) {
      StudyStorage.Changes before = st.changesSince("shared", null);
      assertThat(before.trials()).hasSize(3);
      // Optuna writes two trials while this storage is open (and idle): its writes go through,
      // and the triggers log them.
      python(dir, write, db.toString(), "2");
      StudyStorage.Changes after = st.changesSince("shared", before);
      assertThat(after.full()).isFalse();
      assertThat(after.trials()).extracting(FrozenTrial::number).containsExactly(3, 4);
      assertThat(after.trials()).allSatisfy(t -> {
        assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
        assertThat(t.intermediateValues()).containsOnlyKeys(1, 2, 3);
        assertThat(t.params()).containsOnlyKeys("x");
      });
    }
  }
}
