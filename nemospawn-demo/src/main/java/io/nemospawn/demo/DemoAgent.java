package io.nemospawn.demo;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Subscription;
import io.nemospawn.Team;
import io.nemospawn.TeamEvent;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.artifact.Artifacts;
import io.nemospawn.demo.internal.Curation;
import io.nemospawn.demo.internal.Dataset;
import io.nemospawn.demo.internal.Mlp;
import io.nemospawn.demo.internal.Training;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.Trial;
import io.nemospawn.hpo.TrialState;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The built-in demo agent: a real worker that plays the coordination protocol through the public
 * API, in the process an agent runtime starts for it. It reads its identity from the
 * environment ({@code NEMOSPAWN_TEAM}, {@code NEMOSPAWN_AGENT}, {@code NEMOSPAWN_DATA_DIR}),
 * waits until its task is unblocked, claims it, does the work of its role, reports to the leader
 * through the inbox, and completes (or fails) the task.
 *
 * <p>Roles: {@code data} generates the seeded spiral data set; {@code trainer} runs trials of the
 * team's HPO study until it is full (hyperparameters from TPE, {@code val_loss} reported every
 * epoch so ASHA can prune, each finished model registered as a checkpoint); {@code evaluator}
 * re-scores the best checkpoints on held-out data and recommends one; {@code leader} promotes it;
 * {@code ingest}, {@code clean}, {@code deduplicate} and {@code validate} curate a seeded text
 * data set. In a team with a {@code reward-model} worker ({@code rlhf-swarm}), {@code data},
 * {@code trainer}, {@code reward-model} and {@code evaluator} run a small RLHF loop instead
 * ({@link RlhfRoles}); {@code builder}, {@code deployer}, {@code benchmarker}, {@code ranker} and
 * {@code server} deploy and benchmark a model on a local OpenAI-compatible server ({@code
 * nim-deploy}, {@link NimRoles}). Other roles fail their task with a reason.
 *
 * <pre>{@code
 * NEMOSPAWN_TEAM=t NEMOSPAWN_AGENT=a NEMOSPAWN_DATA_DIR=d java -cp ... io.nemospawn.demo.DemoAgent
 * }</pre>
 *
 * @since 0.1
 */
public final class DemoAgent {
  /** Seed of the generated data set, shared by every agent of a team. */
  static final long DATA_SEED = 20261121L;

  private static final List<String> RLHF_ROLES =
      List.of("data", "trainer", "reward-model", "evaluator");
  private static final Duration LEASE = Duration.ofHours(2);
  private static final Duration WAIT_FOR_TASK = Duration.ofMinutes(2);
  private static final Duration WAIT_UNBLOCKED = Duration.ofHours(12);

  private final Team team;
  private final String agentId;
  private final String name;
  private final String role;
  private final Path dataDir;
  private final PrintStream out;
  private final Semaphore changed = new Semaphore(0);
  private final AgentInfo info;
  private @Nullable NimRoles nim;

  private DemoAgent(NemoSpawn ns, Team team, String agentId, PrintStream out) {
    this.team = team;
    this.agentId = agentId;
    var info = team.agents().get(agentId);
    this.info = info;
    this.name = info.name();
    this.role = info.role();
    this.dataDir = ns.dataDir();
    this.out = out;
  }

  /** Runs the agent of the environment and exits with its status. */
  public static void main(String[] args) {
    System.exit(run(System.getenv(), System.out));
  }

  /**
   * Runs the agent the environment names and returns its exit status: 0 when its task is done
   * (or was withdrawn), 1 when it failed.
   */
  public static int run(Map<String, String> env, PrintStream out) {
    String teamId = env.get("NEMOSPAWN_TEAM");
    String agentId = env.get("NEMOSPAWN_AGENT");
    if (teamId == null || agentId == null) {
      out.println("demo agent: NEMOSPAWN_TEAM and NEMOSPAWN_AGENT must be set; it is started by"
          + " `nemospawn launch run … --agent-cmd demo` or `nemospawn spawn agent`.");
      return 2;
    }
    String dir = env.get(NemoSpawn.DATA_DIR_ENV);
    try (NemoSpawn ns = dir == null ? NemoSpawn.open() : NemoSpawn.open(Path.of(dir));
        Team team = ns.team(teamId)) {
      return new DemoAgent(ns, team, agentId, out).work();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      out.println("demo agent: interrupted");
      return 1;
    }
  }

  private int work() throws InterruptedException {
    try (Subscription s = team.subscribe(e -> {
      if (e instanceof TeamEvent.TaskChanged) {
        changed.release();
      }
    })) {
      say("started as " + role + " (" + agentId + ")");
      Optional<Task> mine = await(t -> t.owner().equals(agentId), WAIT_FOR_TASK);
      if (mine.isEmpty()) {
        say("no task owned by " + agentId + " appeared within " + WAIT_FOR_TASK + "; exiting");
        return 1;
      }
      String taskId = mine.get().id();
      Optional<Task> ready =
          await(t -> t.id().equals(taskId) && t.state() != TaskState.BLOCKED, WAIT_UNBLOCKED);
      Task task = ready.orElseThrow(() ->
          new IllegalStateException("Task " + taskId + " stayed blocked for " + WAIT_UNBLOCKED));
      if (task.state() == TaskState.FAILED
          || task.state() == TaskState.CANCELLED
          || task.state() == TaskState.DONE) {
        say("task " + taskId + " is " + task.state().wireName() + "; nothing to do");
        return 0;
      }
      if (task.state() == TaskState.PENDING) {
        task = team.tasks().claim(taskId, agentId, LEASE);
      }
      say("claimed task " + taskId);
      try {
        TaskUpdate done = perform(task);
        team.tasks().update(taskId, done.withState(TaskState.DONE));
        say("task " + taskId + " done");
        team.lifecycle().idle(agentId, "task " + taskId + " done");
        NimRoles n = nim;
        if (n != null) {
          n.serveUntilStopped(this::say);
        }
        return 0;
      } catch (RuntimeException e) {
        String reason = e.getClass().getSimpleName() + ": " + e.getMessage();
        say("task " + taskId + " failed: " + reason);
        e.printStackTrace(out);
        team.tasks().fail(taskId, reason);
        return 1;
      }
    }
  }

  private TaskUpdate perform(Task task) throws InterruptedException {
    if (RLHF_ROLES.contains(role) && RlhfRoles.applies(team)) {
      return new RlhfRoles(team, agentId, this::tell).perform(role, task);
    }
    if (NimRoles.ROLES.contains(role)) {
      NimRoles n = new NimRoles(team, agentId, info, this::tell);
      nim = n;
      return n.perform(role);
    }
    switch (role) {
      case "data":
        return prepareData();
      case "trainer":
        return train(task);
      case "evaluator":
        return evaluate();
      case "leader":
        return lead();
      case "ingest":
      case "clean":
      case "deduplicate":
      case "validate":
        return curate();
      default:
        throw new IllegalStateException(
            "The demo agent has no behaviour for role '" + role
                + "'; it knows data, trainer, evaluator, leader, ingest, clean, deduplicate,"
                + " validate, reward-model (rlhf-swarm), builder, deployer, benchmarker, ranker and"
                + " server (nim-deploy). Run this worker with a real agent (--profile or --agent-cmd).");
    }
  }

  private Path dataFile(String split) {
    return team.dir().resolve("data").resolve(split + ".bin");
  }

  private TaskUpdate prepareData() {
    Dataset.Splits s = Dataset.generate(DATA_SEED);
    s.train().write(dataFile("train"));
    s.validation().write(dataFile("validation"));
    s.test().write(dataFile("test"));
    Artifact a = team.artifacts()
        .register(ArtifactSpec.of(ArtifactType.DATASET, team.dir().resolve("data"))
            .withAgent(agentId)
            .withMetrics(Map.of(
                "train",
                s.train().size(),
                "validation",
                s.validation().size(),
                "test",
                s.test().size(),
                "features",
                Dataset.DIMS,
                "classes",
                Dataset.CLASSES))
            .withTags(List.of("spirals")));
    tell(String.format(
        Locale.ROOT,
        "data ready: %d train, %d validation, %d held-out samples"
            + " of %d features, %d classes (%s)",
        s.train().size(),
        s.validation().size(),
        s.test().size(),
        Dataset.DIMS,
        Dataset.CLASSES,
        a.id()));
    return TaskUpdate.none().withMetadata("dataset_artifact", a.id());
  }

  private TaskUpdate train(Task task) {
    Object studyName = task.metadata().get(Hpo.TASK_STUDY_KEY);
    if (!(studyName instanceof String sn) || sn.isEmpty()) {
      throw new IllegalStateException("Task " + task.id() + " names no HPO study (metadata "
          + Hpo.TASK_STUDY_KEY + "); launch the team from a template with an [hpo] section.");
    }
    Dataset train = Dataset.read(dataFile("train"));
    Dataset validation = Dataset.read(dataFile("validation"));
    int trials = 0;
    int pruned = 0;
    double best = Double.NaN;
    try (Study study = Hpo.open(dataDir, sn)) {
      while (true) {
        Trial t;
        try {
          t = study.ask();
        } catch (IllegalStateException full) {
          say("study " + sn + " is full: " + full.getMessage());
          break;
        }
        trials++;
        Training.Hyper hp = new Training.Hyper(
            t.doubleParam("lr"),
            t.intParam("hidden"),
            t.doubleParam("weight_decay"),
            t.intParam("batch_size"));
        tell(String.format(
            Locale.ROOT,
            "trial %d started: lr=%.4g hidden=%d weight_decay=%.2g" + " batch_size=%d",
            t.number(),
            hp.lr(),
            hp.hidden(),
            hp.weightDecay(),
            hp.batchSize()));
        Training.Result r;
        try {
          r = Training.run(hp, train, validation, Training.EPOCHS, t.number(), (epoch, loss) -> {
            // This agent drives the study in-process and reports to the trial itself, so its task
            // names the trial under "trial", not Hpo.TASK_TRIAL_KEY: that key would have the
            // library's task hook report the same value to the trial a second time.
            t.report(epoch, loss);
            team.tasks()
                .update(
                    task.id(),
                    TaskUpdate.none()
                        .withValLoss(loss)
                        .withMetadata("trial", t.number())
                        .withMetadata("step", epoch));
            return t.shouldPrune();
          });
        } catch (RuntimeException e) {
          study.tell(t, TrialState.FAIL);
          throw e;
        }
        if (r.stopped()) {
          study.tell(t, TrialState.PRUNED);
          pruned++;
          tell(String.format(
              Locale.ROOT,
              "trial %d pruned at epoch %d (val_loss %.4f)",
              t.number(),
              r.epochs(),
              r.valLoss()));
          continue;
        }
        study.tell(t, r.valLoss());
        Path ckpt = team.dir()
            .resolve("checkpoints")
            .resolve(String.format(Locale.ROOT, "trial-%03d.bin", t.number()));
        r.model().write(ckpt);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("trial", t.number());
        metrics.put("epochs", r.epochs());
        metrics.putAll(t.params());
        Artifact a = team.artifacts()
            .register(ArtifactSpec.of(ArtifactType.NEMO_CHECKPOINT, ckpt)
                .withAgent(agentId)
                .withValLoss(r.valLoss())
                .withMetrics(metrics)
                .withTags(List.of("trial-" + t.number(), sn)));
        best = Double.isNaN(best) ? r.valLoss() : Math.min(best, r.valLoss());
        tell(String.format(
            Locale.ROOT,
            "trial %d finished: val_loss %.4f after %d epochs," + " checkpoint %s",
            t.number(),
            r.valLoss(),
            r.epochs(),
            a.id()));
      }
    }
    TaskUpdate u =
        TaskUpdate.none().withMetadata("trials_run", trials).withMetadata("trials_pruned", pruned);
    return Double.isNaN(best) ? u : u.withValLoss(best);
  }

  private TaskUpdate evaluate() {
    Dataset test = Dataset.read(dataFile("test"));
    List<Artifact> top = team.artifacts()
        .list(new Artifacts.Query(
            ArtifactType.NEMO_CHECKPOINT, "", "", false, Artifacts.Sort.VAL_LOSS, 3))
        .items();
    if (top.isEmpty()) {
      throw new IllegalStateException("No checkpoint was registered; the trainers produced"
          + " nothing to evaluate (see their logs).");
    }
    Artifact best = null;
    double bestLoss = Double.NaN;
    double bestAcc = Double.NaN;
    for (Artifact a : top) {
      Mlp m = Mlp.read(Path.of(a.path()));
      double loss = m.loss(test);
      double acc = m.accuracy(test);
      say(String.format(
          Locale.ROOT,
          "%s: val_loss %.4f, held-out loss %.4f, accuracy %.3f",
          a.id(),
          a.valLoss(),
          loss,
          acc));
      if (best == null || loss < bestLoss) {
        best = a;
        bestLoss = loss;
        bestAcc = acc;
      }
    }
    if (best == null) {
      throw new IllegalStateException("None of the checkpoints " + top + " could be scored.");
    }
    tell(String.format(
        Locale.ROOT,
        "recommend %s: held-out loss %.4f, accuracy %.3f (of the %d"
            + " best checkpoints by val_loss)",
        best.id(),
        bestLoss,
        bestAcc,
        top.size()));
    return TaskUpdate.none()
        .withValLoss(bestLoss)
        .withMetadata("recommended_artifact", best.id())
        .withMetadata("heldout_loss", bestLoss)
        .withMetadata("heldout_accuracy", bestAcc);
  }

  private TaskUpdate lead() {
    String recommended = "";
    for (Task t : team.tasks().list(TaskState.DONE)) {
      Object r = t.metadata().get("recommended_artifact");
      if (r instanceof String s && !s.isEmpty()) {
        recommended = s;
      }
    }
    team.inbox().receive(agentId); // the reports have been read (the launch shows them live)
    Optional<Artifact> pick = recommended.isEmpty()
        ? team.artifacts().best(ArtifactType.NEMO_CHECKPOINT)
        : Optional.of(team.artifacts().get(recommended));
    if (pick.isEmpty()) {
      say("no checkpoint to promote; the team produced none");
      return TaskUpdate.none().withMetadata("promoted_artifact", "");
    }
    Artifact p = team.artifacts().promote(pick.get().id());
    say("promoted " + p.id() + " (" + p.path() + ")");
    TaskUpdate u = TaskUpdate.none().withMetadata("promoted_artifact", p.id());
    return Double.isNaN(p.valLoss()) ? u : u.withValLoss(p.valLoss());
  }

  private TaskUpdate curate() {
    Curation.Result r = Curation.run(role, team.dir().resolve("data"), DATA_SEED);
    if (r.artifactPath() != null) {
      Artifact a = team.artifacts()
          .register(ArtifactSpec.of(ArtifactType.DATASET, r.artifactPath())
              .withAgent(agentId)
              .withMetrics(r.metrics())
              .withTags(List.of(role)));
      tell(role + ": " + r.summary() + " (" + a.id() + ")");
    } else {
      tell(role + ": " + r.summary());
    }
    TaskUpdate u = TaskUpdate.none();
    for (Map.Entry<String, Object> e : r.metrics().entrySet()) {
      u = u.withMetadata(e.getKey(), e.getValue());
    }
    return u;
  }

  /** Waits, driven by task events (with a slow re-check), until a task matches. */
  private Optional<Task> await(Predicate<Task> p, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      changed.drainPermits();
      for (Task t : team.tasks().list()) {
        if (p.test(t)) {
          return Optional.of(t);
        }
      }
      long left = Duration.between(Instant.now(), deadline).toMillis();
      if (left <= 0) {
        return Optional.empty();
      }
      changed.tryAcquire(Math.min(left, 2000), TimeUnit.MILLISECONDS);
    }
  }

  private void tell(String text) {
    say(text);
    if (!role.equals("leader")) {
      team.inbox().send(agentId, "leader", text);
    }
  }

  private void say(String text) {
    out.println(Instant.now() + " [" + name + "] " + text);
    out.flush();
  }
}
