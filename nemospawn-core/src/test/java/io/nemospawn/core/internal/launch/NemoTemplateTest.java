package io.nemospawn.core.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.NemoSpawn;
import io.nemospawn.launch.LaunchOptions;
import io.nemospawn.launch.LaunchPlan;
import io.nemospawn.launch.Template;
import io.nemospawn.topology.GpuTopology;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A template's {@code nemo_config} and per-worker {@code nemo_overrides}: parsed, checked, planned. */
class NemoTemplateTest {
  static final String TEMPLATE = """
      name = "sft"
      nemo_config = "conf/megatron_gpt.yaml"
      [[workers]]
      name = "short"
      role = "trainer"
      task = "Train briefly"
      nemo_overrides = ["trainer.max_steps=500", "+model.tag='a b'", "~model.drop"]
      [[workers]]
      name = "long"
      role = "trainer"
      nemo_config = "conf/other.yaml"
      nemo_overrides = ["++model.optim.lr=1e-4"]
      [[workers]]
      name = "eval"
      role = "evaluator"
      """;

  @TempDir
  Path dir;

  @Test
  void overridesAndConfigAreParsedPerWorker() {
    Template t = TemplateParser.parse(TEMPLATE, "sft.toml");
    assertThat(t.worker("short").nemoConfig()).isEqualTo("conf/megatron_gpt.yaml");
    assertThat(t.worker("short").nemoOverrides())
        .containsExactly("trainer.max_steps=500", "+model.tag='a b'", "~model.drop");
    assertThat(t.worker("long").nemoConfig()).isEqualTo("conf/other.yaml");
    assertThat(t.worker("eval").nemoOverrides()).isEmpty();
  }

  @Test
  void badOverridesAreRefusedWithTheirLine() {
    for (String bad : List.of("trainer.max_steps", "a..b=1", "a.$(id)=1", "a=x\\ny", "=1", "+")) {
      String text = TEMPLATE.replace("\"~model.drop\"", "\"" + bad + "\"");
      assertThatThrownBy(() -> TemplateParser.parse(text, "sft.toml"))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("sft.toml, line 7: nemo_overrides of worker 'short' holds")
          .hasMessageContaining("no Hydra override");
    }
    assertThatThrownBy(() -> TemplateParser.parse(
            TEMPLATE.replace("[\"++model.optim.lr=1e-4\"]", "\"++x=1\""), "sft.toml"))
        .hasMessageContaining("line 12: nemo_overrides of worker 'long' must be a list");
    assertThatThrownBy(
            () -> TemplateParser.parse(TEMPLATE.replace("\"conf/other.yaml\"", "\"\""), "sft.toml"))
        .hasMessageContaining("line 11: nemo_config of worker 'long' must be the path");
  }

  @Test
  void theAgentGetsThemInItsEnvironmentAndPrompt() {
    try (NemoSpawn ns = NemoSpawn.open(dir)) {
      FileLauncher launcher =
          new FileLauncher(ns, Optional.empty(), cmd -> false, GpuTopology::empty);
      LaunchPlan plan = launcher.plan(
          TemplateParser.parse(TEMPLATE, "sft.toml"),
          LaunchOptions.builder().agentCommand("demo").runtime("process").build());
      LaunchPlan.PlannedAgent shortRun = plan.workers().get(0);
      assertThat(shortRun.env())
          .containsEntry("NEMOSPAWN_NEMO_CONFIG", "conf/megatron_gpt.yaml")
          .containsEntry(
              "NEMOSPAWN_NEMO_OVERRIDES", "trainer.max_steps=500\n+model.tag='a b'\n~model.drop");
      assertThat(shortRun.prompt())
          .startsWith("Train briefly\n\nNeMo config: start from conf/megatron_gpt.yaml")
          .contains("\n  +model.tag='a b'\n")
          .endsWith("nemospawn nemo config override 'conf/megatron_gpt.yaml'"
              + " 'trainer.max_steps=500' '+model.tag='\\''a b'\\''' '~model.drop' -o run.yaml");
      // the task title stays the template's task
      assertThat(plan.tasks().get(0).title()).isEqualTo("Train briefly");
      LaunchPlan.PlannedAgent eval = plan.workers().get(2);
      assertThat(eval.env()).containsOnlyKeys("NEMOSPAWN_NEMO_CONFIG");
      assertThat(plan.leader().env()).isEmpty();
    }
  }
}
