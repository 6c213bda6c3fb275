package io.nemospawn.board.internal;

import io.nemospawn.Listing;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.artifact.Artifacts;
import io.nemospawn.hpo.Distribution;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.TaskTrials;
import io.nemospawn.hpo.TrialState;
import io.nemospawn.inbox.Message;
import io.nemospawn.plan.Plan;
import io.nemospawn.task.Task;
import io.nemospawn.topology.GpuMetrics;
import io.nemospawn.topology.GpuSnapshot;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Turns a team's records into the JSON trees the board page reads. Every text goes out as a JSON
 * string; the page puts it into the DOM with {@code textContent} only. Stateless.
 */
public final class BoardData {
  /** Messages shown in the inbox feed. */
  static final int FEED = 100;

  /** Lines of an agent's log shown. */
  static final int LOG_LINES = 12;

  /** Artifacts shown. */
  static final int ARTIFACTS = 50;

  /** Trials of a study sent to the page (the most recent ones). */
  static final int TRIALS = 500;

  private BoardData() {}

  /** The whole board of a team, read once. */
  public static Map<String, Object> board(
      Team team, @Nullable GpuSnapshot gpus, @Nullable Path dataDir, List<String> studies) {
    return board(team, team.tasks().list(), gpus, dataDir, studies);
  }

  /** The whole board of a team, with its tasks already read (the server keeps them). */
  public static Map<String, Object> board(
      Team team,
      Listing<Task> tasks,
      @Nullable GpuSnapshot gpus,
      @Nullable Path dataDir,
      List<String> studies) {
    Map<String, Object> m = new LinkedHashMap<>();
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("id", team.id());
    t.put("name", team.name());
    m.put("team", t);
    List<String> problems = new ArrayList<>();
    tasks.problems().forEach(p -> problems.add(p.toString()));
    List<Map<String, Object>> taskJson = new ArrayList<>(tasks.size());
    Set<String> linked = new LinkedHashSet<>(studies);
    for (Task task : tasks) {
      taskJson.add(task(task));
      try {
        TaskTrials.link(task).ifPresent(l -> linked.add(l.study()));
      } catch (IllegalArgumentException e) {
        problems.add(e.getMessage());
      }
    }
    m.put("tasks", taskJson);
    Listing<AgentInfo> agents = team.agents().list();
    agents.problems().forEach(p -> problems.add(p.toString()));
    List<Map<String, Object>> agentJson = new ArrayList<>();
    for (AgentInfo a : agents) {
      agentJson.add(agent(team, a));
    }
    m.put("agents", agentJson);
    m.put("messages", feed(team, agents.items(), problems));
    Listing<Plan> plans = team.plans().list();
    plans.problems().forEach(p -> problems.add(p.toString()));
    List<Map<String, Object>> planJson = new ArrayList<>();
    for (Plan p : plans) {
      planJson.add(plan(p));
    }
    m.put("plans", planJson);
    Listing<Artifact> arts = team.artifacts().list(Artifacts.Query.all().byValLoss());
    arts.problems().forEach(p -> problems.add(p.toString()));
    List<Map<String, Object>> artJson = new ArrayList<>();
    for (Artifact a : arts) {
      if (artJson.size() >= ARTIFACTS) {
        break;
      }
      artJson.add(artifact(a));
    }
    m.put("artifacts", artJson);
    m.put("gpus", gpus == null ? null : gpus(gpus));
    m.put("hpo", dataDir == null ? List.of() : studies(dataDir, linked, problems));
    m.put("problems", problems);
    return m;
  }

  /** A task: what the kanban card shows. */
  public static Map<String, Object> task(Task t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", t.id());
    m.put("title", t.title());
    m.put("description", t.description());
    m.put("owner", t.owner());
    m.put("state", t.state().wireName());
    m.put("blockedBy", t.blockedBy());
    m.put("updatedAt", t.updatedAt().toString());
    m.put("valLoss", t.valLoss().isPresent() ? t.valLoss().getAsDouble() : null);
    Object study = t.metadata().get(Hpo.TASK_STUDY_KEY);
    m.put("study", study instanceof String s ? s : null);
    return m;
  }

  /** An agent, with its log tail and whether its process lives. */
  public static Map<String, Object> agent(Team team, AgentInfo a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", a.id());
    m.put("name", a.name());
    m.put("role", a.role());
    m.put("gpus", a.gpuIds());
    m.put("status", a.status().wireName());
    m.put("lifecycle", a.lifecycle().wireName());
    m.put("reason", a.lifecycleReason());
    m.put("task", a.task());
    m.put("createdAt", a.createdAt().toString());
    m.put(
        "runtimeSeconds",
        Math.max(0, Duration.between(a.createdAt(), Instant.now()).toSeconds()));
    String health;
    List<String> log = List.of();
    try {
      io.nemospawn.Agent live = team.agent(a.id());
      // An agent on a host that cannot be reached now is not dead: say why, not "no process".
      health = live.unreachable().orElse(live.isAlive() ? "alive" : "no process");
      log = tail(live.logFile(), LOG_LINES);
    } catch (RuntimeException e) {
      health = "unknown: " + e.getMessage();
    }
    m.put("health", health);
    m.put("log", log);
    return m;
  }

  /** A message of the feed. */
  public static Map<String, Object> message(Message msg) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", msg.id());
    m.put("from", msg.from());
    m.put("to", msg.to());
    m.put("body", msg.body());
    m.put("at", msg.timestamp().toString());
    m.put("read", msg.read());
    return m;
  }

  /** A plan. */
  public static Map<String, Object> plan(Plan p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", p.id());
    m.put("agent", p.agentId());
    m.put("title", p.title());
    m.put("description", p.description());
    m.put("steps", p.steps());
    m.put("status", p.status().wireName());
    m.put("reviewer", p.reviewer());
    m.put("comment", p.reviewComment());
    m.put("createdAt", p.createdAt().toString());
    return m;
  }

  static Map<String, Object> artifact(Artifact a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", a.id());
    m.put("type", a.type().wireName());
    m.put("path", a.path());
    m.put("agent", a.agentId());
    m.put("valLoss", a.findValLoss().isPresent() ? a.valLoss() : null);
    m.put("promoted", a.promoted());
    m.put("tags", a.tags());
    return m;
  }

  /** GPU utilisation and memory per GPU. */
  public static Map<String, Object> gpus(GpuSnapshot s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("at", s.timestamp().toString());
    m.put("source", s.source());
    m.put("warnings", s.warnings());
    List<Map<String, Object>> list = new ArrayList<>();
    for (GpuMetrics g : s.metrics()) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("index", g.index());
      x.put("util", known(g.gpuUtilPercent()));
      x.put("mem", known(g.memUtilPercent()));
      x.put("temp", known(g.temperatureC()));
      x.put("power", known(g.powerW()));
      list.add(x);
    }
    m.put("gpus", list);
    return m;
  }

  private static @Nullable Double known(double v) {
    return GpuMetrics.isKnown(v) ? v : null;
  }

  private static List<Map<String, Object>> feed(
      Team team, List<AgentInfo> agents, List<String> problems) {
    List<Message> all = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (AgentInfo a : agents) {
      for (String who : List.of(a.name(), a.id())) {
        if (!seen.add(who)) {
          continue;
        }
        try {
          Listing<Message> h = team.inbox().history(who);
          all.addAll(h.items());
          h.problems().forEach(p -> problems.add(p.toString()));
        } catch (RuntimeException e) {
          // an agent without an inbox yet: nothing to show
        }
      }
    }
    Map<String, Message> byId = new LinkedHashMap<>();
    for (Message msg : all) {
      byId.putIfAbsent(msg.id(), msg);
    }
    List<Message> sorted = new ArrayList<>(byId.values());
    sorted.sort(Comparator.comparing(Message::timestamp).reversed());
    List<Map<String, Object>> out = new ArrayList<>();
    for (Message msg : sorted.subList(0, Math.min(FEED, sorted.size()))) {
      out.add(message(msg));
    }
    return out;
  }

  /** The studies named, read from the data directory; missing ones are listed in problems. */
  public static List<Map<String, Object>> studies(
      Path dataDir, Iterable<String> names, List<String> problems) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String name : names) {
      try {
        if (!Files.isRegularFile(Hpo.storageFile(dataDir, name))) {
          problems.add("HPO study '" + name + "' has no storage under " + Hpo.studyDir(dataDir));
          continue;
        }
        try (Study s = Hpo.open(dataDir, name)) {
          out.add(study(s));
        }
      } catch (RuntimeException e) {
        problems.add("HPO study '" + name + "': " + e.getMessage());
      }
    }
    return out;
  }

  /** A study: its trials (value, intermediate values, parameters) and parameter importance. */
  public static Map<String, Object> study(Study s) {
    List<FrozenTrial> trials = s.trials();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", s.name());
    m.put("direction", s.direction().toString().toLowerCase(java.util.Locale.ROOT));
    m.put("trialCount", trials.size());
    List<Map<String, Object>> list = new ArrayList<>();
    List<FrozenTrial> shown = trials.subList(Math.max(0, trials.size() - TRIALS), trials.size());
    for (FrozenTrial t : shown) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("number", t.number());
      x.put("state", t.state().name().toLowerCase(java.util.Locale.ROOT));
      x.put("value", t.value().isPresent() ? t.value().getAsDouble() : null);
      List<List<Double>> iv = new ArrayList<>();
      t.intermediateValues().forEach((k, v) -> iv.add(List.of(k.doubleValue(), v)));
      x.put("intermediate", iv);
      Map<String, String> params = new LinkedHashMap<>();
      t.params().forEach((k, v) -> params.put(k, String.valueOf(v)));
      x.put("params", params);
      list.add(x);
    }
    m.put("trials", list);
    m.put("importance", importance(trials));
    return m;
  }

  /**
   * Parameter importance: for each parameter, the absolute Spearman rank correlation of its
   * (internal) value with the objective over complete trials, normalised to sum to 1. A cheap,
   * explainable stand-in for fANOVA.
   */
  static Map<String, Double> importance(List<FrozenTrial> trials) {
    List<FrozenTrial> done = new ArrayList<>();
    for (FrozenTrial t : trials) {
      if (t.state() == TrialState.COMPLETE && t.value().isPresent()) {
        done.add(t);
      }
    }
    Map<String, Double> raw = new LinkedHashMap<>();
    if (done.size() < 3) {
      return raw;
    }
    Set<String> names = new LinkedHashSet<>();
    for (FrozenTrial t : done) {
      names.addAll(t.internalParams().keySet());
    }
    double[] y = ranks(done.stream().mapToDouble(t -> t.value().getAsDouble()).toArray());
    for (String name : names) {
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (int i = 0; i < done.size(); i++) {
        Double v = done.get(i).internalParams().get(name);
        Distribution d = done.get(i).distributions().get(name);
        if (v != null && d != null) {
          xs.add(v);
          ys.add(y[i]);
        }
      }
      if (xs.size() < 3) {
        continue;
      }
      double[] rx = ranks(xs.stream().mapToDouble(Double::doubleValue).toArray());
      double[] ry = ranks(ys.stream().mapToDouble(Double::doubleValue).toArray());
      double c = Math.abs(pearson(rx, ry));
      raw.put(name, Double.isNaN(c) ? 0.0 : c);
    }
    double sum = raw.values().stream().mapToDouble(Double::doubleValue).sum();
    Map<String, Double> out = new LinkedHashMap<>();
    raw.entrySet().stream()
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .forEach(e -> out.put(e.getKey(), sum == 0 ? 0.0 : e.getValue() / sum));
    return out;
  }

  private static double[] ranks(double[] v) {
    Integer[] idx = new Integer[v.length];
    for (int i = 0; i < v.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, Comparator.comparingDouble(i -> v[i]));
    double[] r = new double[v.length];
    int i = 0;
    while (i < v.length) {
      int j = i;
      while (j + 1 < v.length && v[idx[j + 1]] == v[idx[i]]) {
        j++;
      }
      double avg = (i + j) / 2.0;
      for (int k = i; k <= j; k++) {
        r[idx[k]] = avg;
      }
      i = j + 1;
    }
    return r;
  }

  private static double pearson(double[] a, double[] b) {
    double ma = Arrays.stream(a).average().orElse(0);
    double mb = Arrays.stream(b).average().orElse(0);
    double num = 0;
    double da = 0;
    double db = 0;
    for (int i = 0; i < a.length; i++) {
      num += (a[i] - ma) * (b[i] - mb);
      da += (a[i] - ma) * (a[i] - ma);
      db += (b[i] - mb) * (b[i] - mb);
    }
    return da == 0 || db == 0 ? 0 : num / Math.sqrt(da * db);
  }

  /** The last {@code lines} lines of a file, reading at most its last 16 KiB. */
  static List<String> tail(Path file, int lines) {
    if (!Files.isRegularFile(file)) {
      return List.of();
    }
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      long len = f.length();
      int n = (int) Math.min(len, 16 * 1024);
      byte[] buf = new byte[n];
      f.seek(len - n);
      f.readFully(buf);
      String text = new String(buf, StandardCharsets.UTF_8);
      String[] all = text.split("\r?\n", -1);
      int end = all.length;
      while (end > 0 && all[end - 1].isEmpty()) {
        end--;
      }
      int start = Math.max(n < len ? 1 : 0, end - lines);
      List<String> out = new ArrayList<>();
      for (int i = start; i < end; i++) {
        String line = all[i];
        out.add(line.length() > 500 ? line.substring(0, 500) + "…" : line);
      }
      return out;
    } catch (IOException e) {
      return List.of("(cannot read " + file + ": " + e.getMessage() + ")");
    }
  }
}
