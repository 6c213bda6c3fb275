package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SkillCommandTest {
  @TempDir
  Path home;

  String run(String... args) {
    StringWriter out = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    assertThat(cl.execute(args)).isZero();
    return out.toString();
  }

  @Test
  void installsReportsAndUninstallsTheSkillWithFrontMatter() throws Exception {
    assertThat(run("skill", "status", "--home", home.toString())).contains("missing");
    assertThat(run("skill", "install", "--target", "all", "--home", home.toString()))
        .contains(home.resolve(".claude/skills/nemospawn/SKILL.md").toString())
        .contains(home.resolve(".agents/skills/nemospawn/SKILL.md").toString());
    String text = Files.readString(home.resolve(".claude/skills/nemospawn/SKILL.md"));
    assertThat(text).startsWith("---\nname: nemospawn\ndescription: Coordinate with a NemoSpawn");
    assertThat(text.split("\n---\n", 2)[0]).doesNotContain("\n\n");
    assertThat(run("skill", "status", "--target", "claude", "--home", home.toString()))
        .contains("claude  installed");
    Files.writeString(home.resolve(".agents/skills/nemospawn/SKILL.md"), "old");
    assertThat(run("skill", "status", "--target", "codex", "--home", home.toString()))
        .contains("codex   outdated");
    run("skill", "uninstall", "--target", "all", "--home", home.toString());
    assertThat(home.resolve(".claude/skills/nemospawn")).doesNotExist();
    assertThat(home.resolve(".agents/skills/nemospawn")).doesNotExist();
  }
}
