package io.nemospawn.benchmarks;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.core.importer.Locations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pins the rules between modules (ARCHITECTURE §2, "Never: ...") for every module: the api
 * depends on nothing of ours, the lower floors never learn about the upper ones, core reaches gpu
 * and transport only through the SPIs, the state module depends on the api alone and is used only
 * by core, transport, the CLI and the benchmarks, and nobody reaches into another module's
 * {@code internal} packages (benchmarks included).
 *
 * <p>It lives in nemospawn-benchmarks, the last module of the reactor, whose test class path holds
 * every published module; the examples are read from {@code examples/target/classes} when the
 * reactor built them.
 */
class ArchitectureTest {
  /** The packages of each module, as ArchUnit package identifiers. */
  static final Map<String, String[]> MODULES = new LinkedHashMap<>();

  static {
    MODULES.put("nemospawn-api", new String[] {
      "io.nemospawn",
      "io.nemospawn.task..",
      "io.nemospawn.inbox..",
      "io.nemospawn.plan..",
      "io.nemospawn.agent..",
      "io.nemospawn.artifact..",
      "io.nemospawn.spi..",
      "io.nemospawn.topology..",
      "io.nemospawn.launch.."
    });
    MODULES.put("nemospawn-state", new String[] {"io.nemospawn.state.."});
    MODULES.put("nemospawn-core", new String[] {"io.nemospawn.core.."});
    MODULES.put("nemospawn-gpu", new String[] {"io.nemospawn.gpu.."});
    MODULES.put("nemospawn-transport", new String[] {"io.nemospawn.transport.."});
    MODULES.put("nemospawn-hpo", new String[] {"io.nemospawn.hpo", "io.nemospawn.hpo.internal.."});
    MODULES.put("nemospawn-hpo-sqlite", new String[] {"io.nemospawn.hpo.sqlite.."});
    MODULES.put("nemospawn-demo", new String[] {"io.nemospawn.demo.."});
    MODULES.put("nemospawn-server", new String[] {"io.nemospawn.server.."});
    MODULES.put("nemospawn-cluster", new String[] {"io.nemospawn.cluster.."});
    MODULES.put("nemospawn-board", new String[] {"io.nemospawn.board.."});
    MODULES.put("nemospawn-nvidia", new String[] {"io.nemospawn.nvidia.."});
    MODULES.put("nemospawn-junit", new String[] {"io.nemospawn.junit.."});
    MODULES.put("nemospawn-cli", new String[] {"io.nemospawn.cli.."});
    MODULES.put("nemospawn-benchmarks", new String[] {"io.nemospawn.benchmarks.."});
    MODULES.put("examples", new String[] {"io.nemospawn.examples.."});
  }

  private static final String[] THIRD_PARTY_ANNOTATIONS = {
    "java..", "javax..", "org.jspecify.annotations..", "org.apiguardian.api.."
  };

  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    Set<Location> locations = new LinkedHashSet<>(Locations.ofPackage("io.nemospawn"));
    Path examples = Path.of("../examples/target/classes");
    if (Files.isDirectory(examples)) {
      locations.add(Location.of(examples));
    }
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importLocations(locations);
  }

  static String[] packagesOf(String... modules) {
    return Stream.of(modules).flatMap(m -> Stream.of(MODULES.get(m))).toArray(String[]::new);
  }

  static String[] packagesOutside(String... modules) {
    List<String> keep = List.of(modules);
    return MODULES.keySet().stream()
        .filter(m -> !keep.contains(m))
        .flatMap(m -> Stream.of(MODULES.get(m)))
        .toArray(String[]::new);
  }

  @Test
  void everyPublishedModuleIsOnTheClassPath() {
    for (String module : List.of(
        "nemospawn-api",
        "nemospawn-core",
        "nemospawn-gpu",
        "nemospawn-transport",
        "nemospawn-hpo",
        "nemospawn-hpo-sqlite",
        "nemospawn-demo",
        "nemospawn-junit",
        "nemospawn-server",
        "nemospawn-board",
        "nemospawn-nvidia",
        "nemospawn-cli")) {
      String prefix = MODULES.get(module)[MODULES.get(module).length - 1].replace("..", "");
      assertThat(classes.stream().anyMatch(c -> c.getPackageName().startsWith(prefix)))
          .as("classes of %s imported", module)
          .isTrue();
    }
  }

  @Test
  void apiDependsOnlyOnTheJdkAndTheAnnotationJars() {
    String[] allowed = Stream.concat(
            Stream.of(THIRD_PARTY_ANNOTATIONS), Stream.of(packagesOf("nemospawn-api")))
        .toArray(String[]::new);
    noClasses()
        .that()
        .resideInAnyPackage(packagesOf("nemospawn-api"))
        .should()
        .dependOnClassesThat()
        .resideOutsideOfPackages(allowed)
        .check(classes);
  }

  @Test
  void stateDependsOnlyOnTheApi() {
    noClasses()
        .that()
        .resideInAnyPackage(packagesOf("nemospawn-state"))
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(packagesOutside("nemospawn-api", "nemospawn-state"))
        .allowEmptyShould(true)
        .check(classes);
  }

  /**
   * The state module sits beside the api, under core and transport. The CLI and the benchmarks may
   * use it too (main's CLI writes GPU snapshots and the atomic-write benchmark times it through its
   * {@code AtomicFiles}), and the control plane, which persists what it accepted; the board uses only
   * its {@code AccessKeys} and {@code Authorizer} (the board checks roles); the
   * other modules may not.
   */
  @Test
  void onlyCoreTransportTheCliAndTheBenchmarksUseTheStateModule() {
    noClasses()
        .that()
        .resideInAnyPackage(packagesOutside(
            "nemospawn-state",
            "nemospawn-core",
            "nemospawn-transport",
            "nemospawn-server",
            "nemospawn-cluster",
            "nemospawn-cli",
            "nemospawn-benchmarks"))
        .should()
        .dependOnClassesThat(com.tngtech.archunit.base.DescribedPredicate.describe(
            "are in the state module, other than AccessKeys and Authorizer",
            c -> c.getPackageName().startsWith("io.nemospawn.state")
                && !c.getName().startsWith("io.nemospawn.state.AccessKeys")
                && !c.getName().startsWith("io.nemospawn.state.Authorizer")))
        .check(classes);
  }

  @Test
  void lowerModulesNeverDependOnCoreOrTheUpperFloors() {
    noClasses()
        .that()
        .resideInAnyPackage(packagesOf(
            "nemospawn-gpu", "nemospawn-transport", "nemospawn-hpo", "nemospawn-hpo-sqlite"))
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(packagesOf(
            "nemospawn-core",
            "nemospawn-demo",
            "nemospawn-junit",
            "nemospawn-server",
            "nemospawn-cluster",
            "nemospawn-board",
            "nemospawn-nvidia",
            "nemospawn-cli",
            "nemospawn-benchmarks",
            "examples"))
        .check(classes);
  }

  /**
   * The board and the NVIDIA module are clients of the library: they program against the api (and
   * the HPO module's public study API), never against core, the GPU or transport modules, the
   * demo, or each other.
   */
  @Test
  void boardAndNvidiaUseTheLibraryThroughTheApi() {
    for (String module : List.of("nemospawn-board", "nemospawn-nvidia")) {
      // the state module's AccessKeys is allowed (the rule above forbids the rest of it)
      List<String> forbidden = new ArrayList<>(List.of(
          "nemospawn-core",
          "nemospawn-gpu",
          "nemospawn-transport",
          "nemospawn-junit",
          "nemospawn-demo",
          "nemospawn-board",
          "nemospawn-nvidia"));
      forbidden.remove(module);
      noClasses()
          .that()
          .resideInAnyPackage(packagesOf(module))
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(packagesOf(forbidden.toArray(String[]::new)))
          .check(classes);
    }
  }

  /**
   * The board's web console ({@code nemospawn web}) is a client of the control plane, as a browser
   * cannot speak its NDJSON over TCP: it may use the server's public client, {@code RouterClient},
   * and nothing else of the server module (no handlers, no swarm or project internals).
   */
  @Test
  void theBoardUsesOnlyTheControlPlanesPublicClient() {
    noClasses()
        .that()
        .resideInAnyPackage(packagesOf("nemospawn-board"))
        .should()
        .dependOnClassesThat(com.tngtech.archunit.base.DescribedPredicate.describe(
            "are in the server module, other than its public RouterClient",
            c -> c.getPackageName().startsWith("io.nemospawn.server")
                && !c.getName().startsWith("io.nemospawn.server.codeswarm.RouterClient")))
        .check(classes);
  }

  @Test
  void gpuTransportAndHpoNeverDependOnEachOther() {
    for (String module : List.of("nemospawn-gpu", "nemospawn-transport", "nemospawn-hpo")) {
      List<String> others =
          new ArrayList<>(List.of("nemospawn-gpu", "nemospawn-transport", "nemospawn-hpo"));
      others.remove(module);
      noClasses()
          .that()
          .resideInAnyPackage(packagesOf(module))
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(packagesOf(others.toArray(String[]::new)))
          .check(classes);
    }
  }

  @Test
  void coreReachesGpuAndTransportOnlyThroughTheSpis() {
    noClasses()
        .that()
        .resideInAnyPackage(packagesOf("nemospawn-core"))
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(packagesOf("nemospawn-gpu", "nemospawn-transport"))
        .check(classes);
  }

  @Test
  void coreNeverDependsOnTheUpperFloors() {
    noClasses()
        .that()
        .resideInAnyPackage(packagesOf("nemospawn-core"))
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.nemospawn.cli..",
            "io.nemospawn.board..",
            "io.nemospawn.server..",
            "io.nemospawn.cluster..",
            "io.nemospawn.junit..",
            "io.nemospawn.demo..",
            "io.nemospawn.benchmarks..",
            "io.nemospawn.examples..")
        .check(classes);
  }

  @Test
  void nothingDependsOnTheCliTheBenchmarksOrTheExamples() {
    for (String module : List.of("nemospawn-cli", "nemospawn-benchmarks", "examples")) {
      noClasses()
          .that()
          .resideInAnyPackage(packagesOutside(module))
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(packagesOf(module))
          .check(classes);
    }
  }

  static Stream<String> modules() {
    return MODULES.keySet().stream();
  }

  /** No exception: the benchmarks time the demo's model through its public {@code DemoModel}. */
  @ParameterizedTest
  @MethodSource("modules")
  void nobodyReachesIntoAnotherModulesInternals(String module) {
    String[] internals = Stream.of(MODULES.get(module))
        .map(p -> p.replace("..", "") + ".internal..")
        .map(p -> p.startsWith("io.nemospawn.internal") ? "io.nemospawn.internal.." : p)
        .toArray(String[]::new);
    String[] outside = packagesOutside(module);
    noClasses()
        .that()
        .resideInAnyPackage(outside)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(internals)
        .allowEmptyShould(true)
        .check(classes);
  }
}
