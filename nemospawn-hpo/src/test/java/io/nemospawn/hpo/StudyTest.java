package io.nemospawn.hpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StudyTest {
  private static final SearchSpace SPACE = SearchSpace.builder()
      .logFloat("lr", 1e-5, 1e-1)
      .floatParam("dropout", 0.0, 0.5)
      .steppedFloat("wd", 0.0, 0.1, 0.025)
      .intParam("layers", 1, 8)
      .steppedInt("width", 32, 512, 32)
      .logInt("batch", 8, 1024)
      .categorical("optimizer", "adam", "sgd", "rmsprop")
      .build();

  private static double objective(Map<String, Object> p) {
    double lr = ((Number) p.get("lr")).doubleValue();
    double bonus = p.get("optimizer").equals("adam") ? 0 : 0.5;
    return Math.pow(Math.log10(lr) + 3, 2)
        + ((Number) p.get("dropout")).doubleValue()
        + Math.abs(((Number) p.get("layers")).longValue() - 4) * 0.1
        + bonus;
  }

  @Test
  void askSuggestsEveryParameterWithinItsDomain() {
    Study study =
        Hpo.study("s").space(SPACE).sampler(Samplers.tpe().seed(1).build()).create();
    for (int i = 0; i < 40; i++) {
      Trial t = study.ask();
      assertThat(t.params()).containsOnlyKeys(SPACE.params().keySet());
      SPACE
          .params()
          .forEach((name, d) -> assertThat(d.contains(d.toInternal(t.param(name))))
              .as("%s=%s", name, t.param(name))
              .isTrue());
      study.tell(t, objective(t.params()));
    }
    assertThat(study.trials()).hasSize(40).allMatch(t -> t.state() == TrialState.COMPLETE);
    assertThat(study.bestTrial().rawValue())
        .isEqualTo(
            study.trials().stream().mapToDouble(FrozenTrial::rawValue).min().orElseThrow());
    assertThat(study.trial(3).params().get("layers")).isInstanceOf(Long.class);
    assertThat(study.trial(3).params().get("optimizer")).isInstanceOf(String.class);
  }

  @Test
  void seededStudiesAreReproducible() {
    for (Sampler[] pair : List.of(
        new Sampler[] {Samplers.tpe().seed(5).build(), Samplers.tpe().seed(5).build()},
        new Sampler[] {
          Samplers.tpe().seed(5).multivariate(true).group(true).build(),
          Samplers.tpe().seed(5).multivariate(true).group(true).build()
        },
        new Sampler[] {Samplers.random(5), Samplers.random(5)},
        new Sampler[] {
          Samplers.genetic().seed(5).populationSize(8).build(),
          Samplers.genetic().seed(5).populationSize(8).build()
        })) {
      List<Map<String, Object>> a = new ArrayList<>();
      List<Map<String, Object>> b = new ArrayList<>();
      for (int run = 0; run < 2; run++) {
        Study s = Hpo.study("r").space(SPACE).sampler(pair[run]).create();
        for (int i = 0; i < 30; i++) {
          Trial t = s.ask();
          (run == 0 ? a : b).add(t.params());
          s.tell(t, objective(t.params()));
        }
      }
      assertThat(a).as("%s", pair[0]).isEqualTo(b);
    }
  }

  @Test
  void tellRulesFollowOptuna() {
    Study study = Hpo.study("t").space(SPACE).sampler(Samplers.random(1)).create();
    Trial nan = study.ask();
    study.tell(nan, Double.NaN);
    assertThat(study.trial(0).state()).isEqualTo(TrialState.FAIL);

    Trial pruned = study.ask();
    pruned.report(1, 0.9);
    pruned.report(2, 0.7);
    study.tell(pruned, TrialState.PRUNED);
    assertThat(study.trial(1).state()).isEqualTo(TrialState.PRUNED);
    assertThat(study.trial(1).value()).hasValue(0.7);
    assertThat(study.findBestTrial()).isEmpty();
    assertThatThrownBy(study::bestTrial)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Study 't' has no COMPLETE trial yet (2 trials); tell a trial its value first.");

    assertThatThrownBy(() -> study.tell(pruned, 0.5))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot finish trial 1 of study 't': it is PRUNED, and only a RUNNING trial can"
            + " change. Ask for a new trial instead.");
    assertThatThrownBy(() -> pruned.report(3, 0.1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("Cannot report into trial 1 of study 't': it is PRUNED");
    assertThatThrownBy(() -> study.tell(7, 1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("No trial 7 in study 't': it has trials 0..1.");
  }

  @Test
  void maxTrialsIsEnforcedAndStored() {
    StudyStorage storage = StudyStorage.inMemory();
    Study study = Hpo.study("m").space(SPACE).maxTrials(2).storage(storage).create();
    study.ask();
    study.ask();
    assertThatThrownBy(study::ask)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Study 'm' has reached max_trials = 2 (2 trials); raise max_trials or start a new"
                + " study.");
    Study loaded = Hpo.study("m").storage(storage).load();
    assertThat(loaded.maxTrials()).isEqualTo(2);
    assertThat(loaded.space()).isEqualTo(SPACE);
    assertThatThrownBy(loaded::ask).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void loadChecksNameAndDirection() {
    StudyStorage storage = StudyStorage.inMemory();
    Hpo.study("a").storage(storage).direction(Direction.MAXIMIZE).create();
    assertThatThrownBy(
            () -> Hpo.study("a").storage(storage).direction(Direction.MINIMIZE).load())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Study 'a' is MAXIMIZE, not MINIMIZE; drop direction(..) or use another study"
            + " name.");
    assertThatThrownBy(() -> Hpo.study("b").storage(storage).load())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("No study 'b' in InMemoryStorage[a]. Studies: [a]. Create it first.");
    assertThatThrownBy(() -> Hpo.study("a").storage(storage).create())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Study 'a' already exists; load it instead of creating it.");
    assertThat(Hpo.study("a").storage(storage).createOrLoad().direction())
        .isEqualTo(Direction.MAXIMIZE);
  }

  @Test
  void defineByRunSupportsConditionalParameters() {
    Study study =
        Hpo.study("c").sampler(Samplers.tpe().seed(3).startupTrials(5).build()).create();
    int svm = 0;
    for (int i = 0; i < 60; i++) {
      Trial t = study.ask();
      String model = (String) t.suggestCategorical("model", "svm", "forest");
      double loss;
      if (model.equals("svm")) {
        svm++;
        double c = t.suggestFloat("svm_c", 1e-3, 1e3, true);
        loss = Math.abs(Math.log10(c) - 1);
      } else {
        long depth = t.suggestInt("depth", 1, 32);
        loss = 1 + Math.abs(depth - 8) / 8.0;
      }
      assertThat(t.suggestCategorical("model", "svm", "forest")).as("stable").isEqualTo(model);
      study.tell(t, loss);
    }
    assertThat(study.bestTrial().params()).containsEntry("model", "svm").containsKey("svm_c");
    assertThat(svm).as("TPE prefers the better branch").isGreaterThan(35);
    FrozenTrial forest = study.trials().stream()
        .filter(t -> t.params().get("model").equals("forest"))
        .findFirst()
        .orElseThrow();
    assertThat(forest.params()).containsOnlyKeys("model", "depth");
  }

  @Test
  void reportReturnsThePrunersAnswerForOtherProcesses() {
    Study study = Hpo.study("r")
        .sampler(Samplers.random(1))
        .pruner(Pruners.successiveHalving().minResource(1).build())
        .create();
    Trial a = study.ask();
    assertThat(study.report(a.number(), 1, 0.5)).isFalse();
    study.tell(a.number(), 0.5);
    Trial b = study.ask();
    assertThat(study.report(b.number(), 1, 0.9)).isTrue();
    study.tell(b.number(), TrialState.PRUNED);
    assertThatThrownBy(() -> study.tell(b.number(), TrialState.COMPLETE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot tell trial 1 COMPLETE without a value; use tell(trial, value).");
  }

  @Test
  void distributionsValidateAndRoundTripOptunaJson() {
    assertThat(FloatDistribution.stepped(0, 1, 0.3).high()).isEqualTo(0.8999999999999999);
    assertThat(IntDistribution.stepped(1, 10, 4).high()).isEqualTo(9);
    assertThatThrownBy(() -> FloatDistribution.logOf(0, 1))
        .hasMessage("Invalid log range [0.0, 1.0]: low must be > 0 on a log scale.");
    assertThatThrownBy(() -> IntDistribution.of(5, 1))
        .hasMessage("Invalid int range [5, 1]: low must be <= high.");
    for (Distribution d : SPACE.params().values()) {
      assertThat(Distribution.fromJson(d.toJson())).isEqualTo(d);
    }
    assertThat(
            Distribution.fromJson(
                "{\"name\": \"CategoricalDistribution\", \"attributes\": {\"choices\": [\"adam\", \"sgd\", null, 3]}}"))
        .isEqualTo(CategoricalDistribution.of("adam", "sgd", null, 3L));
    assertThat(
            Distribution.fromJson(
                "{\"name\": \"FloatDistribution\", \"attributes\": {\"step\": null, \"low\": -5.0, \"high\": 5.0, \"log\": false}}"))
        .isEqualTo(FloatDistribution.of(-5, 5));
    assertThat(SearchSpace.fromJson(SPACE.toJson())).isEqualTo(SPACE);
  }
}
