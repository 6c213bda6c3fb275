package io.nemospawn.board;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.AccessRole;
import io.nemospawn.ConfigKey;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Principal;
import io.nemospawn.Team;
import io.nemospawn.plan.Plan;
import io.nemospawn.plan.PlanSpec;
import io.nemospawn.plan.PlanStatus;
import io.nemospawn.state.AccessKeys;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With auth on, the board checks the role of the key behind every change (bearer or session): a
 * viewer is refused every change, an agent is refused another team's board, and nothing changes.
 */
class BoardAuthTest {
  @TempDir
  Path data;

  NemoSpawn ns;
  Team team;
  Team other;
  Plan plan;
  AccessKeys keys;
  final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void setUp() {
    ns = NemoSpawn.open(data);
    team = ns.newTeam("web").create();
    other = ns.newTeam("other").create();
    team.agents().register(io.nemospawn.AgentSpec.builder("worker-1").build());
    plan = team.plans().submit(new PlanSpec("worker-1", "Use bf16", "", List.of()));
    ns.config().set(ConfigKey.AUTH, "on");
    keys = AccessKeys.of(data);
  }

  @AfterEach
  void tearDown() {
    team.close();
    other.close();
    ns.close();
  }

  HttpResponse<String> post(BoardServer b, String path, String body, String... headers)
      throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(b.uri().resolve(path))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    if (headers.length > 0) {
      r.headers(headers);
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  List<String> changes() {
    return List.of(
        "/api/plans/" + plan.id() + "/approve",
        "/api/plans/" + plan.id() + "/reject",
        "/api/agents/worker-1/shutdown-approve",
        "/api/messages");
  }

  @Test
  void aViewerKeyIsRefusedEveryChangeByBearerAndBySession() throws Exception {
    String viewer = keys.generate("v", new Principal("vic", AccessRole.VIEWER, ""));
    try (BoardServer b =
        BoardServer.start(team, BoardOptions.builder().keys(keys).port(0).build())) {
      for (String path : changes()) {
        HttpResponse<String> r = post(
            b, path, "{\"to\":\"worker-1\",\"body\":\"x\"}", "Authorization", "Bearer " + viewer);
        assertThat(r.statusCode()).as(path).isEqualTo(403);
        assertThat(r.body()).as(path).contains("vic (viewer)");
      }
      String origin = "http://127.0.0.1:" + b.address().getPort();
      HttpResponse<String> login =
          post(b, "/api/login", "{\"key\":\"" + viewer + "\"}", "Origin", origin);
      assertThat(login.statusCode()).isEqualTo(200);
      String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
      String session = cookie.substring(0, cookie.indexOf(';'));
      String csrf = login.body().replaceAll(".*\"csrf\":\"([^\"]+)\".*", "$1");
      for (String path : changes()) {
        HttpResponse<String> r = post(
            b,
            path,
            "{\"to\":\"worker-1\",\"body\":\"x\"}",
            "Cookie",
            session,
            "Origin",
            origin,
            "X-CSRF-Token",
            csrf);
        assertThat(r.statusCode()).as(path).isEqualTo(403);
      }
    }
    assertThat(team.plans().get(plan.id()).status()).isEqualTo(PlanStatus.PENDING);
    assertThat(team.inbox().peek("worker-1")).isEmpty();
  }

  @Test
  void anAgentKeyChangesOnlyItsOwnTeamsBoard() throws Exception {
    String foreign = keys.generate("a", new Principal("agent-x", AccessRole.AGENT, other.id()));
    String own = keys.generate("b", new Principal("agent-y", AccessRole.AGENT, team.id()));
    try (BoardServer b =
        BoardServer.start(team, BoardOptions.builder().keys(keys).port(0).build())) {
      String path = "/api/plans/" + plan.id() + "/approve";
      HttpResponse<String> r = post(b, path, "{}", "Authorization", "Bearer " + foreign);
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(r.body()).contains("only change its own team");
      assertThat(team.plans().get(plan.id()).status()).isEqualTo(PlanStatus.PENDING);
      HttpResponse<String> ok = post(b, path, "{}", "Authorization", "Bearer " + own);
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      assertThat(team.plans().get(plan.id()).status()).isEqualTo(PlanStatus.APPROVED);
    }
  }
}
