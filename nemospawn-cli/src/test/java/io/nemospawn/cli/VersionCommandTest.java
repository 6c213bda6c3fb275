package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class VersionCommandTest {
  @Test
  void versionPrintsHumanAndJson() {
    StringWriter out = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    assertThat(cl.execute("version")).isZero();
    assertThat(out.toString()).startsWith("nemospawn 0.1.0-SNAPSHOT (Java ");

    StringWriter json = new StringWriter();
    cl = Main.commandLine();
    cl.setOut(new PrintWriter(json));
    assertThat(cl.execute("version", "--json")).isZero();
    assertThat(json.toString()).contains("\"version\" : \"0.1.0-SNAPSHOT\"");
  }

  @Test
  void unknownOptionIsAUsageError() {
    var cl = Main.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    assertThat(cl.execute("version", "--bogus")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("Unknown option: '--bogus'");
  }
}
