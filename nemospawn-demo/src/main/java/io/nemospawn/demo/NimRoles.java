package io.nemospawn.demo;

import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.artifact.Artifacts;
import io.nemospawn.nvidia.nim.LoadGenerator;
import io.nemospawn.nvidia.nim.LoadReport;
import io.nemospawn.nvidia.nim.LocalModelServer;
import io.nemospawn.nvidia.nim.NimBenchmarks;
import io.nemospawn.nvidia.nim.NimDeployer;
import io.nemospawn.nvidia.nim.NimDeployment;
import io.nemospawn.nvidia.nim.NimDeployments;
import io.nemospawn.nvidia.nim.WordModel;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The demo agent's roles in the {@code nim-deploy} template. The {@code builder} trains a
 * {@link WordModel} on the built-in corpus and registers it as a {@code nim-container} artifact;
 * each {@code deployer} serves it with a {@link LocalModelServer} in its own process, directly
 * (no container engine here), records the deployment as runtime {@code local} in the team's
 * {@code nim/} records and keeps serving after its task is done until the record is stopped or
 * the launch ends; the {@code benchmarker} load-tests every running deployment with the {@link
 * LoadGenerator} and registers each result as a {@code benchmark} artifact; the {@code ranker}
 * picks the deployment with the most tokens per second per GPU within the latency budget; the
 * {@code server} stops the others and reports the winner's endpoint.
 *
 * <p>A deployment with tensor-parallel degree {@code tp} decodes a token in {@code 2 + 8/tp}
 * milliseconds (the work splits over the GPUs, the all-reduce does not) and serves 4 requests at
 * once, so more GPUs answer faster but not proportionally: the trade-off a real ranking weighs.
 */
final class NimRoles {
  static final double P95_BUDGET_MS = 2000;
  private static final Duration MAX_SERVE = Duration.ofMinutes(30);

  private final Team team;
  private final String agentId;
  private final AgentInfo info;
  private final Consumer<String> tell;
  private @Nullable LocalModelServer server;
  private @Nullable NimDeployment deployment;

  NimRoles(Team team, String agentId, AgentInfo info, Consumer<String> tell) {
    this.team = team;
    this.agentId = agentId;
    this.info = info;
    this.tell = tell;
  }

  static final List<String> ROLES =
      List.of("builder", "deployer", "benchmarker", "ranker", "server");

  TaskUpdate perform(String role) throws InterruptedException {
    return switch (role) {
      case "builder" -> build();
      case "deployer" -> deploy();
      case "benchmarker" -> benchmark();
      case "ranker" -> rank();
      case "server" -> serve();
      default -> throw new IllegalStateException("No NIM behaviour for role '" + role + "'");
    };
  }

  private TaskUpdate build() {
    String corpus = WordModel.builtInCorpus();
    String[] lines = corpus.strip().split("\n");
    int held = Math.max(1, lines.length / 10);
    String train = String.join("\n", java.util.Arrays.copyOf(lines, lines.length - held));
    String test =
        String.join("\n", java.util.Arrays.copyOfRange(lines, lines.length - held, lines.length));
    WordModel m = WordModel.train(train);
    double ppl = m.perplexity(test);
    Path dir = team.dir().resolve("nim").resolve("container");
    m.write(dir.resolve("model.txt"));
    Artifact a = team.artifacts()
        .register(ArtifactSpec.of(ArtifactType.NIM_CONTAINER, dir)
            .withAgent(agentId)
            .withMetrics(Map.of(
                "vocabulary", m.vocabularySize(), "heldout_perplexity", ppl, "runtime", "local"))
            .withTags(List.of("word-model")));
    tell.accept(String.format(
        Locale.ROOT,
        "built %s: a word-level model of %d words, held-out perplexity %.1f, served locally",
        a.id(),
        m.vocabularySize(),
        ppl));
    return TaskUpdate.none().withMetadata("container_artifact", a.id());
  }

  private int tp() {
    if (!info.gpuIds().isEmpty()) {
      return info.gpuIds().size();
    }
    Matcher x = Pattern.compile("tp(\\d)").matcher(info.name());
    return x.find() ? Integer.parseInt(x.group(1)) : 1;
  }

  private TaskUpdate deploy() {
    List<Artifact> built = team.artifacts()
        .list(new Artifacts.Query(
            ArtifactType.NIM_CONTAINER, "", "", false, Artifacts.Sort.CREATED, 0))
        .items();
    if (built.isEmpty()) {
      throw new IllegalStateException(
          "No nim-container artifact to deploy; the builder registered none.");
    }
    Artifact art = built.get(built.size() - 1);
    int tp = tp();
    WordModel m = WordModel.read(Path.of(art.path()).resolve("model.txt"));
    LocalModelServer s = LocalModelServer.start(
        m,
        LocalModelServer.Options.defaults()
            .withModelName("nemospawn-demo")
            .withDelays(Duration.ofMillis(10), Duration.ofMillis(2 + 8 / tp))
            .withWorkers(4));
    server = s;
    if (!NimDeployments.ready(s.baseUri().toString(), Duration.ofSeconds(5))) {
      s.close();
      throw new IllegalStateException(
          "The local server on " + s.baseUri() + " did not answer its health check");
    }
    NimDeployment d =
        new NimDeployments(team).recordLocal(art.id(), s.port(), tp, "default", info.gpuIds());
    deployment = d;
    Runtime.getRuntime().addShutdownHook(new Thread(this::markGone));
    tell.accept("deployed " + art.id() + " as " + d.endpointId() + " at " + d.endpointUrl() + " (TP"
        + tp + ", GPUs " + info.gpuIds() + ")");
    return TaskUpdate.none()
        .withMetadata("endpoint_id", d.endpointId())
        .withMetadata("endpoint_url", d.endpointUrl())
        .withMetadata("tp", tp);
  }

  /** Keeps a deployer's server up until its record is stopped, the launch ends it, or 30 min. */
  void serveUntilStopped(Consumer<String> say) throws InterruptedException {
    LocalModelServer s = server;
    NimDeployment d = deployment;
    if (s == null || d == null) {
      return;
    }
    NimDeployments records = new NimDeployments(team);
    long deadline = System.nanoTime() + MAX_SERVE.toNanos();
    say.accept("serving " + d.endpointUrl() + " until " + d.endpointId() + " is stopped");
    while (System.nanoTime() < deadline && records.get(d.endpointId()).active()) {
      Thread.sleep(200);
    }
    s.close();
    server = null;
    markGone();
    say.accept("stopped serving " + d.endpointId());
  }

  private void markGone() {
    NimDeployment d = deployment;
    LocalModelServer s = server;
    if (s != null) {
      s.close();
    }
    if (d == null) {
      return;
    }
    try {
      NimDeployments records = new NimDeployments(team);
      NimDeployment now = records.get(d.endpointId());
      if (now.active()) {
        records.save(now.with("stopped", "the serving demo agent exited"));
      }
    } catch (RuntimeException e) {
      // the JVM is exiting; the record stays as it was
    }
  }

  private TaskUpdate benchmark() throws InterruptedException {
    List<NimDeployment> running = new NimDeployments(team)
        .list().stream().filter(d -> d.status().equals("running")).toList();
    if (running.isEmpty()) {
      throw new IllegalStateException(
          "No running deployment to benchmark; the deployers recorded none.");
    }
    List<String> ids = new ArrayList<>();
    for (NimDeployment d : running) {
      LoadReport r = new LoadGenerator(LoadGenerator.Options.of(d.endpointUrl(), "nemospawn-demo")
              .withConcurrency(List.of(1, 4, 8))
              .withRequests(24)
              .withTokens(16, 16)
              .withTimeout(Duration.ofSeconds(30)))
          .run(LoadGenerator.Progress.none());
      if (!r.anySucceeded()) {
        throw new IllegalStateException("Deployment " + d.endpointId() + " at " + d.endpointUrl()
            + " answered no request (" + r.failed() + " failed); nothing recorded for it.");
      }
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("endpoint_id", d.endpointId());
      extra.put("tp", d.tpDegree());
      extra.put("gpus", Math.max(1, d.tpDegree()));
      Artifact a = NimBenchmarks.record(team, r, extra, P95_BUDGET_MS, agentId);
      ids.add(a.id());
      tell.accept(String.format(
          Locale.ROOT,
          "benchmarked %s (TP%d): %s tokens/s at concurrency %s, p50 %s ms, p95 %s ms, TTFT p50 %s ms, %d failed (%s)",
          d.endpointId(),
          d.tpDegree(),
          a.metrics().get("output_tokens_per_s"),
          a.metrics().get("best_concurrency"),
          a.metrics().get("latency_p50_ms"),
          a.metrics().get("latency_p95_ms"),
          a.metrics().get("ttft_p50_ms"),
          r.failed(),
          a.id()));
    }
    return TaskUpdate.none().withMetadata("benchmark_artifacts", String.join(",", ids));
  }

  private TaskUpdate rank() {
    List<Artifact> benches = team.artifacts()
        .list(new Artifacts.Query(
            ArtifactType.BENCHMARK, "", "nim-benchmark", false, Artifacts.Sort.CREATED, 0))
        .items();
    Artifact best = null;
    double bestPerGpu = -1;
    StringBuilder table = new StringBuilder();
    for (Artifact b : benches) {
      Object tps = b.metrics().get("output_tokens_per_s");
      Object gpus = b.metrics().get("gpus");
      if (!(tps instanceof Number t)
          || !(gpus instanceof Number g)
          || !(b.metrics().get("endpoint_id") instanceof String)) {
        continue; // no level within the budget: not a candidate
      }
      double perGpu = t.doubleValue() / g.doubleValue();
      table.append(String.format(
          Locale.ROOT, " %s: %.1f tokens/s per GPU;", b.metrics().get("endpoint_id"), perGpu));
      if (perGpu > bestPerGpu) {
        bestPerGpu = perGpu;
        best = b;
      }
    }
    if (best == null) {
      throw new IllegalStateException(
          "No benchmark kept p95 within " + P95_BUDGET_MS + " ms; nothing to rank (benchmarks: "
              + benches.stream().map(Artifact::id).toList() + ")");
    }
    String winner = String.valueOf(best.metrics().get("endpoint_id"));
    team.artifacts().promote(best.id());
    tell.accept(String.format(
        Locale.ROOT,
        "ranked by tokens/s per GPU within p95 <= %.0f ms:%s serve %s",
        P95_BUDGET_MS,
        table,
        winner));
    return TaskUpdate.none()
        .withMetadata("winner_endpoint", winner)
        .withMetadata("winner_benchmark", best.id())
        .withMetadata("tokens_per_s_per_gpu", bestPerGpu);
  }

  private TaskUpdate serve() throws InterruptedException {
    String winner = "";
    for (Task t : team.tasks().list(TaskState.DONE)) {
      if (t.metadata().get("winner_endpoint") instanceof String w && !w.isEmpty()) {
        winner = w;
      }
    }
    if (winner.isEmpty()) {
      throw new IllegalStateException(
          "The ranker named no winner (task metadata winner_endpoint).");
    }
    NimDeployments records = new NimDeployments(team);
    NimDeployment win = records.get(winner);
    List<String> stopped = new ArrayList<>();
    for (NimDeployment d : records.list()) {
      if (!d.endpointId().equals(winner) && d.active()) {
        NimDeployer.stop(records, d.endpointId(), null);
        stopped.add(d.endpointId());
      }
    }
    if (!NimDeployments.ready(win.endpointUrl(), Duration.ofSeconds(5))) {
      throw new IllegalStateException("The winning deployment " + winner + " at "
          + win.endpointUrl() + " does not answer its health check");
    }
    tell.accept("serving " + winner + " at " + win.endpointUrl() + "; stopped " + stopped);
    return TaskUpdate.none()
        .withMetadata("served_endpoint", winner)
        .withMetadata("endpoint_url", win.endpointUrl())
        .withMetadata("stopped_endpoints", String.join(",", stopped));
  }
}
