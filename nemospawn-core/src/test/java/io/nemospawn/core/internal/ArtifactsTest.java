package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.artifact.Artifacts;
import io.nemospawn.spi.Durability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ArtifactsTest {
  @TempDir
  Path dir;

  NemoSpawn ns;
  Team team;
  /** A clock that ticks one second per reading, so creation order is time order. */
  final AtomicLong ticks = new AtomicLong();

  @BeforeEach
  void open() {
    ns = NemoSpawn.builder()
        .dataDir(dir)
        .durability(Durability.NONE)
        .clock(() -> Instant.parse("2026-11-21T19:00:00Z").plusSeconds(ticks.incrementAndGet()))
        .open();
    team = ns.newTeam("arts").create();
  }

  @AfterEach
  void close() {
    ns.close();
  }

  Artifact reg(ArtifactType type, double valLoss, String... tags) {
    return team.artifacts()
        .register(ArtifactSpec.of(type, dir.resolve("ckpt-" + ticks.get()))
            .withValLoss(valLoss)
            .withTags(List.of(tags)));
  }

  static List<ArtifactType> wellKnownTypes() {
    return ArtifactType.wellKnown();
  }

  @ParameterizedTest
  @MethodSource("wellKnownTypes")
  void registersEachOfTheSevenTypes(ArtifactType type) throws Exception {
    Artifact a = team.artifacts()
        .register(ArtifactSpec.of(type, Path.of("rel/model.nemo"))
            .withAgent("trainer-1a2b3c4d")
            .withValLoss(1.25)
            .withMetrics(Map.of("acc", 0.9, "steps", 100))
            .withNemoConfigHash("abc123")
            .withTags(List.of("best", "lr=3e-4")));
    assertThat(a.id()).matches("art-[0-9a-f]{8}");
    assertThat(a.type()).isEqualTo(type);
    assertThat(a.path()).isEqualTo(Path.of("rel/model.nemo").toAbsolutePath().toString());
    assertThat(a.metrics()).containsEntry("acc", 0.9).containsEntry("steps", 100);
    assertThat(a.promoted()).isFalse();
    assertThat(team.artifacts().get(a.id())).isEqualTo(a);
    String text = Files.readString(team.dir().resolve("artifacts/" + a.id() + ".json"));
    assertThat(text).contains("\"artifact_type\": \"" + type.wireName() + "\"");
  }

  @Test
  void customTypeIsRegisteredVerbatimFoundAndPromotedApartFromTheOthers() throws Exception {
    ArtifactType onnx = ArtifactType.custom("onnx-export");
    assertThat(onnx.isWellKnown()).isFalse();
    assertThat(ArtifactType.of("onnx-export")).isEqualTo(onnx).hasSameHashCodeAs(onnx);
    assertThat(ArtifactType.custom("dataset")).isSameAs(ArtifactType.DATASET);
    assertThat(ArtifactType.of("NEMO_CHECKPOINT")).isSameAs(ArtifactType.NEMO_CHECKPOINT);
    Artifact a = reg(onnx, 0.5);
    Artifact b = reg(onnx, 0.25);
    Artifact ckpt = reg(ArtifactType.NEMO_CHECKPOINT, 0.1);
    assertThat(Files.readString(team.dir().resolve("artifacts/" + a.id() + ".json")))
        .contains("\"artifact_type\": \"onnx-export\"");
    assertThat(team.artifacts().get(a.id()).type()).isEqualTo(onnx);
    assertThat(team.artifacts().best(onnx)).contains(b);
    assertThat(team.artifacts().list(Artifacts.Query.all().withType(onnx)).items())
        .extracting(Artifact::id)
        .containsExactlyInAnyOrder(a.id(), b.id());
    team.artifacts().promote(ckpt.id());
    team.artifacts().promote(a.id());
    assertThat(team.artifacts().promoted(onnx).map(Artifact::id)).contains(a.id());
    assertThat(team.artifacts().promoted(ArtifactType.NEMO_CHECKPOINT).map(Artifact::id))
        .contains(ckpt.id());
  }

  @Test
  void customTypeNamesAreChecked() {
    for (String bad : List.of("", "  ", "a\nb", "x\u202eevil", "x".repeat(65))) {
      assertThatThrownBy(() -> ArtifactType.custom(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("Invalid artifact type '")
          .hasMessageContaining("1-64 characters on one line");
    }
    assertThat(ArtifactType.custom("  gguf  ").wireName()).isEqualTo("gguf");
  }

  @Test
  void unknownTypeListsTheSevenTypes() {
    assertThatThrownBy(() -> ArtifactType.parse("checkpoint"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Unknown artifact type 'checkpoint'; use one of nemo-checkpoint, lora-adapter,"
            + " nim-container, dataset, benchmark, reward-signal, config-patch");
  }

  @Test
  void sortsByValLossWithUnknownLastAndFilters() {
    Artifact none = reg(ArtifactType.NEMO_CHECKPOINT, Double.NaN, "x");
    Artifact high = reg(ArtifactType.NEMO_CHECKPOINT, 2.5, "x");
    Artifact low = reg(ArtifactType.NEMO_CHECKPOINT, 0.75);
    Artifact other = reg(ArtifactType.DATASET, 0.1, "x");
    Artifacts.Query all = Artifacts.Query.all();
    assertThat(team.artifacts().list(all.byValLoss()).items())
        .extracting(Artifact::id)
        .containsExactly(other.id(), low.id(), high.id(), none.id());
    assertThat(team.artifacts().list(all).items())
        .extracting(Artifact::id)
        .containsExactly(none.id(), high.id(), low.id(), other.id());
    assertThat(team.artifacts()
            .list(all.withType(ArtifactType.NEMO_CHECKPOINT).byValLoss())
            .items())
        .extracting(Artifact::id)
        .containsExactly(low.id(), high.id(), none.id());
    assertThat(team.artifacts()
            .list(new Artifacts.Query(null, "", "x", false, Artifacts.Sort.VAL_LOSS, 2))
            .items())
        .extracting(Artifact::id)
        .containsExactly(other.id(), high.id());
    assertThat(team.artifacts().best(ArtifactType.NEMO_CHECKPOINT)).contains(low);
    assertThat(team.artifacts().best(ArtifactType.LORA_ADAPTER)).isEmpty();
  }

  @Test
  void promotionCrownsOnePerTypeAndTeam() {
    Artifact a = reg(ArtifactType.LORA_ADAPTER, 1);
    Artifact b = reg(ArtifactType.LORA_ADAPTER, 2);
    Artifact d = reg(ArtifactType.DATASET, 2);
    team.artifacts().promote(d.id());
    assertThat(team.artifacts().promote(a.id()).promoted()).isTrue();
    assertThat(team.artifacts().promote(b.id()).promoted()).isTrue();
    assertThat(team.artifacts().get(a.id()).promoted()).isFalse();
    assertThat(team.artifacts().promoted(ArtifactType.LORA_ADAPTER))
        .map(Artifact::id)
        .contains(b.id());
    assertThat(team.artifacts().promoted(ArtifactType.DATASET))
        .map(Artifact::id)
        .contains(d.id());
    assertThat(team.artifacts().promoted(ArtifactType.BENCHMARK)).isEmpty();
    assertThat(team.artifacts()
            .list(new Artifacts.Query(null, "", "", true, Artifacts.Sort.CREATED, 0))
            .items())
        .extracting(Artifact::id)
        .containsExactly(b.id(), d.id());
    assertThatThrownBy(() -> team.artifacts().promote("art-00000000"))
        .isInstanceOf(NoSuchElementException.class)
        .hasMessageStartingWith(
            "No artifact 'art-00000000' in team " + team.id() + "; artifacts: ");
  }

  @Test
  void concurrentPromotionsLeaveExactlyOnePromoted() throws Exception {
    List<Artifact> candidates = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      candidates.add(reg(ArtifactType.NEMO_CHECKPOINT, i));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Artifact>> fs = new ArrayList<>();
    for (Artifact c : candidates) {
      fs.add(pool.submit(() -> {
        start.await();
        Artifact last = null;
        for (int j = 0; j < 10; j++) {
          last = team.artifacts().promote(c.id());
        }
        return last;
      }));
    }
    start.countDown();
    for (Future<Artifact> f : fs) {
      assertThat(f.get(60, TimeUnit.SECONDS).promoted()).isTrue();
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(team.artifacts().list(Artifacts.Query.all()).items().stream()
            .filter(Artifact::promoted)
            .count())
        .isEqualTo(1);
  }

  @Test
  void artifactOfAnotherToolsTypeIsReadAndACorruptOneIsAProblem() throws Exception {
    Artifact good = reg(ArtifactType.BENCHMARK, Double.NaN);
    assertThat(good.findValLoss()).isEmpty();
    assertThat(Files.readString(team.dir().resolve("artifacts/" + good.id() + ".json")))
        .contains("\"val_loss\": null");
    Path other = team.dir().resolve("artifacts/art-0the0000.json");
    Files.writeString(
        other,
        "{\"artifact_id\": \"art-0the0000\", \"team_id\": \"t\","
            + " \"artifact_type\": \"model\", \"path\": \"/x\"}");
    Path bad = team.dir().resolve("artifacts/art-bad00000.json");
    Files.writeString(
        bad,
        "{\"artifact_id\": \"art-bad00000\", \"team_id\": \"t\","
            + " \"artifact_type\": \"a\\u001bb\", \"path\": \"/x\"}");
    var listing = team.artifacts().list(Artifacts.Query.all());
    assertThat(listing.items())
        .extracting(Artifact::id)
        .containsExactlyInAnyOrder(good.id(), "art-0the0000");
    assertThat(team.artifacts().get("art-0the0000").type()).isEqualTo(ArtifactType.of("model"));
    assertThat(listing.problems()).hasSize(1);
    assertThat(listing.problems().get(0).path()).isEqualTo(bad);
    assertThat(listing.problems().get(0).reason()).startsWith("Invalid artifact type 'a\\u001bb'");
    assertThatThrownBy(() -> reg(ArtifactType.BENCHMARK, Double.POSITIVE_INFINITY))
        .hasMessage("Invalid val_loss Infinity; use a finite number or leave it unset");
  }
}
