package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.cli.Cli.Result;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.TrialState;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class HpoCommandTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static Result run(String... args) {
    return Cli.execute(args);
  }

  private static Path hpoFile(Path dir, int maxTrials) throws Exception {
    Path f = dir.resolve("sweep.toml");
    Files.writeString(f, """
        [search_space]
        lr = { type = "loguniform", low = 1e-5, high = 1e-1 }
        layers = { type = "int", low = 1, high = 8 }
        optimizer = { type = "categorical", choices = ["adam", "sgd"] }
        [objective]
        metric = "val_loss"
        direction = "minimize"
        [budget]
        max_trials = %d
        min_steps_before_prune = 1
        """.formatted(maxTrials));
    return f;
  }

  @Test
  void initSuggestReportBestTrialsWorkTogether(@TempDir Path dir) throws Exception {
    String data = dir.resolve("data").toString();
    Result init = run(
        "hpo",
        "init",
        "--study",
        "s",
        "--hpo-file",
        hpoFile(dir, 3).toString(),
        "--data-dir",
        data);
    assertThat(init.code()).as(init.err()).isZero();
    assertThat(init.out())
        .startsWith("Created study s: minimize val_loss over [lr, layers, optimizer],"
            + " max_trials 3, sampler tpe, pruner asha. Storage: SqliteStorage[");
    assertThat(dir.resolve("data/hpo/s.db")).exists();

    Result s0 = run("hpo", "suggest", "--study", "s", "--data-dir", data, "--json");
    assertThat(s0.code()).as(s0.err()).isZero();
    JsonNode j0 = JSON.readTree(s0.out());
    assertThat(j0.get("trial").asInt()).isZero();
    assertThat(j0.get("params").propertyNames()).containsExactly("lr", "layers", "optimizer");

    Result r0 = run(
        "hpo",
        "report",
        "--study",
        "s",
        "--trial",
        "0",
        "--step",
        "1",
        "--val-loss",
        "0.5",
        "--data-dir",
        data,
        "--json");
    assertThat(r0.code()).isZero();
    assertThat(JSON.readTree(r0.out()).get("prune").asBoolean()).isFalse();
    Result f0 = run(
        "hpo",
        "report",
        "--study",
        "s",
        "--trial",
        "0",
        "--val-loss",
        "0.4",
        "--final",
        "--data-dir",
        data);
    assertThat(f0.code()).isZero();
    assertThat(f0.out()).isEqualTo("trial 0 COMPLETE value=0.4 (best: trial 0 value=0.4)\n");

    Result s1 = run("hpo", "suggest", "--study", "s", "--data-dir", data);
    assertThat(s1.out()).startsWith("trial 1\nlr=");
    // ASHA (min resource 1): 0.9 at rung 0 is worse than 0.5: prune, exit code 1, trial PRUNED
    Result r1 = run(
        "hpo",
        "report",
        "--study",
        "s",
        "--trial",
        "1",
        "--step",
        "1",
        "--val-loss",
        "0.9",
        "--data-dir",
        data);
    assertThat(r1.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r1.out()).isEqualTo("prune: trial 1 is PRUNED at step 1; stop training it.\n");

    Result late = run(
        "hpo",
        "report",
        "--study",
        "s",
        "--trial",
        "1",
        "--step",
        "2",
        "--val-loss",
        "0.1",
        "--data-dir",
        data);
    assertThat(late.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(late.err())
        .isEqualTo("Error: Cannot report into trial 1 of study 's': it is PRUNED, and"
            + " only a RUNNING trial can change. Ask for a new trial instead.\n");

    assertThat(run("hpo", "suggest", "--study", "s", "--data-dir", data).code()).isZero();
    Result full = run("hpo", "suggest", "--study", "s", "--data-dir", data);
    assertThat(full.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(full.err())
        .isEqualTo("Error: Study 's' has reached max_trials = 3 (3 trials); raise"
            + " max_trials or start a new study.\n");

    Result best = run("hpo", "best", "--study", "s", "--data-dir", data, "--json");
    assertThat(JSON.readTree(best.out()).get("trial").asInt()).isZero();
    Result trials = run("hpo", "trials", "--study", "s", "--data-dir", data);
    assertThat(trials.out().lines().toList()).hasSize(4);
    assertThat(trials.out())
        .startsWith("TRIAL  STATE     VALUE  LAST_STEP  PARAMS\n0      COMPLETE  0.4    1 ");
    assertThat(trials.out())
        .contains("\n1      PRUNED    0.9    1 ")
        .contains("\n2      RUNNING   -      - ");

    // the library sees the same study (what the core's `task update --val-loss` uses)
    try (Study study = Hpo.open(Path.of(data), "s")) {
      assertThat(study.trials())
          .extracting(FrozenTrial::state)
          .containsExactly(TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING);
    }
  }

  @Test
  void initWarmStartsFromAnEarlierStudy(@TempDir Path dir) throws Exception {
    String data = dir.resolve("data").toString();
    assertThat(run("hpo", "init", "--study", "old", "--data-dir", data).code()).isZero();
    for (int i = 0; i < 3; i++) {
      JsonNode s = JSON.readTree(
          run("hpo", "suggest", "--study", "old", "--data-dir", data, "--json").out());
      Result done = run(
          "hpo",
          "report",
          "--study",
          "old",
          "--trial",
          s.get("trial").asText(),
          "--val-loss",
          Double.toString(0.5 + i),
          "--final",
          "--data-dir",
          data);
      assertThat(done.code()).as(done.err()).isZero();
    }
    // the new space has lr and layers (not batch_size)
    Result init = run(
        "hpo",
        "init",
        "--study",
        "new",
        "--hpo-file",
        hpoFile(dir, 5).toString(),
        "--warm-start-from",
        "old",
        "--data-dir",
        data,
        "--json");
    assertThat(init.code()).as(init.err()).isZero();
    JsonNode ws = JSON.readTree(init.out()).get("warm_start");
    // the default space's lr (1e-5..1e-3) lies inside the new one (1e-5..1e-1)
    assertThat(ws.get("from").asText()).isEqualTo("old");
    assertThat(ws.get("copied").asInt()).isEqualTo(3);
    assertThat(ws.get("skipped_outside").asInt()).isZero();
    assertThat(ws.get("dropped_params").toString()).isEqualTo("[\"batch_size\"]");
    try (Study s = Hpo.open(Path.of(data), "new")) {
      assertThat(s.trials()).hasSize(3).allMatch(t -> t.state() == TrialState.COMPLETE);
      assertThat(s.maxTrials()).isEqualTo(8);
    }
    Result unknown =
        run("hpo", "init", "--study", "other", "--warm-start-from", "nope", "--data-dir", data);
    assertThat(unknown.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(unknown.err())
        .startsWith("Error: Cannot warm-start study 'other' from 'nope':"
            + " there is no such study under ");
    assertThat(dir.resolve("data/hpo/other.db")).doesNotExist();
    Result hostile =
        run("hpo", "init", "--study", "other", "--warm-start-from", "../x", "--data-dir", data);
    assertThat(hostile.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(hostile.err()).contains("'../x'");
  }

  @Test
  void initExplainsTemplatesAndMistakes(@TempDir Path dir) throws Exception {
    Result t =
        run("hpo", "init", "--study", "s", "--template", "llama", "--data-dir", dir.toString());
    assertThat(t.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(t.err())
        .isEqualTo("Error: No template 'llama': it is neither a built-in template [autoresearch,"
            + " nim-deploy, rlhf-swarm, data-curation] nor a file. Choose one of those"
            + " (Launcher.templates()), or give the path of a .toml file. On the command line:"
            + " nemospawn launch templates.\n");
    assertThat(dir.resolve("hpo/s.db")).doesNotExist();
    Result both = run(
        "hpo",
        "init",
        "--study",
        "s",
        "--template",
        "autoresearch",
        "--hpo-file",
        "x.toml",
        "--data-dir",
        dir.toString());
    assertThat(both.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(both.err())
        .startsWith("Error: --hpo-file=FILE, --template=TEMPLATE are mutually exclusive");
    Path bad = dir.resolve("bad.toml");
    Files.writeString(bad, "[search_space]\nx = { type = \"normal\", low = 0, high = 1 }\n");
    Result b = run(
        "hpo", "init", "--study", "s", "--hpo-file", bad.toString(), "--data-dir", dir.toString());
    assertThat(b.err())
        .isEqualTo("Error: Unknown search space type 'normal' for parameter 'x' at line 2 of " + bad
            + ": use one of uniform, loguniform, float, int, categorical.\n");
    Result missing = run("hpo", "suggest", "--study", "nope", "--data-dir", dir.toString());
    assertThat(missing.err())
        .isEqualTo("Error: No study 'nope' under " + dir.resolve("hpo")
            + ". Create it with Hpo.create(dataDir, \"nope\", config). On the command line:"
            + " nemospawn hpo init --study nope --hpo-file F.\n");
    Result step = run(
        "hpo",
        "report",
        "--study",
        "s",
        "--trial",
        "0",
        "--val-loss",
        "1",
        "--data-dir",
        dir.toString());
    assertThat(step.err())
        .isEqualTo("Error: Missing --step for trial 0: an intermediate report needs the"
            + " step it was measured at; pass --final to complete the trial instead.\n");
  }

  @Test
  void taskUpdateReportsIntoTheTrialLinkedToTheTask(@TempDir Path dir) throws Exception {
    String data = dir.resolve("data").toString();
    assertThat(run(
                "hpo",
                "init",
                "--study",
                "s",
                "--hpo-file",
                hpoFile(dir, 5).toString(),
                "--data-dir",
                data)
            .code())
        .isZero();
    int trial = JSON.readTree(
            run("hpo", "suggest", "--study", "s", "--data-dir", data, "--json").out())
        .get("trial")
        .asInt();
    assertThat(run("team", "create", "lab", "--data-dir", data).code()).isZero();
    Result created = run(
        "task",
        "create",
        "--title",
        "train",
        "--metadata",
        "hpo_study=s",
        "--metadata",
        "hpo_trial=" + trial,
        "--team",
        "lab",
        "--data-dir",
        data,
        "--json");
    assertThat(created.code()).as(created.err()).isZero();
    String task = JSON.readTree(created.out()).get("task_id").asString();

    Result step = run(
        "task",
        "update",
        task,
        "--status",
        "running",
        "--val-loss",
        "0.8",
        "--step",
        "3",
        "--team",
        "lab",
        "--data-dir",
        data,
        "--json");
    assertThat(step.code()).as(step.err()).isZero();
    JsonNode hpo = JSON.readTree(step.out()).get("hpo");
    assertThat(hpo.get("trial").asInt()).isEqualTo(trial);
    assertThat(hpo.get("step").asInt()).isEqualTo(3);
    assertThat(hpo.get("prune").asBoolean()).isFalse();

    Result done = run(
        "task",
        "update",
        task,
        "--status",
        "done",
        "--val-loss",
        "0.25",
        "--team",
        "lab",
        "--data-dir",
        data);
    assertThat(done.code()).as(done.err()).isZero();
    assertThat(done.out()).contains("HPO trial " + trial + " of study s: now complete");
    try (Study s = Hpo.open(Path.of(data), "s")) {
      FrozenTrial t = s.trial(trial);
      assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
      assertThat(t.value()).hasValue(0.25);
      assertThat(t.intermediateValues()).containsEntry(3, 0.8);
    }
  }
}
