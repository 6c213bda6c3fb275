package io.nemospawn.board.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.spi.Durability;
import io.nemospawn.topology.GpuSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsExporterTest {
  @TempDir
  Path dir;

  NemoSpawn ns;
  Team team;
  TeamMetrics metrics;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void open() {
    ns = NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open();
    team = ns.newTeam("exp").create();
    metrics = TeamMetrics.builder(team)
        .gpus(ids -> new GpuSnapshot(Instant.now(), "none", List.of(), List.of()))
        .build();
  }

  @AfterEach
  void close() {
    team.close();
    ns.close();
  }

  HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void bindsLoopbackByDefaultAndServesMetricsOnly() throws Exception {
    try (MetricsExporter e = MetricsExporter.builder(metrics).port(0).start()) {
      assertThat(e.address().getAddress().isLoopbackAddress()).isTrue();
      assertThat(e.uri().toString()).startsWith("http://127.0.0.1:").endsWith("/metrics");
      HttpResponse<String> ok = send(HttpRequest.newBuilder(e.uri()));
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).contains("nemospawn_tasks{status=\"done\",team=\"" + team.id());
      assertThat(send(HttpRequest.newBuilder(e.uri().resolve("/other"))).statusCode())
          .isEqualTo(404);
      HttpResponse<String> post =
          send(HttpRequest.newBuilder(e.uri()).POST(HttpRequest.BodyPublishers.noBody()));
      assertThat(post.statusCode()).isEqualTo(405);
      assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }
  }

  @Test
  void refusesAnAddressBeyondLoopbackWithoutAToken() {
    assertThatThrownBy(
            () -> MetricsExporter.builder(metrics).host("0.0.0.0").port(0).start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Refusing to serve metrics on '0.0.0.0', which is not loopback, without a"
            + " bearer token: anyone who can reach it would read the team's agents and studies."
            + " Set a bearer token (metrics token), or bind 127.0.0.1.");
  }

  @Test
  void withATokenEveryRequestMustCarryIt() throws Exception {
    try (MetricsExporter e = MetricsExporter.builder(metrics)
        .host("0.0.0.0")
        .port(0)
        .bearerToken("s3cret-token")
        .start()) {
      URI u = URI.create("http://127.0.0.1:" + e.address().getPort() + "/metrics");
      HttpResponse<String> none = send(HttpRequest.newBuilder(u));
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(none.body()).doesNotContain("nemospawn_tasks");
      assertThat(send(HttpRequest.newBuilder(u).header("Authorization", "Bearer wrong"))
              .statusCode())
          .isEqualTo(401);
      HttpResponse<String> ok =
          send(HttpRequest.newBuilder(u).header("Authorization", "Bearer s3cret-token"));
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).contains("nemospawn_tasks{");
      assertThat(e.toString()).doesNotContain("s3cret");
    }
  }

  @Test
  void anotherCollectorIsServedOnTheSameEndpoint() throws Exception {
    try (MetricsExporter e = MetricsExporter.builder(metrics)
        .port(0)
        .register(() -> new MetricSnapshots(GaugeSnapshot.builder()
            .name("nemospawn_extra")
            .help("An extra series")
            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(7).build())
            .build()))
        .start()) {
      assertThat(send(HttpRequest.newBuilder(e.uri())).body()).contains("nemospawn_extra 7.0");
    }
  }

  @Test
  void aPortInUseIsReportedWithTheAddress() {
    try (MetricsExporter first = MetricsExporter.builder(metrics).port(0).start()) {
      int port = first.address().getPort();
      assertThatThrownBy(() -> MetricsExporter.builder(metrics).port(port).start())
          .isInstanceOf(java.io.UncheckedIOException.class)
          .hasMessageStartingWith("Cannot serve metrics on 127.0.0.1:" + port + ": ");
    }
  }

  @Test
  void closeIsIdempotent() {
    MetricsExporter e = MetricsExporter.builder(metrics).port(0).start();
    e.close();
    e.close();
    assertThat(e.toString()).contains("closed");
  }
}
