package io.nemospawn.board;

import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.HpoConfig;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.Trial;
import io.nemospawn.hpo.TrialState;
import io.nemospawn.plan.PlanSpec;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Builds realistic teams in a data directory for the board's tests. */
final class Teams {
  private Teams() {}

  static final String SPACE = """
      [search_space]
      lr = { type = "loguniform", low = 1e-5, high = 1e-3 }
      batch_size = { type = "categorical", choices = [256, 512, 1024, 2048] }
      warmup = { type = "int", low = 0, high = 2000 }
      [objective]
      metric = "val_loss"
      direction = "minimize"
      """;

  /**
   * A fine-tuning team: a task DAG in every state, three agents with GPUs and logs, messages,
   * plans, artifacts (one promoted) and an HPO study with pruned trials.
   */
  static Team realistic(NemoSpawn ns) throws Exception {
    Team t = ns.newTeam("llama-sft")
        .description("Llama 3 SFT sweep")
        .gpus(0, 1, 2, 3)
        .create();
    AgentInfo lead = t.agents()
        .register(
            AgentSpec.builder("lead").role("leader").task("plan the sweep").build());
    AgentInfo tr0 = t.agents()
        .register(AgentSpec.builder("trainer-0")
            .role("worker")
            .gpus(0, 1)
            .task("train")
            .build());
    AgentInfo tr1 = t.agents()
        .register(AgentSpec.builder("trainer-1")
            .role("worker")
            .gpus(2, 3)
            .task("train")
            .build());
    AgentInfo ev = t.agents()
        .register(AgentSpec.builder("evaluator").role("evaluator").task("eval").build());
    for (AgentInfo a : List.of(lead, tr0, tr1, ev)) {
      Path log = t.agent(a.id()).logFile();
      Files.createDirectories(log.getParent());
      Files.writeString(
          log,
          String.join(
                  "\n",
                  "[nemo] step 100/2000 loss=2.31 lr=3.0e-4",
                  "[nemo] step 200/2000 loss=1.87 lr=3.0e-4",
                  "[nemo] step 300/2000 loss=1.62 lr=2.9e-4 (" + a.name() + ")")
              + "\n");
    }
    Task data = t.tasks().create(TaskSpec.of("Prepare dataset shards").withOwner(lead.id()));
    Task base = t.tasks().create(TaskSpec.of("Baseline eval of Llama-3-8B").withOwner(ev.id()));
    Task sft0 =
        t.tasks().create(TaskSpec.of("SFT lr=3e-4 bs=512").after(data.id()).withOwner(tr0.id()));
    Task sft1 =
        t.tasks().create(TaskSpec.of("SFT lr=1e-4 bs=1024").after(data.id()).withOwner(tr1.id()));
    Task eval =
        t.tasks().create(TaskSpec.of("Evaluate SFT checkpoints").after(sft0.id(), sft1.id()));
    t.tasks().create(TaskSpec.of("Export best to NIM").after(eval.id()));
    Task lora = t.tasks().create(TaskSpec.of("LoRA rank 64 ablation"));
    t.tasks().complete(data.id());
    t.tasks().complete(base.id());
    t.tasks().claim(sft0.id(), tr0.id(), java.time.Duration.ofHours(2));
    t.tasks().claim(sft1.id(), tr1.id(), java.time.Duration.ofHours(2));
    t.tasks().fail(lora.id(), "OOM at rank 64 on 80 GB");
    t.inbox()
        .send(
            lead.name(), tr0.name(), "Start SFT with lr=3e-4, bs=512; checkpoint every 500 steps.");
    t.inbox().send(lead.name(), tr1.name(), "Start SFT with lr=1e-4, bs=1024.");
    t.inbox().send(tr0.name(), lead.name(), "step 300: loss 1.62, throughput 3.1k tok/s/GPU");
    t.inbox().broadcast(lead.name(), "Reminder: register checkpoints as artifacts with val_loss.");
    var p = t.plans()
        .submit(new PlanSpec(
            tr1.name(),
            "Switch to cosine schedule",
            "Loss plateaus after step 1500 with linear decay.",
            List.of(
                "Stop at step 1500", "Resume with cosine, warmup 200", "Compare at step 2000")));
    t.plans()
        .submit(new PlanSpec(
            ev.name(), "Add MMLU to the eval suite", "", List.of("Download MMLU", "Run 5-shot")));
    t.plans().approve(p.id(), "lead", "go ahead");
    t.plans()
        .submit(new PlanSpec(
            tr0.name(),
            "Double the batch size",
            "GPU memory at 60%.",
            List.of("bs=1024", "lr x1.4")));
    Path ck = t.dir().resolve("ckpt");
    Files.createDirectories(ck);
    Artifact a1 = t.artifacts()
        .register(
            ArtifactSpec.of(ArtifactType.parse("nemo-checkpoint"), ck.resolve("sft0-step1000.nemo"))
                .withAgent(tr0.id())
                .withValLoss(1.412));
    t.artifacts()
        .register(
            ArtifactSpec.of(ArtifactType.parse("nemo-checkpoint"), ck.resolve("sft1-step1000.nemo"))
                .withAgent(tr1.id())
                .withValLoss(1.538));
    t.artifacts()
        .register(ArtifactSpec.of(ArtifactType.parse("lora-adapter"), ck.resolve("lora-r16"))
            .withAgent(tr0.id())
            .withValLoss(1.497));
    t.artifacts().promote(a1.id());
    study(ns.dataDir(), "llama-sft-lr");
    return t;
  }

  /** An HPO study with complete, pruned and running trials. */
  static void study(Path dataDir, String name) {
    try (Study s = Hpo.create(dataDir, name, HpoConfig.parse(SPACE, "test"))) {
      java.util.Random r = new java.util.Random(7);
      for (int i = 0; i < 14; i++) {
        Trial tr = s.ask();
        double lr = tr.doubleParam("lr");
        double target = 1.3 + Math.abs(Math.log10(lr) + 3.7) * 0.3 + r.nextDouble() * 0.1;
        boolean prune = i % 4 == 3;
        int steps = prune ? 2 : 5;
        for (int step = 0; step < steps; step++) {
          s.report(
              tr.number(),
              step * 200,
              target + (2.5 - target) * Math.exp(-step * 0.8) + (prune ? 0.4 : 0));
        }
        if (prune) {
          s.tell(tr, TrialState.PRUNED);
        } else if (i < 13) {
          s.tell(tr, target);
        }
      }
    }
  }

  static Map<String, Object> none() {
    return Map.of();
  }
}
