package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.TeamEvent;
import io.nemospawn.plan.Plan;
import io.nemospawn.plan.PlanSpec;
import io.nemospawn.plan.PlanStatus;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.StateFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlansTest {
  static final Instant T0 = Instant.parse("2026-11-21T19:01:51.212059Z");

  @TempDir
  Path dir;

  NemoSpawn ns;
  Team team;

  @BeforeEach
  void open() {
    ns = NemoSpawn.builder()
        .dataDir(dir)
        .durability(Durability.NONE)
        .clock(InstantSource.fixed(T0))
        .user("tester")
        .open();
    team = ns.newTeam("plans").create();
    team.agents().register("trainer", "worker", List.of(0), "train");
  }

  @AfterEach
  void close() {
    ns.close();
  }

  @Test
  void submitStartsPendingWithTheAgentsIdAndTextVerbatim() {
    Plan p = team.plans()
        .submit(PlanSpec.of("lr \"sweep\"\n$(rm -rf /)")
            .withAgent("trainer")
            .withDescription("d\u00e9tails")
            .withSteps(List.of("a", "b\tc")));
    assertThat(p.id()).matches("plan-[0-9a-f]{8}");
    assertThat(p.agentId()).isEqualTo(team.agents().get("trainer").id());
    assertThat(p.title()).isEqualTo("lr \"sweep\"\n$(rm -rf /)");
    assertThat(p.steps()).containsExactly("a", "b\tc");
    assertThat(p.status()).isEqualTo(PlanStatus.PENDING);
    assertThat(p.createdAt()).isEqualTo(T0);
    assertThat(p.findReviewedAt()).isEmpty();
    assertThat(team.plans().get(p.id())).isEqualTo(p);
    assertThat(team.plans().find("plan-00000000")).isEmpty();
    assertThat(team.plans().find("../../x")).isEmpty();
  }

  @Test
  void listsByStatusAndReviewsOnce() {
    Plan a = team.plans().submit(PlanSpec.of("a").withAgent("trainer"));
    Plan b = team.plans().submit(PlanSpec.of("b").withAgent("leader").withSteps(List.of("s")));
    Plan approved = team.plans().approve(a.id(), "lead", "go");
    assertThat(approved.status()).isEqualTo(PlanStatus.APPROVED);
    assertThat(approved.reviewer()).isEqualTo("lead");
    assertThat(approved.reviewComment()).isEqualTo("go");
    assertThat(approved.reviewedAt()).isEqualTo(T0);
    assertThat(team.plans().list(PlanStatus.PENDING)).extracting(Plan::id).containsExactly(b.id());
    assertThat(team.plans().list(PlanStatus.APPROVED)).extracting(Plan::id).containsExactly(a.id());
    assertThat(team.plans().list().items()).hasSize(2);

    assertThatThrownBy(() -> team.plans().reject(a.id(), "other", "no"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot reject plan " + a.id()
            + ": it was approved by 'lead' at 2026-11-21T19:01:51.212059+00:00;"
            + " only a pending plan can be reviewed (submit a new plan instead)");
    assertThatThrownBy(() -> team.plans().approve(a.id(), "lead", "again"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("Cannot approve plan " + a.id() + ": it was approved by 'lead'");
    Plan rejected = team.plans().reject(b.id(), "", null);
    assertThat(rejected.reviewer()).isEqualTo("leader");
    assertThat(team.plans().list(PlanStatus.REJECTED)).extracting(Plan::id).containsExactly(b.id());
    assertThat(team.plans().list(PlanStatus.PENDING)).isEmpty();
  }

  @Test
  void unknownPlanIsNamedWithTheKnownOnes() {
    assertThatThrownBy(() -> team.plans().approve("plan-12345678", "r", ""))
        .isInstanceOf(NoSuchElementException.class)
        .hasMessage("No plan 'plan-12345678' in team " + team.id()
            + "; plans: none (submit one with Plans.submit)");
    assertThatThrownBy(() -> team.plans().submit(PlanSpec.of("t").withAgent("../evil")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid agent '../evil'");
    assertThatThrownBy(() -> team.plans().submit(PlanSpec.of(" ").withAgent("trainer")))
        .hasMessage("A plan needs a title; ' ' is blank, give a non-empty title");
  }

  @Test
  void concurrentApproveAndRejectLetExactlyOneWin() throws Exception {
    for (int round = 0; round < 5; round++) {
      Plan p = team.plans().submit(PlanSpec.of("race " + round).withAgent("trainer"));
      int n = 8;
      ExecutorService pool = Executors.newFixedThreadPool(n);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Plan>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        boolean approve = i % 2 == 0;
        String reviewer = "r" + i;
        results.add(pool.submit(() -> {
          start.await();
          return approve
              ? team.plans().approve(p.id(), reviewer, "")
              : team.plans().reject(p.id(), reviewer, "");
        }));
      }
      start.countDown();
      List<Plan> winners = new ArrayList<>();
      int refused = 0;
      for (Future<Plan> f : results) {
        try {
          winners.add(f.get(30, TimeUnit.SECONDS));
        } catch (java.util.concurrent.ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(IllegalStateException.class);
          refused++;
        }
      }
      pool.shutdown();
      assertThat(winners).hasSize(1);
      assertThat(refused).isEqualTo(n - 1);
      Plan stored = team.plans().get(p.id());
      assertThat(stored.reviewer()).isEqualTo(winners.get(0).reviewer());
      assertThat(stored.status()).isEqualTo(winners.get(0).status());
    }
  }

  @Test
  void awaitReviewWakesOnTheReviewAndTimesOut() throws Exception {
    Plan p = team.plans().submit(PlanSpec.of("wait").withAgent("trainer"));
    assertThat(team.plans().awaitReview(p.id(), Duration.ofMillis(200))).isEmpty();
    Thread reviewer = new Thread(() -> team.plans().approve(p.id(), "lead", "ok"));
    long t0 = System.nanoTime();
    reviewer.start();
    Optional<Plan> reviewed = team.plans().awaitReview(p.id(), Duration.ofSeconds(60));
    reviewer.join();
    assertThat(reviewed).map(Plan::status).contains(PlanStatus.APPROVED);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
    // Already reviewed: returns at once.
    assertThat(team.plans().awaitReview(p.id(), Duration.ZERO)).isPresent();
  }

  @Test
  void submissionsAndReviewsAreEvents() {
    List<TeamEvent> events = new CopyOnWriteArrayList<>();
    team.subscribe(events::add);
    Plan p = team.plans().submit(PlanSpec.of("evented").withAgent("trainer"));
    team.plans().reject(p.id(), "lead", "too big");
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(events)
            .filteredOn(e -> e instanceof TeamEvent.PlanReviewed)
            .extracting(e -> ((TeamEvent.PlanReviewed) e).plan().reviewComment())
            .containsExactly("too big"));
    // The submission is seen unless the review overtook it before the watcher read the file.
    assertThat(events)
        .filteredOn(e -> e instanceof TeamEvent.PlanSubmitted)
        .hasSizeLessThanOrEqualTo(1)
        .allSatisfy(e -> assertThat(((TeamEvent.PlanSubmitted) e).plan().id()).isEqualTo(p.id()));
  }

  @Test
  void corruptPlanIsReportedWithItsPathAndTheOthersStillList() throws Exception {
    Plan good = team.plans().submit(PlanSpec.of("good").withAgent("trainer"));
    Path bad = team.dir().resolve("plans/plan-deadbeef.json");
    Files.writeString(bad, "{\"plan_id\": \"plan-deadbeef\", ");
    Path missing = team.dir().resolve("plans/plan-0badf00d.json");
    Files.writeString(missing, "{\"plan_id\": \"plan-0badf00d\"}\n");
    var listing = team.plans().list();
    assertThat(listing.items()).extracting(Plan::id).containsExactly(good.id());
    assertThat(listing.problems())
        .extracting(p -> p.path())
        .containsExactlyInAnyOrder(bad, missing);
    assertThat(listing.problems())
        .filteredOn(p -> p.path().equals(missing))
        .extracting(p -> p.reason())
        .containsExactly("required field 'team_id' is missing");
    assertThatThrownBy(() -> team.plans().get("plan-deadbeef"))
        .isInstanceOf(io.nemospawn.StateException.class)
        .hasMessageStartingWith("Cannot read " + bad + ": malformed JSON");
  }

  @Test
  void timestampsAreWrittenWithMicrosecondsAndOffset() throws Exception {
    Plan p = team.plans().submit(PlanSpec.of("t").withAgent("trainer"));
    String text = Files.readString(team.dir().resolve("plans/" + p.id() + ".json"));
    assertThat(text).contains("\"created_at\": \"" + StateFormat.formatTimestamp(T0) + "\"");
  }

  @Test
  void aPlanBeingCreatedIsNotAProblemButAnOldEmptyFileIs() throws Exception {
    Path creating = team.dir().resolve("plans/plan-00c0ffee.json");
    Files.createDirectories(creating.getParent());
    Files.createFile(creating); // what createNew leaves for an instant before the rename
    assertThat(team.plans().list().problems()).isEmpty();
    assertThat(team.plans().find("plan-00c0ffee")).isEmpty();
    Files.setLastModifiedTime(
        creating, java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(120)));
    assertThat(team.plans().list().problems()).extracting(p -> p.path()).containsExactly(creating);
  }
}
