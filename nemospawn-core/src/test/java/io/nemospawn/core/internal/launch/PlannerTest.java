package io.nemospawn.core.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.NemoSpawn;
import io.nemospawn.launch.LaunchOptions;
import io.nemospawn.launch.LaunchPlan;
import io.nemospawn.launch.Launcher;
import io.nemospawn.launch.Template;
import io.nemospawn.topology.GpuTopology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlannerTest {
  @TempDir
  Path dir;

  NemoSpawn ns;
  FileLauncher launcher;

  @BeforeEach
  void open() {
    ns = NemoSpawn.open(dir);
    launcher = new FileLauncher(ns, Optional.empty(), cmd -> false, GpuTopology::empty);
  }

  @AfterEach
  void close() {
    ns.close();
  }

  private static LaunchOptions demo(String gpus) {
    return LaunchOptions.builder()
        .gpus(LaunchOptions.parseGpus(gpus))
        .agentCommand("demo")
        .runtime("process")
        .build();
  }

  @Test
  void launcherIsFoundThroughServiceLoader() {
    assertThat(Launcher.of(ns)).isInstanceOf(FileLauncher.class);
  }

  @Test
  void placesWorkersOnAdjacentGpusNeverTwice() {
    LaunchPlan plan = launcher.plan(launcher.template("nim-deploy"), demo("0-7"));
    assertThat(plan.workers())
        .extracting(a -> a.name() + "=" + a.gpus())
        .containsExactly(
            "build=[]",
            "deploy-tp1=[2]",
            "deploy-tp2=[0, 1]",
            "benchmarker=[]",
            "rank=[]",
            "serve=[]");
    assertThat(plan.leader().gpus()).isEmpty();
    assertThat(plan.tasks())
        .extracting(LaunchPlan.PlannedTask::key)
        .containsExactly(
            "build", "deploy-tp1", "deploy-tp2", "benchmarker", "rank", "serve", "lead");
    assertThat(plan.tasks().get(6).blockedBy()).containsExactly("serve");
  }

  @Test
  void usesTheMachinesTopologyWhenItKnowsTheGivenGpus() {
    // Two NVLink islands of four: 0-3 and 4-7.
    FileLauncher eight =
        new FileLauncher(ns, Optional.empty(), cmd -> false, () -> GpuTopology.uniform(8));
    LaunchPlan plan = eight.plan(eight.template("nim-deploy"), demo("0-7"));
    assertThat(plan.workers().get(2).gpus()).hasSize(2);
    assertThat(plan.workers().get(1).gpus())
        .hasSize(1)
        .doesNotContainAnyElementsOf(plan.workers().get(2).gpus());
    assertThat(plan.notes()).noneMatch(n -> n.startsWith("No GPU topology"));
  }

  @Test
  void tooFewGpusForMinGpusIsAnError() {
    Template t = launcher.template("nim-deploy");
    assertThatThrownBy(() -> launcher.plan(t, demo("0,1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Template 'nim-deploy' needs at least 3 GPUs (min_gpus = 3) but the launch"
            + " was given 2 [0, 1]. Give it more GPUs (e.g. 0-2), or choose a template that runs"
            + " without GPUs (autoresearch, data-curation).");
    assertThatThrownBy(() -> launcher.plan(launcher.template("rlhf-swarm"), demo("")))
        .hasMessage("Template 'rlhf-swarm' needs at least 6 GPUs (min_gpus = 6) but the launch"
            + " was given 0. Give it more GPUs (e.g. 0-5), or choose a template that runs without"
            + " GPUs (autoresearch, data-curation).");
  }

  @Test
  void moreGpusAskedThanGivenIsAnErrorUnlessShared() {
    Template t = launcher.parse("""
        name = "two"
        [[workers]]
        name = "big"
        gpu_count = 2
        [[workers]]
        name = "small"
        gpu_count = 1
        """, "two.toml");
    assertThatThrownBy(() -> launcher.plan(t, demo("4,5")))
        .hasMessage("Cannot place worker 'small' (gpu_count 1): only 0 of the 2 given GPUs"
            + " [4, 5] are still free [] and a GPU is never given to two workers. The"
            + " template's workers need 3 GPUs together; give more GPUs, or allow sharing"
            + " them.");
    LaunchPlan shared = launcher.plan(t, demo("4,5").toBuilder().shareGpus(true).build());
    assertThat(shared.notes())
        .contains("Worker 'small' shares GPUs [4] with other workers (sharing was allowed;"
            + " there are too few GPUs).");
  }

  @Test
  void withoutGpusWorkersGetNoneAndThePlanSaysSo() {
    LaunchPlan plan = launcher.plan(launcher.template("data-curation"), demo(""));
    assertThat(plan.workers()).allMatch(a -> a.gpus().isEmpty());
    assertThat(plan.notes())
        .contains("No GPUs given: workers run without GPUs"
            + " (CUDA_VISIBLE_DEVICES is empty). GPU-hours will be 0.");
  }

  @Test
  void unknownProfileListsTheProfiles() throws IOException {
    Files.createDirectories(dir.resolve("profiles"));
    Files.writeString(dir.resolve("profiles/my-claude.json"), "{}");
    Template t = launcher.template("data-curation");
    assertThatThrownBy(
            () -> launcher.plan(t, LaunchOptions.builder().profile("claud").build()))
        .hasMessage(
            "Unknown profile 'claud' for the launch's profile; profiles: [aider, claude, codex,"
                + " cursor, github-copilot-cli, kimi, my-claude, nanobot, opencode]. Create it"
                + " (Profiles.create) or choose one of those.");
    Template perWorker = launcher.parse("""
        name = "p"
        [[workers]]
        name = "w"
        profile = "nope"
        """, "p.toml");
    assertThatThrownBy(() -> launcher.plan(perWorker, LaunchOptions.defaults()))
        .hasMessageStartingWith("Unknown profile 'nope' for worker 'w' (p.toml, line 2);");
    assertThat(launcher.plan(perWorker, demo("")).workers().get(0).agent())
        .as("--agent-cmd overrides per-worker profiles")
        .isEqualTo("demo");
  }

  @Test
  void chosenAgentIsExplained() {
    LaunchPlan plan = launcher.plan(launcher.template("data-curation"), LaunchOptions.defaults());
    assertThat(plan.leader().agent()).isEqualTo("demo");
    assertThat(plan.notes())
        .contains(
            "No agent CLI (claude, codex) found on the PATH and none"
                + " named: using the built-in demo agent (agent command 'demo'), which does real, small"
                + " ML work on the CPU.",
            "tmux is not installed: agents run as plain processes (runtime 'process'); their"
                + " output goes to log files in the team directory.");
    FileLauncher withClaude = new FileLauncher(
        ns, Optional.empty(), List.of("claude", "tmux")::contains, GpuTopology::empty);
    LaunchPlan real =
        withClaude.plan(withClaude.template("data-curation"), LaunchOptions.defaults());
    assertThat(real.leader().agent()).isEqualTo("profile:claude");
    assertThat(real.leader().runtime()).isEqualTo("tmux");
  }

  @Test
  void hpoTemplateNeedsTheHpoModule() {
    Template t = launcher.template("autoresearch");
    assertThatThrownBy(() -> launcher.plan(t, demo("")))
        .hasMessage("Template 'autoresearch' has an [hpo] section but no HPO module is on the"
            + " class path; add io.nemospawn:nemospawn-hpo and io.nemospawn:nemospawn-demo (the"
            + " nemospawn CLI has both), or remove [hpo].");
  }
}
