package io.nemospawn.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pins the rules between modules (ARCHITECTURE §2): the api depends on nothing but the JDK, the
 * lower floors never learn about the upper ones, and nobody reaches into another module's
 * internal packages except through the API.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.nemospawn");
  }

  @Test
  void apiDependsOnlyOnTheJdkAndTheAnnotationJars() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.nemospawn",
            "io.nemospawn.task..",
            "io.nemospawn.inbox..",
            "io.nemospawn.plan..",
            "io.nemospawn.agent..",
            "io.nemospawn.artifact..",
            "io.nemospawn.spi..",
            "io.nemospawn.topology..")
        .should()
        .dependOnClassesThat()
        .resideOutsideOfPackages(
            "java..",
            "javax..",
            "org.jspecify.annotations..",
            "org.apiguardian.api..",
            "io.nemospawn",
            "io.nemospawn.task..",
            "io.nemospawn.inbox..",
            "io.nemospawn.plan..",
            "io.nemospawn.agent..",
            "io.nemospawn.artifact..",
            "io.nemospawn.spi..",
            "io.nemospawn.topology..",
            "io.nemospawn.launch..")
        .check(classes);
  }

  @Test
  void coreNeverDependsOnTheUpperFloors() {
    noClasses()
        .that()
        .resideInAPackage("io.nemospawn.core..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.nemospawn.cli..",
            "io.nemospawn.board..",
            "io.nemospawn.server..",
            "io.nemospawn.junit..")
        .check(classes);
  }

  @Test
  void lowerModulesNeverDependOnCore() {
    noClasses()
        .that()
        .resideInAnyPackage("io.nemospawn.gpu..", "io.nemospawn.transport..", "io.nemospawn.hpo..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.nemospawn.core..", "io.nemospawn.cli..")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void onlyTheCliAndCoreReachCoreInternals() {
    noClasses()
        .that()
        .resideOutsideOfPackages(
            "io.nemospawn.core..", "io.nemospawn.cli..", "io.nemospawn.junit..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.nemospawn.core.internal..")
        .check(classes);
  }
}
