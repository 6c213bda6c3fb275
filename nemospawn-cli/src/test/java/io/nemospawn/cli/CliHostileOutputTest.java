package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * Text that would act on a terminal (escape sequences, an OSC 52 clipboard write, carriage
 * returns, bells, bidirectional overrides, zero-width and tag characters, NUL) goes through every
 * command that prints user text: no such character reaches standard output or standard error raw,
 * in tables, messages, warnings, errors or picocli's usage errors, while {@code --json} gives the
 * exact text back.
 */
class CliHostileOutputTest {
  @TempDir
  Path root;

  /** Every threat in one value (one CLI run per case keeps the suite fast), then with a line feed. */
  static List<String> hostile() {
    String all = String.join("|", pieces());
    return List.of(all, "newline\nfake row " + all);
  }

  static List<String> pieces() {
    return List.of(
        "clear\u001b[2Jscreen",
        "osc52\u001b]52;c;cm0gLXJmIH4=\u0007end",
        "title\u001b]0;pwned\u001b\\end",
        "cr\rfake",
        "bell\u0007bell",
        "csi8bit\u009b31mred",
        "rlo\u202Egnp.exe",
        "isolate\u2066ltr\u2069end",
        "lrm\u200E\u200F\u061Cmarks",
        "zero\u200B\u200D\uFEFFwidth",
        "tag\uDB40\uDC41\uDB40\uDC42hidden",
        "sep\u2028line\u2029para",
        "nul\0byte",
        "del\u007Fdel");
  }

  static Stream<Arguments> cases() {
    List<Arguments> all = new ArrayList<>();
    for (String h : hostile()) {
      for (String scenario : List.of(
          "team status",
          "artifact register",
          "config set",
          "hpo param",
          "launch dry-run",
          "task list",
          "inbox peek",
          "error message",
          "usage error")) {
        all.add(Arguments.of(scenario, h));
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0}: {index}")
  @MethodSource("cases")
  void noRawControlReachesTheTerminalAndJsonIsExact(String scenario, String h) throws Exception {
    Path data = root.resolve("data");
    String team =
        CliRun.run(data, "team", "create", "t", "--json").json().get("team_id").asString();
    List<CliRun> human = new ArrayList<>();
    switch (scenario) {
      case "team status" -> {
        String id = CliRun.run(data, "team", "create", "d", "--description", h, "--json")
            .json()
            .get("team_id")
            .asString();
        human.add(CliRun.run(data, "team", "status", id));
        human.add(CliRun.run(data, "team", "list"));
        JsonNode j = CliRun.run(data, "team", "status", id, "--json").json();
        assertThat(j.get("team").get("description").asString()).isEqualTo(h);
      }
      case "artifact register" -> {
        String path = "/tmp/" + h.replace("\0", ""); // a path cannot hold NUL: a usage error
        CliRun r = CliRun.run(
            data, "artifact", "register", "-t", team, "--type", "dataset", "--path", path);
        assertThat(r.code).as(r.toString()).isZero();
        human.add(r);
        human.add(CliRun.run(data, "artifact", "list", "-t", team));
        human.add(CliRun.run(
            data, "artifact", "register", "-t", team, "--type", "dataset", "--path", "/tmp/" + h));
        CliRun j = CliRun.run(
            data,
            "artifact",
            "register",
            "-t",
            team,
            "--type",
            "dataset",
            "--path",
            path,
            "--json");
        assertThat(j.json().get("path").asString()).isEqualTo(path);
      }
      case "config set" -> {
        human.add(CliRun.run(data, "config", "set", "user", h));
        human.add(CliRun.run(data, "config", "get", "user"));
        human.add(CliRun.run(data, "config", "list"));
        assertThat(CliRun.run(data, "config", "get", "user", "--json")
                .json()
                .get("value")
                .asString())
            .isEqualTo(h);
      }
      case "hpo param" -> {
        Path f = root.resolve("sweep.toml");
        Files.writeString(f, """
            [search_space]
            %s = { type = "int", low = 1, high = 8 }
            [objective]
            metric = "val_loss"
            direction = "minimize"
            """.formatted(tomlKey(h)));
        CliRun init = CliRun.run(data, "hpo", "init", "--study", "s", "--hpo-file", f.toString());
        human.add(init);
        if (init.code == 0) {
          human.add(CliRun.run(data, "hpo", "suggest", "--study", "s"));
          human.add(CliRun.run(data, "hpo", "trials", "--study", "s"));
          CliRun j = CliRun.run(data, "hpo", "suggest", "--study", "s", "--json");
          assertThat(j.json().get("params").propertyNames()).containsExactly(h);
        }
      }
      case "launch dry-run" -> {
        List<String> args = List.of(
            "launch",
            "run",
            "autoresearch",
            "--dry-run",
            "--agent-cmd",
            "demo",
            "--runtime",
            "process",
            "--goal",
            h);
        CliRun r = CliRun.run(data, args.toArray(String[]::new));
        assertThat(r.code).as(r.toString()).isZero();
        human.add(r);
        List<String> json = new ArrayList<>(args);
        json.add("--json");
        assertThat(
                CliRun.run(data, json.toArray(String[]::new)).json().get("goal").asString())
            .isEqualTo(h);
      }
      case "task list" -> {
        CliRun c = CliRun.run(
            data, "task", "create", "-t", team, "--title", h, "--metadata", "note=" + h, "--json");
        assertThat(c.code).as(c.toString()).isZero();
        String id = c.json().get("task_id").asString();
        human.add(CliRun.run(data, "task", "list", "-t", team));
        human.add(CliRun.run(data, "task", "show", id, "-t", team));
        JsonNode j = CliRun.run(data, "task", "show", id, "-t", team, "--json").json();
        assertThat(j.get("title").asString()).isEqualTo(h);
        assertThat(j.get("metadata").get("note").asString()).isEqualTo(h);
      }
      case "inbox peek" -> {
        CliRun.run(data, "agent", "register", "trainer", "-t", team);
        CliRun s = CliRun.run(data, "inbox", "send", "trainer", h, "-t", team);
        assertThat(s.code).as(s.toString()).isZero();
        human.add(s);
        human.add(CliRun.run(data, "inbox", "peek", "-t", team, "--agent", "trainer"));
        JsonNode j = CliRun.run(
                data, "inbox", "receive", "-t", team, "--agent", "trainer", "--json")
            .json();
        assertThat(j.get("messages").get(0).get("body").asString()).isEqualTo(h);
      }
      case "error message" -> {
        human.add(CliRun.run(data, "task", "show", h, "-t", team));
        human.add(CliRun.run(data, "team", "status", h));
        human.add(CliRun.run(data, "agent", "register", h, "-t", team));
        human.add(CliRun.run(data, "config", "set", h, "1"));
        human.add(CliRun.run(data, "inbox", "send", "nobody" + h, "x", "-t", team));
      }
      case "usage error" -> {
        human.add(CliRun.run(data, "task", "list", "--bogus" + h, "-t", team));
        human.add(CliRun.run(data, "task", "list", "-t", team, "--status", h));
        human.add(CliRun.run(data, "team", "create", "x", "--gpus", h));
        human.add(CliRun.run(data, "nosuch" + h));
      }
      default -> throw new AssertionError(scenario);
    }
    for (CliRun r : human) {
      assertInert(r.out);
      assertInert(r.err);
    }
  }

  /** Invalid UTF-8 and control bytes in a state file a command shows. */
  @Test
  void invalidUtf8AndEscapesFromAFileAreShownInert() throws Exception {
    Path data = root.resolve("data");
    String team =
        CliRun.run(data, "team", "create", "t", "--json").json().get("team_id").asString();
    CliRun c = CliRun.run(data, "task", "create", "-t", team, "--title", "x", "--json");
    String id = c.json().get("task_id").asString();
    Path file = data.resolve("teams").resolve(team).resolve("tasks").resolve(id + ".json");
    byte[] bytes = Files.readAllBytes(file);
    String text = new String(bytes, StandardCharsets.UTF_8);
    byte[] hostile = "\"title\": \"x\u001b[2J\u202E\"".getBytes(StandardCharsets.UTF_8);
    byte[] before = text.substring(0, text.indexOf("\"title\"")).getBytes(StandardCharsets.UTF_8);
    byte[] after = text.substring(text.indexOf(",", text.indexOf("\"title\"")))
        .getBytes(StandardCharsets.UTF_8);
    var w = new java.io.ByteArrayOutputStream();
    w.write(before);
    w.write(hostile, 0, hostile.length - 1);
    w.write(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3});
    w.write('"');
    w.write(after);
    Files.write(file, w.toByteArray());
    for (CliRun r : List.of(
        CliRun.run(data, "task", "list", "-t", team),
        CliRun.run(data, "task", "show", id, "-t", team),
        CliRun.run(data, "team", "status", team))) {
      assertInert(r.out);
      assertInert(r.err);
    }
  }

  /** A TOML basic-string key with the value's characters as {@code \\uXXXX} escapes. */
  private static String tomlKey(String h) {
    StringBuilder b = new StringBuilder("\"");
    h.codePoints().forEach(cp -> {
      if (cp >= 0x20 && cp < 0x7f && cp != '"' && cp != '\\') {
        b.appendCodePoint(cp);
      } else if (cp <= 0xffff) {
        b.append(String.format("\\u%04X", cp));
      } else {
        b.append(String.format("\\U%08X", cp));
      }
    });
    return b.append('"').toString();
  }

  /**
   * Asserts that no character that acts on a terminal or disguises text is in the output. Listed
   * here on its own, not through the code under test.
   */
  static void assertInert(String printed) {
    printed.codePoints().forEach(cp -> {
      boolean bad = (cp < 0x20 && cp != '\n' && cp != '\t')
          || (cp >= 0x7f && cp <= 0x9f)
          || (cp >= 0x202a && cp <= 0x202e)
          || (cp >= 0x2066 && cp <= 0x2069)
          || cp == 0x200e
          || cp == 0x200f
          || cp == 0x061c
          || (cp >= 0x200b && cp <= 0x200d)
          || cp == 0x2028
          || cp == 0x2029
          || cp == 0xfeff
          || (cp >= 0xe0000 && cp <= 0xe007f)
          || Character.getType(cp) == Character.FORMAT;
      assertThat(bad)
          .as("U+%04X printed raw in:%n%s", cp, printed.replaceAll("\\p{Cntrl}", "?"))
          .isFalse();
    });
  }
}
