package io.nemospawn.server.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.node.ObjectNode;

class PersonasTest {
  @TempDir
  Path dir;

  static final String HOSTILE =
      "# Persona\n$(touch pwned) `id` \"dq\" 'sq' \\n \u202eevil\u202c\r\n\u0001end";

  @Test
  void writesAgentsMdAndSkillsByteForByte() throws Exception {
    ObjectNode p = SwarmJson.obj();
    ObjectNode b =
        p.putObject("agents_bundle").put("mode", "directory").put("agents_md_content", HOSTILE);
    b.putArray("skills_files").addObject().put("path", "hip/SKILL.md").put("content", HOSTILE);
    Personas persona = Personas.fromPayload(p);
    persona.writeTo(dir);
    assertThat(Files.readString(dir.resolve("AGENTS.md"))).isEqualTo(HOSTILE);
    assertThat(Files.readString(dir.resolve(".agents/skills/hip/SKILL.md"))).isEqualTo(HOSTILE);
    assertThat(dir.resolve("pwned")).doesNotExist();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../x",
        "a/../../x",
        "/etc/passwd",
        "a//b",
        "./a",
        "a\\b",
        "",
        "a/\u202e",
        "a\nb",
        "a/."
      })
  void refusesPathsThatCouldLeaveTheSkillsDirectory(String path) {
    ObjectNode p = SwarmJson.obj();
    p.putObject("agents_bundle")
        .putArray("skills_files")
        .addObject()
        .put("path", path)
        .put("content", "x");
    assertThatThrownBy(() -> Personas.fromPayload(p))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Skills path '");
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void refusesBadShapes() {
    ObjectNode p = SwarmJson.obj().put("agents_md_content", 5);
    assertThatThrownBy(() -> Personas.fromPayload(p)).hasMessageContaining("agents_md_content");
    ObjectNode q = SwarmJson.obj();
    q.putObject("agents_bundle").put("mode", "zip");
    assertThatThrownBy(() -> Personas.fromPayload(q)).hasMessageContaining("'zip'");
  }
}
