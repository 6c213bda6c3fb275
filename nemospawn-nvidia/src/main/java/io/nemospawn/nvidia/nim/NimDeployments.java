package io.nemospawn.nvidia.nim;

import io.nemospawn.Team;
import io.nemospawn.spi.StateFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apiguardian.api.API;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The deployment records of a team, {@code <team>/nim/<endpoint_id>.json}: read, written
 * (atomically: a temporary file moved into place) and probed.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class NimDeployments {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Pattern ID = Pattern.compile("nim-[0-9a-f]{8}");

  private final Team team;
  private final Path dir;

  /** The records of the team. */
  public NimDeployments(Team team) {
    this.team = team;
    this.dir = team.dir().resolve("nim");
  }

  /** Returns the team. */
  public Team team() {
    return team;
  }

  /** Returns a new endpoint id, {@code nim-<8 hex>}. */
  public static String newId() {
    return StateFormat.newId("nim");
  }

  /**
   * Checks an endpoint id before it becomes a path.
   *
   * @throws IllegalArgumentException naming the value
   */
  public static String requireId(String id) {
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException("Invalid endpoint id '" + StateFormat.printable(id)
          + "': expected nim-<8 hex digits> (see the deployments of the team)");
    }
    return id;
  }

  /** Writes the record. */
  public void save(NimDeployment d) {
    requireId(d.endpointId());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("endpoint_id", d.endpointId());
    m.put("team_id", d.teamId());
    m.put("artifact_id", d.artifactId());
    m.put("container_image", d.containerImage());
    m.put("endpoint_url", d.endpointUrl());
    m.put("tp_degree", d.tpDegree());
    m.put("profile", d.profile());
    m.put("status", d.status());
    m.put("container_id", d.containerId());
    m.put("port", d.port());
    m.put("gpu_ids", d.gpuIds());
    m.put("created_at", StateFormat.formatTimestamp(d.createdAt()));
    m.put("metrics", d.metrics());
    m.put("runtime", d.runtime());
    m.put("pid", d.pid());
    m.put("error", d.error());
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, "." + d.endpointId(), ".tmp");
      Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
      Files.move(
          tmp,
          dir.resolve(d.endpointId() + ".json"),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot write the deployment record " + d.endpointId() + " under " + dir + ": "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Returns the record.
   *
   * @throws IllegalArgumentException when the id is malformed or no such deployment exists
   */
  public NimDeployment get(String endpointId) {
    requireId(endpointId);
    Path f = dir.resolve(endpointId + ".json");
    if (!Files.isRegularFile(f)) {
      throw new IllegalArgumentException(
          "No deployment '" + endpointId + "' in team " + team.id() + "; its deployments: "
              + list().stream().map(NimDeployment::endpointId).toList());
    }
    return read(f);
  }

  /** Returns every record, oldest first; a malformed file is reported, never dropped silently. */
  public List<NimDeployment> list() {
    List<NimDeployment> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path f : s.filter(p -> p.getFileName().toString().matches("nim-[0-9a-f]{8}\\.json"))
          .toList()) {
        out.add(read(f));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir + ": " + e.getMessage(), e);
    }
    out.sort(
        Comparator.comparing(NimDeployment::createdAt).thenComparing(NimDeployment::endpointId));
    return out;
  }

  private static NimDeployment read(Path f) {
    JsonNode n;
    try {
      n = JSON.readTree(Files.readAllBytes(f));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + f + ": " + e.getMessage(), e);
    } catch (JacksonException e) {
      throw new IllegalStateException(
          "Malformed deployment record " + f + ": " + e.getOriginalMessage()
              + "; fix or remove the file",
          e);
    }
    try {
      List<Integer> gpus = new ArrayList<>();
      n.path("gpu_ids").forEach(g -> gpus.add(g.asInt()));
      Map<String, Object> metrics = new LinkedHashMap<>();
      n.path("metrics")
          .properties()
          .forEach(e -> metrics.put(
              e.getKey(),
              e.getValue().isNumber()
                  ? e.getValue().numberValue()
                  : e.getValue().asString("")));
      return new NimDeployment(
          n.path("endpoint_id").asString(""),
          n.path("team_id").asString(""),
          n.path("artifact_id").asString(""),
          n.path("container_image").asString(""),
          n.path("endpoint_url").asString(""),
          n.path("tp_degree").asInt(1),
          n.path("profile").asString("default"),
          n.path("status").asString(""),
          n.path("container_id").asString(""),
          n.path("port").asInt(0),
          gpus,
          StateFormat.parseTimestamp(n.path("created_at").asString("")),
          n.path("runtime").asString("docker"),
          n.path("pid").asLong(0),
          n.path("error").asString(""),
          metrics);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "Malformed deployment record " + f + ": " + e.getMessage() + "; fix or remove the file",
          e);
    }
  }

  /** Returns whether the endpoint answers {@code GET /v1/health/ready} with 200 within the time. */
  public static boolean ready(String endpointUrl, Duration timeout) {
    HttpClient c = HttpClient.newBuilder().connectTimeout(timeout).build();
    try {
      HttpResponse<Void> r = c.send(
          HttpRequest.newBuilder(URI.create(endpointUrl + "/v1/health/ready"))
              .timeout(timeout)
              .GET()
              .build(),
          HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException | IllegalArgumentException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Returns a record of a new deployment, starting now. */
  static NimDeployment starting(
      Team team,
      String artifactId,
      String image,
      int port,
      int tp,
      String profile,
      List<Integer> gpus,
      String runtime,
      long pid) {
    return new NimDeployment(
        newId(),
        team.id(),
        artifactId,
        image,
        "http://127.0.0.1:" + port,
        tp,
        profile,
        "starting",
        "",
        port,
        gpus,
        Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS),
        runtime,
        pid,
        "",
        Map.of());
  }

  /**
   * Records a deployment that a process serves itself (a {@link LocalModelServer} in this
   * process): runtime {@code local}, this process's pid, status {@code running}.
   */
  public NimDeployment recordLocal(
      String artifactId, int port, int tp, String profile, List<Integer> gpus) {
    NimDeployment d = starting(
            team,
            artifactId,
            "local",
            port,
            tp,
            profile,
            gpus,
            "local",
            ProcessHandle.current().pid())
        .with("running", "");
    save(d);
    return d;
  }
}
