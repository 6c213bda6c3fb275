package io.nemospawn.cli;

import io.nemospawn.Team;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.nvidia.nim.ExternalBenchmark;
import io.nemospawn.nvidia.nim.LoadGenerator;
import io.nemospawn.nvidia.nim.LoadReport;
import io.nemospawn.nvidia.nim.NimBenchmarks;
import io.nemospawn.nvidia.nim.NimDeployer;
import io.nemospawn.nvidia.nim.NimDeployment;
import io.nemospawn.nvidia.nim.NimDeployments;
import io.nemospawn.nvidia.nim.NimProfiles;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.topology.Gpu;
import io.nemospawn.topology.GpuTopology;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code nemospawn nim}: NIM profiles, deployments and an OpenAI-compatible load generator. */
@Command(
    name = "nim",
    mixinStandardHelpOptions = true,
    description = "NIM deployment pipeline: profiles, deploy, list, stop, benchmark.",
    subcommands = {
      NimCommand.Profiles.class,
      NimCommand.Deploy.class,
      NimCommand.ListDeployments.class,
      NimCommand.Stop.class,
      NimCommand.Benchmark.class
    })
final class NimCommand {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private NimCommand() {}

  static Map<String, Object> view(NimDeployment d, String live) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("endpoint_id", d.endpointId());
    m.put("team_id", d.teamId());
    m.put("artifact_id", d.artifactId());
    m.put("container_image", d.containerImage());
    m.put("endpoint_url", d.endpointUrl());
    m.put("tp_degree", d.tpDegree());
    m.put("profile", d.profile());
    m.put("status", d.status());
    m.put("live", live);
    m.put("container_id", d.containerId());
    m.put("port", d.port());
    m.put("gpu_ids", d.gpuIds());
    m.put("runtime", d.runtime());
    m.put("pid", d.pid());
    m.put("error", d.error());
    m.put("created_at", StateFormat.formatTimestamp(d.createdAt()));
    return m;
  }

  /** {@code nemospawn nim profiles [GPUS]}. */
  @Command(
      name = "profiles",
      mixinStandardHelpOptions = true,
      description =
          "Shows the tensor/pipeline-parallel profiles that fit the GPUs and their memory.")
  static final class Profiles implements Callable<Integer> {
    @Mixin
    Output out;

    @Parameters(
        index = "0",
        arity = "0..1",
        paramLabel = "GPUS",
        description = "A GPU count (NemoSpawn 1.0's NUM_GPUS) or GPU indices such as 0,1;"
            + " default: every GPU found.")
    String gpus;

    @Option(
        names = "--model",
        paramLabel = "MODEL",
        description = "Only this model of the data file.")
    String model;

    @Option(
        names = "--gpu-memory-gb",
        paramLabel = "GB",
        description = "Memory per GPU; default: what GPU discovery reports.")
    Double memoryGb;

    @Option(names = "--all", description = "Also list the profiles that do not fit.")
    boolean all;

    @Option(
        names = "--models-file",
        paramLabel = "FILE",
        description = "A model sizes file (default: nemospawn.nim.models / $NEMOSPAWN_NIM_MODELS,"
            + " else the built-in one).")
    Path modelsFile;

    @Override
    public Integer call() {
      NimProfiles data = modelsFile == null ? NimProfiles.load() : NimProfiles.load(modelsFile);
      GpuTopology t = GpuTopology.detect();
      int count;
      List<Gpu> chosen = new ArrayList<>();
      if (gpus == null) {
        chosen.addAll(t.gpus());
        count = chosen.size();
        if (count == 0) {
          throw new IllegalArgumentException("No GPUs found (" + String.join("; ", t.warnings())
              + "); give the GPU count and the memory per GPU: nim profiles 8 --gpu-memory-gb 80");
        }
      } else if (gpus.matches("\\d{1,4}")) {
        count = Integer.parseInt(gpus);
        if (count < 1) {
          throw new IllegalArgumentException("Invalid GPU count 0; give 1 or more");
        }
        t.gpus().stream().limit(count).forEach(chosen::add);
      } else {
        for (int i : NimDeployer.parseGpus(gpus)) {
          if (!t.indices().contains(i)) {
            throw new IllegalArgumentException("GPU " + i + " is not among the GPUs found "
                + t.indices() + "; give a GPU count instead (with --gpu-memory-gb)");
          }
          chosen.add(t.gpu(i));
        }
        count = chosen.size();
      }
      long memMb;
      String memSource;
      if (memoryGb != null) {
        if (!(memoryGb > 0 && memoryGb < 100_000)) {
          throw new IllegalArgumentException(
              "Invalid GPU memory " + memoryGb + " GB; give a positive number");
        }
        memMb = Math.round(memoryGb * 1024);
        memSource = "given";
      } else if (chosen.size() == count && chosen.stream().allMatch(g -> g.memoryTotalMb() > 0)) {
        memMb = chosen.stream().mapToLong(Gpu::memoryTotalMb).min().orElse(0);
        memSource = t.source();
      } else {
        memMb = 0;
        memSource = "unknown";
      }
      List<NimProfiles.Profile> ps = data.profiles(count, memMb, model);
      List<NimProfiles.Profile> shown =
          all || memMb == 0 ? ps : ps.stream().filter(NimProfiles.Profile::fits).toList();
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gpus", count);
        m.put("memory_per_gpu_mb", memMb == 0 ? null : memMb);
        m.put("memory_source", memSource);
        m.put("data", data.source());
        List<Object> rows = new ArrayList<>();
        for (NimProfiles.Profile p : shown) {
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("model", p.model());
          r.put("precision", p.precision());
          r.put("tp", p.tp());
          r.put("pp", p.pp());
          r.put("gpus", p.gpus());
          r.put("weights_per_gpu_gb", p.weightsPerGpuGb());
          r.put("needed_per_gpu_gb", p.neededPerGpuGb());
          r.put("fits", memMb == 0 ? null : p.fits());
          rows.add(r);
        }
        m.put("profiles", rows);
        out.json(m);
        return ExitCodes.OK;
      }
      out.println(count + (count == 1 ? " GPU" : " GPUs") + ", "
          + (memMb == 0
              ? "memory unknown (give --gpu-memory-gb to check the fit)"
              : String.format(Locale.ROOT, "%.1f GB each (%s)", memMb / 1024.0, memSource))
          + "; model sizes from " + data.source());
      List<List<String>> rows = new ArrayList<>();
      for (NimProfiles.Profile p : shown) {
        rows.add(List.of(
            p.model(),
            p.precision(),
            "TP" + p.tp(),
            "PP" + p.pp(),
            Integer.toString(p.gpus()),
            String.format(Locale.ROOT, "%.1f", p.weightsPerGpuGb()),
            String.format(Locale.ROOT, "%.1f", p.neededPerGpuGb()),
            memMb == 0 ? "?" : p.fits() ? "yes" : "no"));
      }
      if (rows.isEmpty()) {
        out.println("No profile fits; add GPUs, choose fp8 or a smaller model (see --all).");
        return ExitCodes.OK;
      }
      out.table(
          List.of(
              "MODEL", "PRECISION", "TP", "PP", "GPUS", "WEIGHTS/GPU GB", "NEEDED/GPU GB", "FITS"),
          rows);
      return ExitCodes.OK;
    }
  }

  /** {@code nemospawn nim deploy TEAM_ID ARTIFACT_ID}. */
  @Command(
      name = "deploy",
      mixinStandardHelpOptions = true,
      description = "Deploys a checkpoint as a NIM container (docker or podman), waits until it is"
          + " ready and records it.")
  static final class Deploy extends TeamArgSubcommand {
    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "ARTIFACT_ID",
        description = "The checkpoint to serve, art-<8 hex>.")
    String arg1;

    @Option(
        names = "--tp",
        defaultValue = "1",
        paramLabel = "N",
        description = "Tensor parallel degree (1, 2, 4, 8); default 1.")
    int tp;

    @Option(
        names = "--profile",
        defaultValue = "default",
        paramLabel = "PROFILE",
        description = "NIM profile (default, max-throughput, min-latency or a profile id).")
    String profile;

    @Option(
        names = "--port",
        defaultValue = "8000",
        paramLabel = "PORT",
        description = "Host port, published on 127.0.0.1; default 8000.")
    int port;

    @Option(
        names = "--gpus",
        paramLabel = "0,1",
        description = "GPU indices for the container (default: the first --tp).")
    String gpus;

    @Option(
        names = "--image",
        defaultValue = NimDeployer.DEFAULT_IMAGE,
        paramLabel = "IMAGE",
        description = "The NIM image; default ${DEFAULT-VALUE}.")
    String image;

    @Option(
        names = "--ready-timeout",
        defaultValue = "PT10M",
        paramLabel = "DURATION",
        description = "How long to wait for /v1/health/ready (ISO-8601); default PT10M.")
    Duration readyTimeout;

    private String artifactId;

    @Override
    @Initializer
    void parse() {
      artifactId = arg(arg1, "ARTIFACT_ID");
    }

    @Override
    int run(Team t) throws Exception {
      NimDeployer.Request r = new NimDeployer.Request(
          artifactId,
          tp,
          profile,
          port,
          gpus == null ? List.of() : NimDeployer.parseGpus(gpus),
          image,
          readyTimeout);
      NimDeployer d = NimDeployer.forTeam(t);
      if (!out.json()) {
        out.println("Deploying " + artifactId + " with " + d.engine().getFileName() + " (TP" + tp
            + ", profile " + profile + ") on 127.0.0.1:" + port + "; waiting up to "
            + readyTimeout);
      }
      NimDeployment dep = d.deploy(r);
      if (out.json()) {
        out.json(view(dep, "ready"));
      } else {
        out.println("Deployed " + dep.endpointId() + " at " + dep.endpointUrl() + " (container "
            + dep.containerId() + ", GPUs " + dep.gpuIds() + ")");
      }
      return ExitCodes.OK;
    }
  }

  /** {@code nemospawn nim list TEAM_ID}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists the team's deployments with their live state.")
  static final class ListDeployments extends TeamArgSubcommand {
    @Override
    int run(Team t) {
      List<NimDeployment> all = new NimDeployments(t).list();
      List<Map<String, Object>> views = new ArrayList<>();
      List<List<String>> rows = new ArrayList<>();
      for (NimDeployment d : all) {
        String live = NimDeployer.liveState(d);
        views.add(view(d, live));
        rows.add(List.of(
            d.endpointId(),
            d.artifactId(),
            d.endpointUrl(),
            "TP" + d.tpDegree(),
            d.profile(),
            d.status(),
            live,
            d.runtime(),
            d.gpuIds().isEmpty() ? "-" : d.gpuIds().toString()));
      }
      if (out.json()) {
        out.json(views);
      } else if (rows.isEmpty()) {
        out.println("No deployments in team " + t.id() + "; deploy one with nim deploy.");
      } else {
        out.table(
            List.of(
                "ENDPOINT",
                "ARTIFACT",
                "URL",
                "TP",
                "PROFILE",
                "STATUS",
                "LIVE",
                "RUNTIME",
                "GPUS"),
            rows);
      }
      return ExitCodes.OK;
    }
  }

  /** {@code nemospawn nim stop TEAM_ID ENDPOINT_ID}. */
  @Command(
      name = "stop",
      mixinStandardHelpOptions = true,
      description = "Stops a deployment and marks it stopped.")
  static final class Stop extends TeamArgSubcommand {
    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "ENDPOINT_ID",
        description = "The deployment, nim-<8 hex>.")
    String arg1;

    private String endpointId;

    @Override
    @Initializer
    void parse() {
      endpointId = arg(arg1, "ENDPOINT_ID");
    }

    @Override
    int run(Team t) throws Exception {
      NimDeployments records = new NimDeployments(t);
      NimDeployment d = records.get(endpointId);
      NimDeployer engine = d.runtime().equals("local") ? null : NimDeployer.forTeam(t);
      String before = d.status();
      d = NimDeployer.stop(records, endpointId, engine);
      if (out.json()) {
        out.json(view(d, NimDeployer.liveState(d)));
      } else {
        out.println(
            before.equals(d.status())
                ? "Deployment " + d.endpointId() + " was already " + d.status()
                : "Stopped " + d.endpointId() + " (" + d.endpointUrl() + ")");
      }
      return ExitCodes.OK;
    }
  }

  /** {@code nemospawn nim benchmark TEAM_ID ENDPOINT_URL}. */
  @Command(
      name = "benchmark",
      mixinStandardHelpOptions = true,
      description = "Load-tests an OpenAI-compatible endpoint per concurrency level (latency"
          + " percentiles, time to first token, inter-token latency, requests/s, tokens/s, errors)"
          + " and records a benchmark artifact. genai-perf or perf_analyzer measures when on the"
          + " PATH (see --tool), else our own load generator; a request is timed out at"
          + " --timeout even when its stream stalls.")
  static final class Benchmark extends TeamArgSubcommand {
    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "ENDPOINT_URL",
        description = "The endpoint, http://host:port or host:port (as in NemoSpawn 1.0).")
    String arg1;

    @Option(
        names = "--model",
        paramLabel = "MODEL",
        description =
            "Model name sent (default: the first of the endpoint's /v1/models, else 'model').")
    String model;

    @Option(
        names = "--concurrency",
        defaultValue = "1,4,16,64",
        paramLabel = "1,4,16,64",
        description = "Comma-separated concurrency levels; default ${DEFAULT-VALUE}.")
    String concurrency;

    @Option(
        names = "--requests",
        defaultValue = "0",
        paramLabel = "N",
        description = "Requests per level (default: 8 per concurrent request, at least 32).")
    int requests;

    @Option(
        names = "--input-tokens",
        defaultValue = "128",
        paramLabel = "N",
        description = "Words per prompt; default 128.")
    int inputTokens;

    @Option(
        names = "--output-tokens",
        defaultValue = "64",
        paramLabel = "N",
        description = "max_tokens per request; default 64.")
    int outputTokens;

    @Option(
        names = "--api",
        defaultValue = "chat",
        paramLabel = "API",
        description = "chat (/v1/chat/completions, the default) or completions (/v1/completions).")
    String api;

    @Option(names = "--no-stream", description = "Ask for whole answers (no time to first token).")
    boolean noStream;

    @Option(
        names = "--timeout",
        defaultValue = "PT60S",
        paramLabel = "DURATION",
        description = "Limit of one whole request, a stalled stream included; default PT60S.")
    Duration timeout;

    @Option(
        names = "--p95-budget-ms",
        defaultValue = "1000",
        paramLabel = "MS",
        description =
            "Latency budget for the best level: most tokens/s with p95 within it; default 1000.")
    double budget;

    @Option(
        names = "--tool",
        defaultValue = "auto",
        paramLabel = "TOOL",
        description = "What measures: auto (genai-perf, else perf_analyzer when on the PATH and no"
            + " $NIM_API_KEY is set, else ours; the default), ours, genai-perf or perf_analyzer.")
    String tool;

    private String endpoint;

    @Override
    @Initializer
    void parse() {
      endpoint = arg(arg1, "ENDPOINT_URL");
    }

    @Override
    int run(Team t) throws Exception {
      List<Integer> levels = new ArrayList<>();
      if (!concurrency.matches("\\s*\\d{1,5}\\s*(,\\s*\\d{1,5}\\s*)*")) {
        throw new IllegalArgumentException(
            "Invalid concurrency levels '" + StateFormat.printable(concurrency)
                + "'; give comma-separated numbers such as 1,4,16,64");
      }
      for (String s : concurrency.split(",")) {
        levels.add(Integer.parseInt(s.strip()));
      }
      LoadGenerator.Api a = switch (api) {
        case "chat" -> LoadGenerator.Api.CHAT;
        case "completions" -> LoadGenerator.Api.COMPLETIONS;
        default ->
          throw new IllegalArgumentException(
              "Invalid API '" + StateFormat.printable(api) + "'; chat or completions");
      };
      URI base = LoadGenerator.endpointUri(endpoint);
      String m = model != null ? model : servedModel(base, timeout);
      String key = System.getenv("NIM_API_KEY");
      LoadGenerator.Options o = LoadGenerator.Options.of(base.toString(), m)
          .withApi(a, !noStream)
          .withConcurrency(levels)
          .withRequests(requests)
          .withTokens(inputTokens, outputTokens)
          .withTimeout(timeout)
          .withApiKey(key == null || key.isEmpty() ? null : key);
      ExternalBenchmark.Tool ext = null;
      Path exe = null;
      switch (tool) {
        case "ours" -> {}
        case "auto" -> {
          if (o.apiKey() == null) {
            for (ExternalBenchmark.Tool x : ExternalBenchmark.Tool.values()) {
              Optional<Path> p = ExternalBenchmark.find(x, ExternalBenchmark.searchPath());
              if (p.isPresent()) {
                ext = x;
                exe = p.get();
                break;
              }
            }
          }
        }
        case "genai-perf", "perf_analyzer" -> {
          ext = tool.equals("genai-perf")
              ? ExternalBenchmark.Tool.GENAI_PERF
              : ExternalBenchmark.Tool.PERF_ANALYZER;
          exe = ExternalBenchmark.find(ext, ExternalBenchmark.searchPath())
              .orElseThrow(() -> new IllegalArgumentException("'" + tool
                  + "' is not an executable on the PATH; install it or use --tool ours"));
        }
        default ->
          throw new IllegalArgumentException("Invalid --tool '" + StateFormat.printable(tool)
              + "'; give auto, ours, genai-perf or perf_analyzer");
      }
      LoadGenerator.Progress bar =
          new NimProgressBar(out.err(), System.console() != null && !out.json());
      LoadReport r = ext == null || exe == null
          ? new LoadGenerator(o).run(bar)
          : ExternalBenchmark.run(ext, exe, o, bar);
      if (!r.anySucceeded()) {
        Map<String, Integer> errors = new java.util.TreeMap<>();
        r.levels().forEach(l -> l.errors().forEach((k, v) -> errors.merge(k, v, Integer::sum)));
        throw new IllegalStateException("No request to " + base + " succeeded (" + r.failed()
            + " failed: " + errors + "); nothing was recorded. Check that the endpoint is up"
            + " (GET " + base + "/v1/health/ready) and serves model '" + m + "'.");
      }
      Artifact art = NimBenchmarks.record(t, r, Map.of(), budget, "");
      Path file = Path.of(art.path());
      Map<String, Object> body = r.toMap();
      if (out.json()) {
        Map<String, Object> j = new LinkedHashMap<>(body);
        j.put("artifact_id", art.id());
        j.put("file", file.toString());
        out.json(j);
        return r.failed() > 0 ? ExitCodes.FAILURE : ExitCodes.OK;
      }
      List<List<String>> rows = new ArrayList<>();
      for (LoadReport.Level l : r.levels()) {
        LoadReport.Figures f = l.figures();
        rows.add(List.of(
            Integer.toString(l.concurrency()),
            l.succeeded() + "/" + l.requests(),
            f == null ? "-" : fmt(f.latencyP50()),
            f == null ? "-" : fmt(f.latencyP95()),
            f == null ? "-" : fmt(f.latencyP99()),
            f == null ? "-" : fmt(f.ttftP50()),
            f == null ? "-" : fmt(f.itlP50()),
            f == null ? "-" : fmt(f.requestsPerSecond()),
            f == null ? "-" : fmt(f.outputTokensPerSecond()),
            l.errors().isEmpty() ? "-" : l.errors().toString()));
      }
      out.println("Benchmark of " + base + a.path() + " (model " + m + ", "
          + (noStream ? "whole answers" : "streamed") + ", " + inputTokens + " words in, "
          + outputTokens + " tokens out, measured by " + r.tool() + "); times in ms");
      out.table(
          List.of(
              "CONC", "OK", "P50", "P95", "P99", "TTFT P50", "ITL P50", "REQ/S", "TOK/S", "ERRORS"),
          rows);
      r.best(budget)
          .ifPresentOrElse(
              l -> out.println(
                  "Best within p95 <= " + fmt(budget) + " ms: concurrency " + l.concurrency()),
              () -> out.println("No level kept p95 within " + fmt(budget) + " ms."));
      out.println("Recorded " + art.id() + " (" + file + ")");
      if (r.failed() > 0) {
        out.err()
            .println("warning: " + r.failed()
                + " requests failed (see ERRORS); they are not in the figures");
        return ExitCodes.FAILURE;
      }
      return ExitCodes.OK;
    }

    private static String servedModel(URI base, Duration timeout) {
      try {
        HttpResponse<String> r = HttpClient.newBuilder()
            .connectTimeout(timeout)
            .build()
            .send(
                HttpRequest.newBuilder(URI.create(base + "/v1/models"))
                    .timeout(timeout)
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          JsonNode id = JSON.readTree(r.body()).path("data").path(0).path("id");
          if (id.isString() && !id.asString().isBlank()) {
            return id.asString();
          }
        }
      } catch (Exception e) {
        // nothing answers: the load test says so with its error counts
      }
      return "model";
    }

    private static String fmt(double v) {
      return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }
  }
}
