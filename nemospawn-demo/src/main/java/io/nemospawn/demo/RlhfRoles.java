package io.nemospawn.demo;

import io.nemospawn.Team;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.artifact.Artifacts;
import io.nemospawn.demo.internal.Rlhf;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskUpdate;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The demo agent's roles in the {@code rlhf-swarm} template (a team with a {@code reward-model}
 * worker): {@code data} makes demonstrations and preference pairs, the {@code trainer} that does
 * not wait for the reward model fine-tunes (SFT) and the one that does runs PPO, {@code
 * reward-model} fits the reward model, {@code evaluator} compares PPO with SFT. See {@link Rlhf}.
 */
final class RlhfRoles {
  static final long SEED = 20261203L;
  private static final int PPO_ITERATIONS = 60;
  private static final double KL_WEIGHT = 0.05;

  private final Team team;
  private final String agentId;
  private final Consumer<String> tell;

  RlhfRoles(Team team, String agentId, Consumer<String> tell) {
    this.team = team;
    this.agentId = agentId;
    this.tell = tell;
  }

  /** Whether the team is an RLHF team: it has a reward-model worker. */
  static boolean applies(Team team) {
    return team.agents().list().items().stream().anyMatch(a -> a.role().equals("reward-model"));
  }

  /** Whether the trainer's task waits for the reward model's (then it is PPO, else SFT). */
  boolean isPpo(Task task) {
    for (String id : task.blockedBy()) {
      String owner = team.tasks().get(id).owner();
      if (!owner.isEmpty() && team.agents().get(owner).role().equals("reward-model")) {
        return true;
      }
    }
    return false;
  }

  TaskUpdate perform(String role, Task task) {
    return switch (role) {
      case "data" -> data();
      case "trainer" -> isPpo(task) ? ppo(task) : sft();
      case "reward-model" -> rewardModel();
      case "evaluator" -> evaluate();
      default ->
        throw new IllegalStateException("The demo agent has no RLHF behaviour for role '" + role
            + "'; it knows data, trainer, reward-model and evaluator.");
    };
  }

  private Path dir() {
    return team.dir().resolve("rlhf");
  }

  private Artifact latest(ArtifactType type, String tag) {
    List<Artifact> l = team.artifacts()
        .list(new Artifacts.Query(type, "", tag, false, Artifacts.Sort.CREATED, 0))
        .items();
    if (l.isEmpty()) {
      throw new IllegalStateException("No " + type.wireName() + " artifact tagged '" + tag
          + "' was registered; the task that makes it did not run (see the task graph).");
    }
    return l.get(l.size() - 1);
  }

  private TaskUpdate data() {
    Rlhf.Data d = Rlhf.generate(SEED, 2000, 3000);
    Rlhf.writeVectors(dir().resolve("demos-train.txt"), d.demos());
    Rlhf.writeVectors(dir().resolve("demos-val.txt"), d.demosVal());
    Rlhf.writePairs(dir().resolve("pairs-train.txt"), d.pairs());
    Rlhf.writePairs(dir().resolve("pairs-test.txt"), d.pairsTest());
    Artifact demos = team.artifacts()
        .register(ArtifactSpec.of(ArtifactType.DATASET, dir().resolve("demos-train.txt"))
            .withAgent(agentId)
            .withMetrics(Map.of(
                "train", d.demos().size(), "validation", d.demosVal().size(), "dims", Rlhf.DIMS))
            .withTags(List.of("rlhf-demonstrations")));
    Artifact pairs = team.artifacts()
        .register(ArtifactSpec.of(ArtifactType.DATASET, dir().resolve("pairs-train.txt"))
            .withAgent(agentId)
            .withMetrics(
                Map.of("train", d.pairs().size(), "test", d.pairsTest().size(), "dims", Rlhf.DIMS))
            .withTags(List.of("rlhf-preferences")));
    tell.accept(String.format(
        Locale.ROOT,
        "data ready: %d+%d demonstrations (%s), %d+%d preference pairs (%s)",
        d.demos().size(),
        d.demosVal().size(),
        demos.id(),
        d.pairs().size(),
        d.pairsTest().size(),
        pairs.id()));
    return TaskUpdate.none()
        .withMetadata("demonstrations_artifact", demos.id())
        .withMetadata("preferences_artifact", pairs.id());
  }

  private TaskUpdate sft() {
    List<double[]> train = Rlhf.readVectors(dir().resolve("demos-train.txt"));
    List<double[]> val = Rlhf.readVectors(dir().resolve("demos-val.txt"));
    Rlhf.Policy p = Rlhf.sft(train);
    double nll = p.nll(val);
    Path f = dir().resolve("sft-policy.txt");
    p.write(f);
    double[] w = Rlhf.trueOptimum(SEED);
    double trueR = Rlhf.meanTrueReward(p, w, 4000, SEED + 1);
    Artifact a = team.artifacts()
        .register(ArtifactSpec.of(ArtifactType.NEMO_CHECKPOINT, f)
            .withAgent(agentId)
            .withValLoss(nll)
            .withMetrics(Map.of("sigma", p.sigma(), "true_reward", trueR))
            .withTags(List.of("sft")));
    tell.accept("SFT done: validation NLL " + Rlhf.fmt(nll) + " per dimension, mean true reward "
        + Rlhf.fmt(trueR) + " (" + a.id() + ")");
    return TaskUpdate.none().withValLoss(nll).withMetadata("checkpoint", a.id());
  }

  private TaskUpdate rewardModel() {
    Rlhf.Policy sft =
        Rlhf.Policy.read(Path.of(latest(ArtifactType.NEMO_CHECKPOINT, "sft").path()));
    List<double[][]> train = Rlhf.readPairs(dir().resolve("pairs-train.txt"));
    List<double[][]> test = Rlhf.readPairs(dir().resolve("pairs-test.txt"));
    Rlhf.RewardModel rm = Rlhf.reward(train, test, 300, 0.5);
    Path f = dir().resolve("reward-model.txt");
    Rlhf.writeVectors(f, List.of(rm.theta()));
    double[] w = Rlhf.trueOptimum(SEED);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("train_loss", rm.trainLoss());
    m.put("test_loss", rm.testLoss());
    m.put("test_accuracy", rm.testAccuracy());
    m.put("sft_reward", rm.reward(sft.mean()));
    m.put("sft_true_reward", Rlhf.trueReward(w, sft.mean()));
    Artifact a = team.artifacts()
        .register(ArtifactSpec.of(ArtifactType.REWARD_SIGNAL, f)
            .withAgent(agentId)
            .withValLoss(rm.testLoss())
            .withMetrics(m)
            .withTags(List.of("reward-model")));
    tell.accept("reward model fitted on " + train.size() + " pairs: held-out Bradley-Terry loss "
        + Rlhf.fmt(rm.testLoss()) + ", accuracy " + Rlhf.fmt(rm.testAccuracy()) + " (" + a.id()
        + ")");
    return TaskUpdate.none()
        .withValLoss(rm.testLoss())
        .withMetadata("reward_artifact", a.id())
        .withMetadata("test_accuracy", rm.testAccuracy());
  }

  private TaskUpdate ppo(Task task) {
    Rlhf.Policy sft =
        Rlhf.Policy.read(Path.of(latest(ArtifactType.NEMO_CHECKPOINT, "sft").path()));
    List<double[]> theta = Rlhf.readVectors(
        Path.of(latest(ArtifactType.REWARD_SIGNAL, "reward-model").path()));
    Rlhf.RewardModel rm = new Rlhf.RewardModel(theta.get(0), Double.NaN, Double.NaN, Double.NaN);
    double[] w = Rlhf.trueOptimum(SEED);
    Rlhf.PpoResult r = Rlhf.ppo(sft, rm, w, PPO_ITERATIONS, SEED + 2, KL_WEIGHT);
    StringBuilder curve = new StringBuilder("iteration learned_reward true_reward kl\n");
    for (Rlhf.Step s : r.steps()) {
      curve
          .append(s.iteration())
          .append(' ')
          .append(s.learnedReward())
          .append(' ')
          .append(s.trueReward())
          .append(' ')
          .append(s.kl())
          .append('\n');
      if (s.iteration() % 10 == 0) {
        team.tasks()
            .update(
                task.id(),
                TaskUpdate.none()
                    .withMetadata("step", s.iteration())
                    .withMetadata("reward", s.learnedReward()));
      }
    }
    Path curveFile = dir().resolve("ppo-rewards.txt");
    try {
      java.nio.file.Files.writeString(curveFile, curve.toString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Rlhf.Step last = r.steps().get(r.steps().size() - 1);
    Rlhf.Step first = r.steps().get(0);
    // val_loss of the policy: the negative KL-penalised objective it maximised.
    double valLoss = -(last.learnedReward() - KL_WEIGHT * last.kl());
    Path f = dir().resolve("ppo-policy.txt");
    r.policy().write(f);
    Artifact ckpt = team.artifacts()
        .register(ArtifactSpec.of(ArtifactType.NEMO_CHECKPOINT, f)
            .withAgent(agentId)
            .withValLoss(valLoss)
            .withMetrics(Map.of(
                "iterations",
                PPO_ITERATIONS,
                "kl",
                last.kl(),
                "reward",
                last.learnedReward(),
                "true_reward",
                last.trueReward()))
            .withTags(List.of("ppo")));
    Artifact signal = team.artifacts()
        .register(ArtifactSpec.of(ArtifactType.REWARD_SIGNAL, curveFile)
            .withAgent(agentId)
            .withMetrics(Map.of(
                "first_reward",
                first.learnedReward(),
                "last_reward",
                last.learnedReward(),
                "first_true_reward",
                first.trueReward(),
                "last_true_reward",
                last.trueReward(),
                "kl",
                last.kl(),
                "iterations",
                PPO_ITERATIONS))
            .withTags(List.of("ppo-rewards")));
    tell.accept("PPO done after " + PPO_ITERATIONS + " iterations: learned reward "
        + Rlhf.fmt(first.learnedReward()) + " -> " + Rlhf.fmt(last.learnedReward())
        + ", true reward "
        + Rlhf.fmt(first.trueReward()) + " -> " + Rlhf.fmt(last.trueReward()) + ", KL to SFT "
        + Rlhf.fmt(last.kl()) + " (" + ckpt.id() + ", rewards " + signal.id() + ")");
    return TaskUpdate.none()
        .withValLoss(valLoss)
        .withMetadata("checkpoint", ckpt.id())
        .withMetadata("reward", last.learnedReward())
        .withMetadata("true_reward", last.trueReward());
  }

  private TaskUpdate evaluate() {
    Artifact sftA = latest(ArtifactType.NEMO_CHECKPOINT, "sft");
    Artifact ppoA = latest(ArtifactType.NEMO_CHECKPOINT, "ppo");
    Rlhf.Policy sft = Rlhf.Policy.read(Path.of(sftA.path()));
    Rlhf.Policy ppo = Rlhf.Policy.read(Path.of(ppoA.path()));
    double[] w = Rlhf.trueOptimum(SEED);
    double win = Rlhf.winRate(ppo, sft, w, 4000, SEED + 3);
    double ppoR = Rlhf.meanTrueReward(ppo, w, 4000, SEED + 4);
    double sftR = Rlhf.meanTrueReward(sft, w, 4000, SEED + 4);
    String pick = win > 0.5 ? ppoA.id() : sftA.id();
    tell.accept("PPO beats SFT on " + Rlhf.fmt(win) + " of 4000 held-out comparisons by the true"
        + " reward (mean " + Rlhf.fmt(ppoR) + " vs " + Rlhf.fmt(sftR) + "); recommend " + pick);
    return TaskUpdate.none()
        .withMetadata("win_rate", win)
        .withMetadata("ppo_true_reward", ppoR)
        .withMetadata("sft_true_reward", sftR)
        .withMetadata("recommended_artifact", pick);
  }
}
