package io.nemospawn.core.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Reads the record directories a restore replaces, file by file, to compare them exactly. */
final class TeamRecords {
  static final List<String> SUBS = List.of("agents", "tasks", "plans", "artifacts", "costs");

  private TeamRecords() {}

  /** Returns every file under the team's record directories (hidden ones aside), by path. */
  static Map<String, String> of(Path teamDir) {
    Map<String, String> out = new TreeMap<>();
    for (String sub : SUBS) {
      Path d = teamDir.resolve(sub);
      if (!Files.isDirectory(d)) {
        out.put(sub, "<missing>");
        continue;
      }
      try (Stream<Path> walk = Files.walk(d)) {
        for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
          String rel = teamDir.relativize(f).toString();
          if (!f.getFileName().toString().startsWith(".")) {
            out.put(rel, Files.readString(f));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }
}
