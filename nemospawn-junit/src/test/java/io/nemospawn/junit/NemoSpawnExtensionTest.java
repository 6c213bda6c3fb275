package io.nemospawn.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Subscription;
import io.nemospawn.Team;
import io.nemospawn.inbox.Inbox;
import io.nemospawn.plan.PlanSpec;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/** Runs small test classes through the Jupiter engine and checks what the extension did. */
class NemoSpawnExtensionTest {
  static final List<String> teams = new CopyOnWriteArrayList<>();
  static final List<Path> dirs = new CopyOnWriteArrayList<>();

  static EngineExecutionResults run(Class<?> testClass) {
    teams.clear();
    dirs.clear();
    return EngineTestKit.engine("junit-jupiter")
        .configurationParameter(OnlyThroughTestKit.KEY, "true")
        .selectors(selectClass(testClass))
        .execute();
  }

  static void record(Team team, NemoSpawn ns) {
    teams.add(team.id());
    dirs.add(ns.dataDir());
  }

  @OnlyThroughTestKit
  @NemoSpawnTest
  @FakeGpus(topology = "no-such-machine")
  static class UnknownShape {
    @Test
    void test(Team team) {}
  }

  @OnlyThroughTestKit
  @NemoSpawnTest
  @FakeGpus(topology = "pcie-4")
  static class ShapeThenNone {
    static String during;

    @Test
    void test(Team team, NemoSpawn ns) {
      during = System.getProperty(io.nemospawn.junit.internal.FakeGpuMachine.PROPERTY);
      record(team, ns);
    }
  }

  @OnlyThroughTestKit
  @FakeGpus(topology = "pcie-4")
  static class FakeGpusOnAMethodOfAClassTeam {
    @RegisterExtension
    static final NemoSpawnExtension nemo = NemoSpawnExtension.builder().build();

    @Test
    void classShape(Team team) {
      assertThat(team.topology().indices()).containsExactly(0, 1, 2, 3);
    }

    @Test
    @FakeGpus(topology = "dgx1")
    void methodShape(Team team) {}
  }

  @OnlyThroughTestKit
  @NemoSpawnTest
  static class ClockOnlyInBeforeEach {
    @BeforeEach
    void setUp(VirtualClock clock) {}

    @Test
    void test(Team team) {}
  }

  // ------------------------------------------------------------------ cases

  @OnlyThroughTestKit
  @NemoSpawnTest
  static class PerTestClean {
    @Test
    void first(Team team, NemoSpawn ns, Inbox inbox) {
      record(team, ns);
      inbox.send("leader", "leader", "hello");
      assertThat(team.inbox().receive("leader")).hasSize(1);
    }

    @Test
    void second(Team team, NemoSpawn ns) {
      record(team, ns);
      try (Subscription s = team.subscribe(e -> {})) {
        team.plans().submit(PlanSpec.of("p").withAgent("leader"));
      }
    }
  }

  @OnlyThroughTestKit
  static class PerClass {
    @RegisterExtension
    static final NemoSpawnExtension nemo = NemoSpawnExtension.builder()
        .teamName("shared")
        .agents("trainer", "eval")
        .build();

    static String fromBeforeAll;

    @BeforeAll
    static void setUp(Team team) {
      fromBeforeAll = team.id();
    }

    @Test
    void first(Team team, NemoSpawn ns) {
      record(team, ns);
      assertThat(team.id()).isEqualTo(fromBeforeAll);
      team.inbox().send("trainer", "eval", "one");
    }

    @Test
    void second(Team team, NemoSpawn ns) {
      record(team, ns);
      assertThat(team.agents().list().items()).hasSize(2);
    }
  }

  @OnlyThroughTestKit
  static class PerTestField {
    @RegisterExtension
    final NemoSpawnExtension nemo =
        NemoSpawnExtension.builder().teamName("field").build();

    @Test
    void first(Team team, NemoSpawn ns) {
      record(team, ns);
    }

    @Test
    void second(Team team, NemoSpawn ns) {
      record(team, ns);
    }
  }

  @OnlyThroughTestKit
  @NemoSpawnTest
  static class Failing {
    @Test
    void fails(Team team, NemoSpawn ns) {
      record(team, ns);
      throw new AssertionError("boom");
    }
  }

  @OnlyThroughTestKit
  @NemoSpawnTest
  static class LeaksATeam {
    @Test
    void leaks(Team team, NemoSpawn ns) {
      record(team, ns);
      Team leaked = ns.team(team.id());
      leaked.subscribe(e -> {});
    }
  }

  @OnlyThroughTestKit
  @NemoSpawnTest
  static class LeaksALock {
    static FileChannel channel;

    @Test
    void leaks(Team team, NemoSpawn ns) throws Exception {
      record(team, ns);
      Path lock = team.dir().resolve(".locks/plans.lock");
      Files.createDirectories(lock.getParent());
      channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      channel.lock();
    }
  }

  @OnlyThroughTestKit
  @NemoSpawnTest
  static class RegisteredTwice {
    @RegisterExtension
    final NemoSpawnExtension nemo = NemoSpawnExtension.builder().build();

    @Test
    void test(Team team) {}
  }

  @OnlyThroughTestKit
  @NemoSpawnTest
  static class TeamInBeforeAllPerTest {
    @BeforeAll
    static void setUp(Team team) {}

    @Test
    void test() {}
  }

  @OnlyThroughTestKit
  @NemoSpawnTest
  static class BeforeEachGetsTheTestsTeam {
    static String fromBeforeEach;

    @BeforeEach
    void setUp(Team team) {
      fromBeforeEach = team.id();
    }

    @Test
    void test(Team team, NemoSpawn ns) {
      record(team, ns);
      assertThat(team.id()).isEqualTo(fromBeforeEach);
    }
  }

  // ------------------------------------------------------------------ checks

  @Test
  void annotationGivesEachTestItsOwnTeamAndDeletesItsDirectory() {
    Events tests = run(PerTestClean.class).testEvents();
    tests.assertStatistics(s -> s.started(2).succeeded(2).failed(0));
    assertThat(teams).hasSize(2).doesNotHaveDuplicates();
    assertThat(dirs).hasSize(2).doesNotHaveDuplicates();
    assertThat(dirs).allSatisfy(d -> assertThat(d).doesNotExist());
  }

  @Test
  void staticFieldGivesTheClassOneTeamWithItsAgents() {
    run(PerClass.class).testEvents().assertStatistics(s -> s.started(2).succeeded(2));
    assertThat(teams).hasSize(2);
    assertThat(teams.get(0)).isEqualTo(teams.get(1)).startsWith("shared-");
    assertThat(dirs.get(0)).isEqualTo(dirs.get(1)).doesNotExist();
  }

  @Test
  void instanceFieldGivesEachTestItsOwnTeam() {
    run(PerTestField.class).testEvents().assertStatistics(s -> s.started(2).succeeded(2));
    assertThat(teams).hasSize(2).doesNotHaveDuplicates().allMatch(t -> t.startsWith("field-"));
  }

  @Test
  void beforeEachMethodsGetTheTestsTeam() {
    run(BeforeEachGetsTheTestsTeam.class).testEvents().assertStatistics(s -> s.succeeded(1));
  }

  @Test
  void failingTestKeepsItsDirectoryAndPublishesItsPath() {
    EngineExecutionResults results = run(Failing.class);
    results.testEvents().assertStatistics(s -> s.started(1).failed(1));
    assertThat(dirs).hasSize(1);
    assertThat(dirs.get(0)).isDirectory();
    assertThat(results.allEvents().reportingEntryPublished().list())
        .extracting(e -> e.getPayload(org.junit.platform.engine.reporting.ReportEntry.class)
            .orElseThrow()
            .getKeyValuePairs()
            .get("nemospawn.dataDir"))
        .containsExactly(dirs.get(0).toString());
  }

  @Test
  void teamLeftOpenFailsTheLeakCheck() {
    EngineExecutionResults results = run(LeaksATeam.class);
    results.testEvents().assertStatistics(s -> s.started(1).failed(1));
    String id = teams.get(0);
    results
        .testEvents()
        .assertThatEvents()
        .haveExactly(
            1,
            event(
                test("leaks"),
                finishedWithFailure(
                    instanceOf(AssertionError.class),
                    message("NemoSpawn leak check failed after leaks(Team, NemoSpawn): team " + id
                        + " was opened through NemoSpawn and not closed. Close what you open"
                        + " (try-with-resources), or turn the check off with"
                        + " NemoSpawnExtension.builder().leakCheck(false)."))));
    assertThat(dirs.get(0)).isDirectory(); // kept for inspection
  }

  @Test
  void heldLockFailsTheLeakCheck() throws Exception {
    EngineExecutionResults results = run(LeaksALock.class);
    try {
      results.testEvents().assertStatistics(s -> s.failed(1));
      Path lock = dirs.get(0).resolve("teams/" + teams.get(0) + "/.locks/plans.lock");
      results
          .testEvents()
          .assertThatEvents()
          .haveExactly(
              1,
              event(
                  test("leaks"),
                  finishedWithFailure(
                      message(m -> m.contains("lock " + lock + " (held in this JVM)")))));
    } finally {
      LeaksALock.channel.close();
    }
  }

  @Test
  void registeringTwiceIsAConfigurationError() {
    run(RegisteredTwice.class)
        .testEvents()
        .assertThatEvents()
        .haveExactly(
            1,
            event(
                test("test"),
                finishedWithFailure(
                    instanceOf(ExtensionConfigurationException.class),
                    message("NemoSpawnExtension is registered twice for test(Team); keep one:"
                        + " either @NemoSpawnTest (or @ExtendWith) or a @RegisterExtension"
                        + " field"))));
  }

  @Test
  void teamInBeforeAllOfAPerTestExtensionIsAConfigurationError() {
    EngineExecutionResults results = run(TeamInBeforeAllPerTest.class);
    results
        .containerEvents()
        .assertThatEvents()
        .haveExactly(
            1,
            event(finishedWithFailure(
                instanceOf(ParameterResolutionException.class),
                message(m -> m.endsWith("Cannot inject Team into setUp: NemoSpawnExtension gives"
                    + " one team per test, which does not exist yet there; use a static"
                    + " @RegisterExtension field (NemoSpawnExtension.builder().build()) for a"
                    + " team per class")))));
    results.testEvents().assertStatistics(s -> s.started(0));
  }

  @Test
  void builderRefusesBadValuesWithPreciseMessages() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> NemoSpawnExtension.builder().teamName("../x"))
        .isInstanceOf(ExtensionConfigurationException.class)
        .hasMessageStartingWith(
            "NemoSpawnExtension.builder().teamName(..): Invalid team name" + " '../x'");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> NemoSpawnExtension.builder().agents("a", "a"))
        .isInstanceOf(ExtensionConfigurationException.class)
        .hasMessage("NemoSpawnExtension.builder().agents(..): agent 'a' is given twice; agent"
            + " names are unique in a team");
  }

  @Test
  void anUnknownGpuShapeNamesTheBuiltInOnes() {
    run(UnknownShape.class)
        .testEvents()
        .assertThatEvents()
        .haveExactly(
            1,
            event(
                test("test"),
                finishedWithFailure(
                    instanceOf(ExtensionConfigurationException.class),
                    message("@FakeGpus(topology = \"no-such-machine\") on test(Team): there is no"
                        + " built-in shape, directory or class-path resource of that name holding"
                        + " query.csv; use one of dgx1, two-islands, h100-8, pcie-4, or a"
                        + " directory with query.csv (nvidia-smi --query-gpu=..."
                        + " --format=csv,noheader,nounits, fields as in the FakeGpus javadoc) and"
                        + " topo.txt (nvidia-smi topo -m)"))));
    assertThat(System.getProperty(io.nemospawn.junit.internal.FakeGpuMachine.PROPERTY))
        .isNull();
  }

  @Test
  void aFakeMachineIsGoneAfterItsTest() {
    ShapeThenNone.during = null;
    run(ShapeThenNone.class).testEvents().assertStatistics(s -> s.succeeded(1));
    assertThat(ShapeThenNone.during).isNotBlank();
    assertThat(Path.of(ShapeThenNone.during)).doesNotExist();
    assertThat(System.getProperty(io.nemospawn.junit.internal.FakeGpuMachine.PROPERTY))
        .isNull();
    assertThat(dirs).allSatisfy(d -> assertThat(d).doesNotExist());
  }

  @Test
  void fakeGpusOfAClassTeamComeFromTheClassNotAMethod() {
    EngineExecutionResults results = run(FakeGpusOnAMethodOfAClassTeam.class);
    results.testEvents().assertStatistics(s -> s.succeeded(1).failed(1));
    results
        .testEvents()
        .assertThatEvents()
        .haveExactly(
            1,
            event(
                test("methodShape"),
                finishedWithFailure(
                    instanceOf(ExtensionConfigurationException.class),
                    message("@FakeGpus on methodShape(Team) cannot change the GPUs of the class's"
                        + " team, which exists already; put @FakeGpus on the class, or use a team"
                        + " per test (@NemoSpawnTest or an instance field)"))));
    assertThat(System.getProperty(io.nemospawn.junit.internal.FakeGpuMachine.PROPERTY))
        .isNull();
  }

  @Test
  void aVirtualClockAskedForOnlyInBeforeEachIsAConfigurationError() {
    run(ClockOnlyInBeforeEach.class)
        .testEvents()
        .assertThatEvents()
        .haveExactly(
            1,
            event(
                test("test"),
                finishedWithFailure(
                    instanceOf(ParameterResolutionException.class),
                    message(m -> m.contains("Cannot inject VirtualClock into setUp: the team of"
                            + " test(Team) runs on ")
                        && m.endsWith("; declare a VirtualClock parameter on the test method (a"
                            + " team per test), or give the extension one with"
                            + " NemoSpawnExtension.builder().clock(VirtualClock.create())")))));
  }
}
