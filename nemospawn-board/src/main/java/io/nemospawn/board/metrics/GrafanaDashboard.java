package io.nemospawn.board.metrics;

import static java.util.Objects.requireNonNull;

import io.nemospawn.spi.StateFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apiguardian.api.API;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Grafana dashboard of a team's metrics (the JSON shipped in this jar, {@code
 * grafana-dashboard.json}, also in the repository under {@code deploy/grafana/}) and its upload
 * through Grafana's HTTP API ({@code POST /api/dashboards/db}, bearer API key, overwrite). The
 * Prometheus data source is a template variable ({@code $datasource}), and so is the team ({@code
 * $team}, from {@code label_values(nemospawn_tasks, team)}); an upload for one team gets its own
 * uid and title and selects that team.
 *
 * <pre>{@code
 * GrafanaDashboard.Upload u = GrafanaDashboard.upload(
 *     URI.create("http://grafana:3000"), System.getenv("GRAFANA_API_KEY"), team.id(),
 *     Duration.ofSeconds(10));
 * System.out.println(u.url());
 * }</pre>
 *
 * <p>The key is sent only in the {@code Authorization} header and never appears in messages or
 * logs. Thread-safe.
 *
 * @since 0.3
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.3")
public final class GrafanaDashboard {
  private static final JsonMapper MAPPER = JsonMapper.builder().build();
  private static final String RESOURCE = "grafana-dashboard.json";

  private GrafanaDashboard() {}

  /** Returns the dashboard JSON as shipped (uid {@code nemospawn}, every team selectable). */
  public static String json() {
    try (InputStream in = GrafanaDashboard.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "The jar lacks " + RESOURCE + " next to " + GrafanaDashboard.class.getName());
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Returns every PromQL expression of the dashboard's panels, as written (with {@code $team}
   * and Grafana's {@code $__rate_interval}).
   */
  public static List<String> expressions() {
    List<String> out = new ArrayList<>();
    for (JsonNode p : MAPPER.readTree(json()).path("panels")) {
      for (JsonNode t : p.path("targets")) {
        out.add(t.path("expr").asString());
      }
    }
    return out;
  }

  /**
   * Returns the dashboard for one team: uid {@code nemospawn-<12 hex of the id's SHA-256>} (a
   * Grafana uid holds at most 40 characters), title {@code NemoSpawn <team>}, and the team
   * variable set to it.
   */
  public static ObjectNode forTeam(String teamId) {
    StateFormat.requireId("team id", teamId);
    ObjectNode d = (ObjectNode) MAPPER.readTree(json());
    d.put("uid", "nemospawn-" + sha256(teamId).substring(0, 12));
    d.put("title", "NemoSpawn " + teamId);
    d.putNull("id");
    for (JsonNode v : d.path("templating").path("list")) {
      if (v.path("name").asString().equals("team")) {
        ObjectNode current = ((ObjectNode) v).putObject("current");
        current.put("text", teamId);
        current.put("value", teamId);
      }
    }
    return d;
  }

  /**
   * Uploads the team's dashboard ({@link #forTeam}) to Grafana, overwriting an earlier upload.
   *
   * @param grafana Grafana's base URL, such as {@code http://127.0.0.1:3000} or {@code
   *     https://host/grafana}
   * @param apiKey a Grafana API key or service account token with dashboard write permission
   * @param teamId the team the dashboard selects
   * @param timeout for connecting and for the whole request
   * @return what Grafana answered
   * @throws IllegalArgumentException when the URL is not an absolute http(s) URL with a host
   * @throws GrafanaException when Grafana cannot be reached or refuses the upload, naming the URL
   *     and Grafana's reason
   */
  public static Upload upload(URI grafana, String apiKey, String teamId, Duration timeout) {
    requireNonNull(grafana, "grafana");
    requireNonNull(apiKey, "apiKey");
    requireNonNull(timeout, "timeout");
    URI endpoint = endpoint(grafana);
    if (apiKey.isBlank() || apiKey.chars().anyMatch(c -> c < ' ' || c == 0x7f)) {
      throw new IllegalArgumentException(
          "The Grafana API key is empty or holds control characters; give the key itself");
    }
    ObjectNode body = MAPPER.createObjectNode();
    body.set("dashboard", forTeam(teamId));
    body.put("overwrite", true);
    body.put("message", "Uploaded by NemoSpawn for team " + teamId);
    HttpClient client = HttpClient.newBuilder()
        .connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
    HttpRequest request = HttpRequest.newBuilder(endpoint)
        .timeout(timeout)
        .header("Authorization", "Bearer " + apiKey)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(MAPPER.writeValueAsString(body)))
        .build();
    HttpResponse<String> r;
    try {
      r = client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new GrafanaException(
          "Cannot reach Grafana at " + grafana + ": connection refused"
              + " (is Grafana running, and is the URL right?)",
          e);
    } catch (HttpTimeoutException e) {
      throw new GrafanaException(
          "Cannot reach Grafana at " + grafana + ": no answer within " + timeout, e);
    } catch (IOException e) {
      throw new GrafanaException("Cannot reach Grafana at " + grafana + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GrafanaException("Interrupted while uploading the dashboard to " + grafana, e);
    }
    String reason = reason(r.body());
    int code = r.statusCode();
    if (code == 401 || code == 403) {
      throw new GrafanaException("Grafana at " + grafana + " refused the API key (HTTP " + code
          + (reason.isEmpty() ? "" : ": " + reason)
          + "); give a key or service account token with permission to write dashboards");
    }
    if (code < 200 || code > 299) {
      throw new GrafanaException("Grafana at " + grafana + " refused the dashboard (HTTP " + code
          + " from " + endpoint.getPath() + (reason.isEmpty() ? "" : ": " + reason) + ")");
    }
    try {
      JsonNode n = MAPPER.readTree(r.body());
      return new Upload(n.path("uid").asString(""), n.path("url").asString(""), code);
    } catch (JacksonException e) {
      throw new GrafanaException(
          "Grafana at " + grafana + " answered HTTP " + code
              + " with a body that is not JSON; is the URL Grafana's?",
          e);
    }
  }

  /** Returns {@code <grafana>/api/dashboards/db}, or explains why the URL will not do. */
  static URI endpoint(URI grafana) {
    String scheme = grafana.getScheme();
    if (scheme == null
        || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || grafana.getHost() == null
        || grafana.getRawQuery() != null
        || grafana.getRawFragment() != null
        || grafana.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "Grafana URL '" + StateFormat.displayable(grafana.toString(), false)
              + "' is not an http(s) URL with a host and no query, fragment or user; give one"
              + " such as http://127.0.0.1:3000");
    }
    String path = grafana.getRawPath() == null ? "" : grafana.getRawPath();
    if (!path.endsWith("/")) {
      path = path + "/";
    }
    try {
      return new URI(scheme, null, grafana.getHost(), grafana.getPort(), null, null, null)
          .resolve(path + "api/dashboards/db");
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("Grafana URL '" + grafana + "' is malformed", e);
    }
  }

  /** Parses a base URL given as text, with the message of {@link #endpoint} on failure. */
  public static URI parseUrl(String text) {
    requireNonNull(text, "text");
    URI u;
    try {
      u = new URI(text.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "Grafana URL '" + StateFormat.displayable(text, false) + "' is malformed ("
              + e.getReason() + "); give one such as http://127.0.0.1:3000",
          e);
    }
    endpoint(u);
    return u;
  }

  /** Grafana's {@code message} field, or a short excerpt of a body that is not its JSON. */
  private static String reason(String body) {
    try {
      JsonNode n = MAPPER.readTree(body);
      String m = n.path("message").asString("");
      if (!m.isEmpty()) {
        return StateFormat.displayable(m, false);
      }
    } catch (JacksonException e) {
      // Not JSON: fall through to an excerpt.
    }
    String s = body.strip();
    return StateFormat.displayable(s.length() > 200 ? s.substring(0, 200) + "…" : s, false);
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Grafana's answer to an upload.
   *
   * @param uid the dashboard's uid
   * @param url its path in Grafana, such as {@code /d/nemospawn-…/nemospawn-team}
   * @param httpStatus the HTTP status (200)
   * @since 0.3
   */
  @API(status = API.Status.EXPERIMENTAL, since = "0.3")
  public record Upload(String uid, String url, int httpStatus) {
    /** Checks. */
    public Upload {
      requireNonNull(uid, "uid");
      requireNonNull(url, "url");
    }
  }
}
