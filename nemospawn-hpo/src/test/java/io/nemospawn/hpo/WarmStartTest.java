package io.nemospawn.hpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WarmStartTest {
  private static final SearchSpace OLD = SearchSpace.builder()
      .logFloat("lr", 1e-4, 1e-1)
      .intParam("layers", 1, 8)
      .categorical("opt", "adam", "sgd")
      .floatParam("old_only", 0, 1)
      .build();

  private static double loss(Trial t) {
    return Math.abs(Math.log10(t.doubleParam("lr")) + 2) + 0.1 * t.intParam("layers");
  }

  /** 30 trials in the old study: 24 complete, 4 pruned, 2 failed. */
  private static StudyStorage oldStudy() {
    StudyStorage st = StudyStorage.inMemory();
    Study old =
        Hpo.study("old").space(OLD).storage(st).sampler(Samplers.random(5)).create();
    for (int i = 0; i < 30; i++) {
      Trial t = old.ask();
      t.report(1, loss(t) + 1);
      if (i % 15 == 3) {
        old.tell(t, TrialState.FAIL);
      } else if (i % 7 == 6) {
        old.tell(t, TrialState.PRUNED);
      } else {
        old.tell(t, loss(t));
      }
    }
    return st;
  }

  @Test
  void copiesTheTrialsThatFitAnOverlappingSpace() {
    StudyStorage source = oldStudy();
    SearchSpace space = SearchSpace.builder()
        .logFloat("lr", 1e-3, 1e-1) // narrower: older trials below 1e-3 are skipped
        .intParam("layers", 1, 8)
        .categorical("opt", "sgd", "adam", "rmsprop") // reordered and grown: mapped by value
        .floatParam("new_only", 0, 1)
        .build();
    Study s = Hpo.study("new")
        .space(space)
        .maxTrials(10)
        .sampler(Samplers.tpe().seed(1).build())
        .warmStartFrom(source, "old")
        .create();
    List<FrozenTrial> old = source.trials("old");
    List<FrozenTrial> eligible = old.stream()
        .filter(t -> t.state() == TrialState.COMPLETE || t.state() == TrialState.PRUNED)
        .toList();
    List<FrozenTrial> inside =
        eligible.stream().filter(t -> (double) t.params().get("lr") >= 1e-3).toList();
    assertThat(inside).isNotEmpty().hasSizeLessThan(eligible.size());
    WarmStart w = s.warmStart().orElseThrow();
    assertThat(w.copied()).isEqualTo(inside.size());
    assertThat(w.skippedOutside()).isEqualTo(eligible.size() - inside.size());
    assertThat(w.droppedParams()).containsExactly("old_only");
    List<FrozenTrial> copies = s.trials();
    assertThat(copies).hasSize(inside.size());
    for (int i = 0; i < copies.size(); i++) {
      FrozenTrial c = copies.get(i);
      FrozenTrial o = inside.get(i);
      assertThat(c.state()).isEqualTo(o.state());
      assertThat(c.params()).containsOnlyKeys("lr", "layers", "opt");
      assertThat(c.params().get("lr")).isEqualTo(o.params().get("lr"));
      assertThat(c.params().get("layers")).isEqualTo(o.params().get("layers"));
      assertThat(c.params().get("opt")).isEqualTo(o.params().get("opt"));
      assertThat(c.intermediateValues()).isEqualTo(o.intermediateValues());
      assertThat(c.systemAttrs()).containsEntry(WarmStart.ATTR_FROM, "\"old#" + o.number() + "\"");
      if (o.state() == TrialState.COMPLETE) {
        assertThat(c.rawValue()).isEqualTo(o.rawValue());
      }
    }
    // max_trials counts new trials: 10 more can be asked, then the limit holds
    assertThat(s.maxTrials()).isEqualTo(10 + inside.size());
    for (int i = 0; i < 10; i++) {
      Trial t = s.ask();
      assertThat(t.params()).containsKey("new_only");
      assertThat(t.doubleParam("lr")).isBetween(1e-3, 1e-1);
      s.tell(t, loss(t));
    }
    assertThatThrownBy(s::ask).isInstanceOf(IllegalStateException.class);
    assertThat(source.findStudy("new")).isEmpty();
    assertThat(s.storage().findStudy("new").orElseThrow().userAttrs())
        .containsKey(WarmStart.ATTR_SUMMARY);
  }

  @Test
  void tpeLearnsFromTheCopiesAtOnce() {
    StudyStorage source = StudyStorage.inMemory();
    SearchSpace space = SearchSpace.builder().floatParam("x", 0, 1).build();
    Study old = Hpo.study("old")
        .space(space)
        .storage(source)
        .sampler(Samplers.random(2))
        .create();
    for (int i = 0; i < 40; i++) {
      Trial t = old.ask();
      old.tell(t, Math.abs(t.doubleParam("x") - 0.8));
    }
    Study warm = Hpo.study("warm")
        .space(space)
        .sampler(Samplers.tpe().seed(3).build())
        .warmStartFrom(source, "old")
        .create();
    Study cold =
        Hpo.study("cold").space(space).sampler(Samplers.tpe().seed(3).build()).create();
    double warmErr = 0;
    double coldErr = 0;
    for (int i = 0; i < 5; i++) {
      Trial w = warm.ask();
      Trial c = cold.ask();
      warmErr += Math.abs(w.doubleParam("x") - 0.8);
      coldErr += Math.abs(c.doubleParam("x") - 0.8);
      warm.tell(w, Math.abs(w.doubleParam("x") - 0.8));
      cold.tell(c, Math.abs(c.doubleParam("x") - 0.8));
    }
    // the cold study samples its first 10 trials at random; the warm one is TPE from trial 0
    assertThat(warmErr / 5).isLessThan(0.1);
    assertThat(warmErr).isLessThan(coldErr);
  }

  @Test
  void refusesAnUnknownStudyAnIncompatibleParameterAndAnotherDirection() {
    StudyStorage source = oldStudy();
    StudyStorage target = StudyStorage.inMemory();
    assertThatThrownBy(() -> Hpo.study("new")
            .space(OLD)
            .storage(target)
            .warmStartFrom(source, "nope")
            .create())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("from 'nope': there is no such study")
        .hasMessageContaining("[old]");
    SearchSpace clash = SearchSpace.builder()
        .categorical("lr", "low", "high")
        .intParam("layers", 1, 8)
        .build();
    assertThatThrownBy(() -> Hpo.study("new")
            .space(clash)
            .storage(target)
            .warmStartFrom(source, "old")
            .create())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("parameter 'lr' is FloatDistribution")
        .hasMessageContaining("CategoricalDistribution");
    assertThatThrownBy(() -> Hpo.study("new")
            .space(OLD)
            .direction(Direction.MAXIMIZE)
            .storage(target)
            .warmStartFrom(source, "old")
            .create())
        .hasMessageContaining("(MAXIMIZE) from 'old' (MINIMIZE)");
    // nothing was created
    assertThat(target.studyNames()).isEmpty();
  }

  @Test
  void dataDirWarmStartChecksEverythingBeforeCreatingAFile(@TempDir Path dataDir) {
    HpoConfig config = HpoConfig.of(OLD);
    assertThatThrownBy(() -> Hpo.create(dataDir, "new", config, "missing"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("from 'missing': there is no such study under");
    assertThatThrownBy(() -> Hpo.create(dataDir, "new", config, "../x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'../x'");
    try (Study old = Hpo.create(dataDir, "old", config)) {
      Trial t = old.ask();
      old.tell(t, loss(t));
    }
    HpoConfig clash = HpoConfig.of(SearchSpace.builder().intParam("lr", 1, 3).build());
    assertThatThrownBy(() -> Hpo.create(dataDir, "new", clash, "old"))
        .hasMessageContaining("parameter 'lr'");
    assertThat(Files.exists(Hpo.storageFile(dataDir, "new"))).isFalse();
    try (Study s = Hpo.create(dataDir, "new", config, "old")) {
      assertThat(s.warmStart().orElseThrow().copied()).isEqualTo(1);
      assertThat(s.trials()).hasSize(1);
    }
    try (Study reopened = Hpo.open(dataDir, "new")) {
      assertThat(reopened.trials()).hasSize(1);
    }
  }
}
