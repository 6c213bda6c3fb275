package io.nemospawn.core.internal.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The agent profiles a launch may name: the built-in adapters and the profiles saved under
 * {@code <data dir>/profiles/<name>.json}.
 */
final class Profiles {
  /** The adapters every installation knows ({@code custom} needs a stored profile). */
  static final List<String> BUILT_IN = io.nemospawn.core.internal.agent.Adapters.all().stream()
      .map(io.nemospawn.core.internal.agent.Adapter::name)
      .filter(n -> !n.equals("custom"))
      .toList();

  private final Path dir;

  Profiles(Path dataDir) {
    this.dir = dataDir.resolve("profiles");
  }

  /** Returns every profile name, sorted. */
  List<String> names() {
    TreeSet<String> out = new TreeSet<>(BUILT_IN);
    if (Files.isDirectory(dir)) {
      try (Stream<Path> s = Files.list(dir)) {
        s.map(p -> p.getFileName().toString())
            .filter(n -> n.endsWith(".json") && n.length() > 5)
            .forEach(n -> out.add(n.substring(0, n.length() - 5)));
      } catch (IOException e) {
        throw new io.nemospawn.StateException(
            dir,
            "Cannot list profiles in " + dir + ": " + e.getMessage()
                + "; check the directory's permissions.",
            e);
      }
    }
    return List.copyOf(out);
  }
}
