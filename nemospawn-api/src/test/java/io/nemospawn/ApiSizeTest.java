package io.nemospawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's "the public API is smaller or equal in types": the api module's public top-level
 * types, counted from its compiled classes, stay at or under the 107 it had before the
 * consolidation. A new public type in the api has to replace one, or move implementation out
 * (docs/architecture.md, "What the api holds").
 */
class ApiSizeTest {
  static final int BASELINE = 107;

  @Test
  void theApiHasNoMorePublicTopLevelTypesThanBeforeTheConsolidation() throws Exception {
    List<Class<?>> types = topLevelTypes();
    List<String> publicTypes = types.stream()
        .filter(c -> Modifier.isPublic(c.getModifiers()))
        .map(Class::getName)
        .sorted()
        .toList();
    assertThat(publicTypes).as("the api's public types").contains(NemoSpawn.class.getName());
    assertThat(types)
        .as("package-private ones are counted apart")
        .hasSizeGreaterThan(publicTypes.size());
    assertThat(publicTypes.size())
        .as("public top-level types of nemospawn-api: %s", publicTypes)
        .isLessThanOrEqualTo(BASELINE);
  }

  private static List<Class<?>> topLevelTypes() throws IOException, URISyntaxException {
    Path root = Path.of(
        NemoSpawn.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    assertThat(root).as("the api's classes directory").isDirectory();
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .map(p -> root.relativize(p).toString().replace('\\', '/'))
          .filter(n -> n.endsWith(".class") && !n.contains("$"))
          .filter(n -> !n.endsWith("package-info.class") && !n.endsWith("module-info.class"))
          .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
          .map(ApiSizeTest::load)
          .toList();
    }
  }

  private static Class<?> load(String name) {
    try {
      return Class.forName(name, false, ApiSizeTest.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }
}
