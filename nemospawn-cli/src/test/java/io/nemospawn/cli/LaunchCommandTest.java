package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.cli.Cli.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code launch run --dry-run} and {@code launch templates}: golden plans for every built-in, and
 * bad templates that are refused with a clear message and create nothing.
 */
class LaunchCommandTest {
  @TempDir
  Path dir;

  Path data;

  @BeforeEach
  void init() {
    data = dir.resolve("data");
    // An initialised data directory, so that "unchanged" is a strong statement.
    assertThat(run("launch", "templates", "--data-dir", data.toString()).code()).isZero();
  }

  private Result run(String... args) {
    return Cli.execute(args);
  }

  private Map<String, String> snapshot() throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(data)) {
      for (Path p : s.toList()) {
        m.put(
            data.relativize(p).toString(),
            Files.isDirectory(p)
                ? "dir"
                : Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis());
      }
    }
    return m;
  }

  @ParameterizedTest
  @CsvSource({"autoresearch,", "nim-deploy,0-7", "rlhf-swarm,0-7", "data-curation,"})
  void dryRunPrintsTheGoldenPlanAndTouchesNothing(String template, String gpus) throws IOException {
    Map<String, String> before = snapshot();
    List<String> args = new ArrayList<>(List.of(
        "launch",
        "run",
        template,
        "--dry-run",
        "--agent-cmd",
        "demo",
        "--runtime",
        "process",
        "--data-dir",
        data.toString()));
    if (gpus != null) {
      args.add("--gpus");
      args.add(gpus);
    }
    Result r = run(args.toArray(String[]::new));
    assertThat(r.err()).isEmpty();
    assertThat(r.code()).isZero();
    String actual = r.out().replace(data.toString(), "<DATA_DIR>");
    Path golden = Path.of("src/test/resources/golden/launch/" + template + ".txt");
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(golden, actual, StandardCharsets.UTF_8);
    }
    assertThat(actual).isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
    assertThat(snapshot()).isEqualTo(before);
  }

  @Test
  void dryRunJsonHasTheWholePlan() {
    Result r = run(
        "launch",
        "run",
        "autoresearch",
        "--dry-run",
        "--json",
        "--agent-cmd",
        "demo",
        "--runtime",
        "process",
        "--data-dir",
        data.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("\"template\" : \"autoresearch\"")
        .contains("\"hpo_study\" : \"autoresearch\"")
        .contains("\"key\" : \"evaluator\"")
        .contains("\"blocked_by\" : [ \"trainer-1\", \"trainer-2\" ]")
        .contains("\"gpu_ids\" : [ ]");
  }

  @Test
  void templatesListsTheBuiltIns() {
    Result r = run("launch", "templates", "--data-dir", data.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out().lines().map(l -> l.split("\\s+")[0]).toList())
        .containsExactly("NAME", "autoresearch", "nim-deploy", "rlhf-swarm", "data-curation");
  }

  private void assertRefusedAndNothingCreated(String expectedError, String... args)
      throws IOException {
    Map<String, String> before = snapshot();
    Result r = run(args);
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err().strip()).isEqualTo("Error: " + expectedError);
    assertThat(r.out()).isEmpty();
    assertThat(snapshot()).isEqualTo(before);
  }

  private Path template(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  @Test
  void unknownKeyIsRefusedNamingTheLine() throws IOException {
    Path t = template("typo.toml", """
        name = "typo"
        [[workers]]
        name = "w"
        gpu = 1
        """);
    assertRefusedAndNothingCreated(
        t + ", line 4: unknown key 'gpu' in worker 1; a worker has"
            + " the keys [name, role, gpu_count, task, blocked_by, profile, runtime, nemo_config, nemo_overrides].",
        "launch",
        "run",
        t.toString(),
        "--agent-cmd",
        "demo",
        "--runtime",
        "process",
        "--data-dir",
        data.toString());
  }

  @Test
  void cycleIsRefusedNamingTheCycle() throws IOException {
    Path t = template("cycle.toml", """
        name = "cycle"
        [[workers]]
        name = "a"
        blocked_by = ["b"]
        [[workers]]
        name = "b"
        blocked_by = ["a"]
        """);
    assertRefusedAndNothingCreated(
        t + ", line 4: blocked_by forms a cycle: a -> b -> a; a worker"
            + " cannot wait, directly or not, for itself. Remove one of these dependencies.",
        "launch",
        "run",
        t.toString(),
        "--agent-cmd",
        "demo",
        "--runtime",
        "process",
        "--data-dir",
        data.toString());
  }

  @Test
  void tooFewGpusIsRefused() throws IOException {
    assertRefusedAndNothingCreated(
        "Template 'nim-deploy' needs at least 3 GPUs (min_gpus = 3)"
            + " but the launch was given 1 [0]. Give it more GPUs (e.g. 0-2), or choose a template"
            + " that runs without GPUs (autoresearch, data-curation). On the command line: --gpus"
            + " LIST.",
        "launch",
        "run",
        "nim-deploy",
        "--gpus",
        "0",
        "--agent-cmd",
        "demo",
        "--runtime",
        "process",
        "--data-dir",
        data.toString());
  }

  @Test
  void unknownProfileIsRefusedListingTheProfiles() throws IOException {
    Path t = template("prof.toml", """
        name = "prof"
        [[workers]]
        name = "w"
        profile = "gpt-7"
        """);
    assertRefusedAndNothingCreated(
        "Unknown profile 'gpt-7' for worker 'w' (" + t + ", line 2);"
            + " profiles: [aider, claude, codex, cursor, github-copilot-cli, kimi, nanobot,"
            + " opencode]. Create it (Profiles.create) or choose one of those. On the command line:"
            + " nemospawn profile create --name NAME --agent AGENT.",
        "launch",
        "run",
        t.toString(),
        "--runtime",
        "process",
        "--data-dir",
        data.toString());
  }

  @Test
  void unknownTemplateNamesTheBuiltIns() throws IOException {
    assertRefusedAndNothingCreated(
        "No template 'autoresarch': it is neither a built-in template"
            + " [autoresearch, nim-deploy, rlhf-swarm, data-curation] nor a file. Choose one of"
            + " those (Launcher.templates()), or give the path of a .toml file. On the command"
            + " line: nemospawn launch templates.",
        "launch",
        "run",
        "autoresarch",
        "--data-dir",
        data.toString());
  }
}
