package io.nemospawn.server.swarm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** JSON helpers shared by the swarm classes: one mapper, JSONL appends, atomic private writes. */
final class SwarmJson {
  static final JsonMapper MAPPER = JsonMapper.builder().build();

  private SwarmJson() {}

  static ObjectNode obj() {
    return MAPPER.createObjectNode();
  }

  static JsonNode parse(String line) {
    return MAPPER.readTree(line);
  }

  static String line(JsonNode node) {
    return MAPPER.writeValueAsString(node);
  }

  /** Appends one JSON line, creating the file owner-only when it does not exist. */
  static synchronized void append(Path file, JsonNode node) throws IOException {
    Files.createDirectories(file.getParent());
    if (!Files.exists(file)) {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    Files.writeString(file, line(node) + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
  }

  /** Writes a file atomically (temporary file, then rename), owner-only. */
  static void writeAtomically(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(
        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
