package io.nemospawn.hpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HpoConfigTest {
  private static final String TOML = """
      # lr sweep
      [search_space]
      lr = { type = "loguniform", low = 1e-5, high = 1e-1 }
      dropout = { type = "uniform", low = 0.0, high = 0.5 }
      layers = { type = "int", low = 1, high = 8 }
      optimizer = { type = "categorical", choices = ["adam", "sgd"] }

      [search_space.wd]
      type = "uniform"
      low = 0.0
      high = 0.1
      step = 0.01

      [objective]
      metric = "val_acc"
      direction = "maximize"

      [budget]
      max_trials = 50
      min_steps_before_prune = 5
      """;

  @Test
  void parsesTheReferenceToolsFormat() {
    HpoConfig c = HpoConfig.parse(TOML, "sweep.toml");
    assertThat(c.space())
        .isEqualTo(SearchSpace.builder()
            .logFloat("lr", 1e-5, 1e-1)
            .floatParam("dropout", 0.0, 0.5)
            .intParam("layers", 1, 8)
            .categorical("optimizer", "adam", "sgd")
            .steppedFloat("wd", 0.0, 0.1, 0.01)
            .build());
    assertThat(c.metric()).isEqualTo("val_acc");
    assertThat(c.direction()).isEqualTo(Direction.MAXIMIZE);
    assertThat(c.maxTrials()).isEqualTo(50);
    assertThat(c.minStepsBeforePrune()).isEqualTo(5);
    assertThat(c.sampler()).isEqualTo("tpe");
    assertThat(c.pruner()).isEqualTo("asha");
    assertThat(HpoConfig.fromJson(c.toJson())).isEqualTo(c);
  }

  @Test
  void unknownTypesAreErrorsWithTheirLine() {
    String toml = "[search_space]\nlr = { type = \"loguniform\", low = 1e-5, high = 1e-1 }\n"
        + "act = { type = \"choice\", choices = [\"relu\"] }\n";
    assertThatThrownBy(() -> HpoConfig.parse(toml, "bad.toml"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Unknown search space type 'choice' for parameter 'act' at line 3 of bad.toml: use"
                + " one of uniform, loguniform, float, int, categorical.");
  }

  @Test
  void badValuesNameParameterAndLine() {
    String toml =
        "[search_space]\n\n[search_space.lr]\ntype = \"loguniform\"\nlow = 0.0\nhigh = 1.0\n";
    assertThatThrownBy(() -> HpoConfig.parse(toml, "bad.toml"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Invalid log range [0.0, 1.0]: low must be > 0 on a log scale for parameter 'lr'"
                + " at line 3 of bad.toml.");
    assertThatThrownBy(() -> HpoConfig.parse("[objective]\nmetric = \"x\"\n", "empty.toml"))
        .hasMessage("HPO file empty.toml has no [search_space] table with parameters; add one, e.g."
            + " lr = { type = \"loguniform\", low = 1e-5, high = 1e-1 }.");
    assertThatThrownBy(() -> HpoConfig.parse("[search_space\n", "broken.toml"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot parse HPO file broken.toml: ");
    assertThatThrownBy(
            () -> HpoConfig.parse("[search_space]\nx = { type = \"int\", low = 1 }\n", "m.toml"))
        .hasMessage("Missing or non-numeric 'high' for parameter 'x' at line 2 of m.toml.");
  }
}
