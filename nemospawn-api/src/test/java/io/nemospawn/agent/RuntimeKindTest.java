package io.nemospawn.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.AgentSpec;
import io.nemospawn.launch.LaunchOptions;
import org.junit.jupiter.api.Test;

class RuntimeKindTest {
  @Test
  void theTypedRuntimeWritesTheSameNameAsTheStringForm() {
    AgentSpec typed = AgentSpec.builder("a").runtime(RuntimeKind.PROCESS).build();
    AgentSpec named = AgentSpec.builder("a").runtime("process").build();
    assertThat(typed).isEqualTo(named);
    assertThat(typed.runtime()).isEqualTo("process");
    assertThat(typed.runtimeKind()).contains(RuntimeKind.PROCESS);
    assertThat(LaunchOptions.builder().runtime(RuntimeKind.SANDBOX).build().runtime())
        .isEqualTo("sandbox");
  }

  @Test
  void anSpiRuntimeOrTheSettingHasNoConstant() {
    assertThat(AgentSpec.builder("a").runtime("my-runtime").build().runtimeKind())
        .isEmpty();
    assertThat(AgentSpec.builder("a").build().runtimeKind()).isEmpty();
    assertThat(RuntimeKind.find(" TMUX ")).contains(RuntimeKind.TMUX);
    assertThat(RuntimeKind.values())
        .extracting(RuntimeKind::configName)
        .containsExactly("tmux", "process", "sandbox", "ssh", "slurm");
  }
}
