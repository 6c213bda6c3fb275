package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Hostile values through the CLI (parsed by picocli exactly as a shell would pass them): as team
 * names, agent names and task ids they are refused in one line with exit code 1; as titles and
 * metadata values they are stored verbatim; nothing is written outside the data directory.
 */
class CliHostileInputTest {
  static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir
  Path root;

  static List<String> hostile() {
    return List.of(
        "../x",
        "..",
        "../../../../etc/passwd",
        "/",
        "/etc/passwd",
        "a/b",
        "a\\b",
        "nul\0byte",
        "line\nbreak",
        "carriage\rreturn",
        "tab\there",
        "$(id)",
        "`id`",
        "${HOME}",
        "'; rm -rf / #",
        "\"quoted\"",
        "it's",
        "a;b",
        "a|b",
        "a&&b",
        "<script>x</script>",
        "%s%n%x",
        "ünïcödé",
        "名前",
        "emoji 🚀",
        "\u202Eright-to-left",
        "zero\u200Bwidth",
        " ",
        ".hidden",
        "x".repeat(10_000),
        "a b");
  }

  @ParameterizedTest
  @MethodSource("hostile")
  void refusedAsNamesStoredVerbatimAsText(String value) throws Exception {
    Path data = root.resolve("data");
    Cli cli = new Cli(data);
    String team = cli.id("team", "create", "safe");
    Set<String> before = outside(data);

    Cli.Result r = cli.run("team", "create", value);
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).startsWith("Error: Invalid team name '").endsWith("\n");
    assertThat(r.err().lines()).hasSize(1);

    r = cli.run("agent", "register", value, "--team", team);
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).startsWith("Error: Invalid agent name '");

    r = cli.run("task", "show", value, "--team", team);
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).startsWith("Error: Invalid task id '");
    assertThat(r.err().lines()).hasSize(1);

    if (!value.isBlank()) {
      r = cli.run(
          "task",
          "create",
          "--title",
          value,
          "--metadata",
          "note=" + value,
          "--json",
          "--team",
          team);
      assertThat(r.code()).as(r.err()).isZero();
      JsonNode created = JSON.readTree(r.out());
      JsonNode shown = JSON.readTree(
          cli.run("task", "show", created.get("task_id").asString(), "--json", "--team", team)
              .out());
      assertThat(shown.get("title").asString()).isEqualTo(value);
      assertThat(shown.get("metadata").get("note").asString()).isEqualTo(value);
      // The human table keeps every row on one line.
      assertThat(cli.run("task", "list", "--team", team).out().lines()).hasSize(2);
    }
    assertThat(outside(data)).isEqualTo(before);
  }

  private Set<String> outside(Path data) throws Exception {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(p -> !p.startsWith(data))
          .map(p -> root.relativize(p).toString())
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }
}
