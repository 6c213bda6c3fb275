package io.nemospawn.server.swarm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apiguardian.api.API;
import tools.jackson.databind.JsonNode;

/**
 * A swarm's persona: the {@code AGENTS.md} text and skills files delivered into every node's
 * worktree ({@code AGENTS.md} at the root, skills under {@code .agents/skills/}). Paths are checked
 * before any file is touched: relative, no empty, {@code .} or {@code ..} part, no backslash or
 * control character, at most 16 parts and 255 characters; contents are written byte for byte.
 *
 * @param agentsMd the {@code AGENTS.md} content (empty: none)
 * @param skills skill file path (relative to {@code .agents/skills/}) to content
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record Personas(String agentsMd, Map<String, String> skills) {
  /** The most skills files a bundle may carry. */
  public static final int MAX_FILES = 256;

  /** Copies the skills map. */
  public Personas {
    skills = Map.copyOf(skills);
  }

  /**
   * Reads {@code agents_md_content} and {@code agents_bundle} from a {@code swarm_launch} payload.
   *
   * @throws IllegalArgumentException naming the bad field or path
   */
  public static Personas fromPayload(JsonNode payload) {
    String md = "";
    if (payload.has("agents_md_content") && !payload.path("agents_md_content").isNull()) {
      if (!payload.path("agents_md_content").isString()) {
        throw new IllegalArgumentException("agents_md_content must be a string");
      }
      md = payload.path("agents_md_content").asString();
    }
    Map<String, String> skills = new LinkedHashMap<>();
    JsonNode bundle = payload.path("agents_bundle");
    if (!bundle.isMissingNode() && !bundle.isNull()) {
      if (!bundle.isObject()) {
        throw new IllegalArgumentException("agents_bundle must be an object");
      }
      String mode = bundle.path("mode").asString("directory");
      if (!mode.equals("file") && !mode.equals("directory")) {
        throw new IllegalArgumentException("agents_bundle.mode must be 'file' or 'directory', not '"
            + NodeSelector.printable(mode) + "'");
      }
      if (bundle.path("agents_md_content").isString()) {
        md = bundle.path("agents_md_content").asString();
      }
      JsonNode files = bundle.path("skills_files");
      if (!files.isMissingNode() && !files.isNull()) {
        if (!files.isArray() || files.size() > MAX_FILES) {
          throw new IllegalArgumentException(
              "agents_bundle.skills_files must be an array of at most " + MAX_FILES + " files");
        }
        for (JsonNode f : files) {
          if (!f.path("path").isString() || !f.path("content").isString()) {
            throw new IllegalArgumentException(
                "each agents_bundle.skills_files entry needs a string path and content");
          }
          String p = checkPath(f.path("path").asString());
          if (skills.put(p, f.path("content").asString()) != null) {
            throw new IllegalArgumentException(
                "agents_bundle.skills_files names '" + p + "' twice");
          }
        }
      }
    }
    return new Personas(md, skills);
  }

  /**
   * Checks one skills path.
   *
   * @return the path, unchanged
   * @throws IllegalArgumentException naming the path and the rule it breaks
   */
  public static String checkPath(String path) {
    String shown = NodeSelector.printable(path);
    if (path.isEmpty() || path.length() > 255) {
      throw new IllegalArgumentException("Skills path '" + shown + "' must be 1-255 characters");
    }
    if (path.startsWith("/") || path.contains("\\")) {
      throw new IllegalArgumentException(
          "Skills path '" + shown + "' must be relative and use '/' (no leading '/', no '\\')");
    }
    if (!shown.equals(path) || path.codePoints().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          "Skills path '" + shown + "' contains control or bidi characters");
    }
    String[] parts = path.split("/", -1);
    if (parts.length > 16) {
      throw new IllegalArgumentException("Skills path '" + shown + "' is nested too deep (16)");
    }
    for (String part : parts) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        throw new IllegalArgumentException("Skills path '" + shown
            + "' has an empty, '.' or '..' part; paths stay inside .agents/skills/");
      }
    }
    return path;
  }

  /** Writes the persona into {@code root}, checking each target stays inside it. */
  public void writeTo(Path root) throws IOException {
    Path base = root.toAbsolutePath().normalize();
    if (!agentsMd.isEmpty()) {
      Files.writeString(base.resolve("AGENTS.md"), agentsMd, StandardCharsets.UTF_8);
    }
    Path skillsDir = base.resolve(".agents").resolve("skills");
    for (Map.Entry<String, String> e : skills.entrySet()) {
      Path target = skillsDir.resolve(checkPath(e.getKey())).normalize();
      if (!target.startsWith(skillsDir)) {
        throw new IllegalArgumentException(
            "Skills path '" + e.getKey() + "' leaves .agents/skills/");
      }
      Files.createDirectories(target.getParent());
      Files.writeString(target, e.getValue(), StandardCharsets.UTF_8);
    }
  }
}
