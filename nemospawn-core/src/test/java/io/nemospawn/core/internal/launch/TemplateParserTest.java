package io.nemospawn.core.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.launch.Template;
import org.junit.jupiter.api.Test;

class TemplateParserTest {
  private static final String GOOD = """
      name = "tiny"
      description = "prep then train"
      min_gpus = 1

      [[workers]]
      name = "prep"
      role = "data"
      task = "Prepare"

      [[workers]]
      name = "train"
      role = "trainer"
      gpu_count = 2
      task = "Train"
      blocked_by = ["prep"]
      profile = "claude"
      runtime = "process"
      """;

  @Test
  void parsesTheReferenceFormatPlusProfileAndRuntime() {
    Template t = TemplateParser.parse(GOOD, "tiny.toml");
    assertThat(t.name()).isEqualTo("tiny");
    assertThat(t.description()).isEqualTo("prep then train");
    assertThat(t.minGpus()).isEqualTo(1);
    assertThat(t.workers()).extracting(Template.Worker::name).containsExactly("prep", "train");
    Template.Worker train = t.worker("train");
    assertThat(train.gpuCount()).isEqualTo(2);
    assertThat(train.blockedBy()).containsExactly("prep");
    assertThat(train.profile()).isEqualTo("claude");
    assertThat(train.runtime()).isEqualTo("process");
    assertThat(train.line()).isEqualTo(10);
    assertThat(t.worker("prep").gpuCount()).isZero();
    assertThat(t.hpo().isPresent()).isFalse();
  }

  @Test
  void everyBuiltInParses() {
    for (String name : FileLauncher.BUILT_INS) {
      Template t = FileLauncher.builtIn(name).orElseThrow();
      assertThat(t.name()).isEqualTo(name);
      assertThat(t.source()).isEqualTo("builtin:" + name);
      assertThat(t.workers()).isNotEmpty();
    }
    Template ar = FileLauncher.builtIn("autoresearch").orElseThrow();
    assertThat(ar.workers())
        .extracting(Template.Worker::name)
        .containsExactly("data-prep", "trainer-1", "trainer-2", "evaluator");
    assertThat(ar.hpo().study()).isEqualTo("autoresearch");
    assertThat(FileLauncher.builtIn("nim-deploy").orElseThrow().workers())
        .extracting(Template.Worker::name)
        .containsExactly("build", "deploy-tp1", "deploy-tp2", "benchmarker", "rank", "serve");
  }

  @Test
  void hpoSectionKeepsTheTemplatesLineNumbers() {
    String text = """
        name = "h"
        [[workers]]
        name = "w"
        [hpo]
        study = "s"
        [hpo.search_space]
        lr = { type = "loguniform", low = 1e-4, high = 1e-1 }
        [hpo.budget]
        max_trials = 5
        """;
    Template t = TemplateParser.parse(text, "h.toml");
    assertThat(t.hpo().study()).isEqualTo("s");
    assertThat(t.hpo().toml().split("\n", -1))
        .containsExactly(
            "",
            "",
            "",
            "",
            "",
            "[search_space]",
            "lr = { type = \"loguniform\", low = 1e-4, high = 1e-1 }",
            "[budget]",
            "max_trials = 5",
            "");
  }

  @Test
  void unknownTopLevelKeyNamesItsLine() {
    assertThatThrownBy(() -> TemplateParser.parse(
            "name = \"x\"\nmin_gpu = 2\n[[workers]]\nname = \"w\"\n", "x.toml"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("x.toml, line 2: unknown key 'min_gpu'; a template has the keys"
            + " [name, description, min_gpus, workers, hpo, nemo_config].");
  }

  @Test
  void unknownWorkerKeyNamesItsLine() {
    String text = GOOD.replace("gpu_count = 2", "gpus = 2");
    assertThatThrownBy(() -> TemplateParser.parse(text, "tiny.toml"))
        .hasMessage(
            "tiny.toml, line 13: unknown key 'gpus' in worker 2; a worker has the keys"
                + " [name, role, gpu_count, task, blocked_by, profile, runtime, nemo_config, nemo_overrides].");
  }

  @Test
  void unknownTableNamesItsLine() {
    assertThatThrownBy(() -> TemplateParser.parse(GOOD + "\n[extras]\nx = 1\n", "tiny.toml"))
        .hasMessage("tiny.toml, line 19: unknown key 'extras'; a template has the keys"
            + " [name, description, min_gpus, workers, hpo, nemo_config].");
  }

  @Test
  void cycleInBlockedByIsNamed() {
    String text = """
        name = "loop"
        [[workers]]
        name = "a"
        blocked_by = ["c"]
        [[workers]]
        name = "b"
        blocked_by = ["a"]
        [[workers]]
        name = "c"
        blocked_by = ["b"]
        """;
    assertThatThrownBy(() -> TemplateParser.parse(text, "loop.toml"))
        .hasMessage("loop.toml, line 4: blocked_by forms a cycle: a -> c -> b -> a; a worker"
            + " cannot wait, directly or not, for itself. Remove one of these dependencies.");
  }

  @Test
  void blockedByUnknownWorkerIsAnError() {
    String text = GOOD.replace("blocked_by = [\"prep\"]", "blocked_by = [\"prepare\"]");
    assertThatThrownBy(() -> TemplateParser.parse(text, "tiny.toml"))
        .hasMessage("tiny.toml, line 15: worker 'train' is blocked_by 'prepare', which is no"
            + " worker; workers: [prep, train].");
  }

  @Test
  void syntaxErrorNamesTheLine() {
    assertThatThrownBy(
            () -> TemplateParser.parse("name = \"x\"\n[[workers]\nname = 1\n", "bad.toml"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "bad.toml, line 2: invalid TOML: Unexpected token: Got STD_TABLE_CLOSE, expected"
                + " ARRAY_TABLE_CLOSE. Fix the syntax; see docs/launch.md.");
  }

  @Test
  void duplicateWorkerNamesAndReservedLeaderAreErrors() {
    String dup = "name = \"d\"\n[[workers]]\nname = \"w\"\n[[workers]]\nname = \"w\"\n";
    assertThatThrownBy(() -> TemplateParser.parse(dup, "d.toml"))
        .hasMessage("d.toml, line 5: worker name 'w' is used twice (first at line 3); worker"
            + " names must be unique.");
    String leader = "name = \"d\"\n[[workers]]\nname = \"leader\"\n";
    assertThatThrownBy(() -> TemplateParser.parse(leader, "d.toml"))
        .hasMessage("d.toml, line 3: worker name 'leader' is reserved for the team's leader;"
            + " choose another name.");
  }

  @Test
  void wrongTypesAndMissingPartsAreErrors() {
    assertThatThrownBy(() -> TemplateParser.parse(
            "name = \"x\"\nmin_gpus = \"two\"\n[[workers]]\nname = \"w\"\n", "t.toml"))
        .hasMessage("t.toml, line 2: min_gpus must be a whole number from 0 to 4096, was \"two\".");
    assertThatThrownBy(() -> TemplateParser.parse("description = \"x\"\n", "t.toml"))
        .hasMessage("t.toml, line 1: the template has no name; add name = \"my-team\" at the top.");
    assertThatThrownBy(() -> TemplateParser.parse("name = \"x\"\n", "t.toml"))
        .hasMessage("t.toml, line 1: the template has no workers; add at least one [[workers]]"
            + " table with name, role and task.");
    assertThatThrownBy(() -> TemplateParser.parse(
            "name = \"x\"\n[[workers]]\nname = \"w\"\n[hpo]\nstudy = \"s\"\nseed = 3\n", "t.toml"))
        .hasMessage("t.toml, line 6: unknown key 'seed' in [hpo]; it has the keys [study,"
            + " search_space, objective, budget, sampler, pruner].");
  }
}
