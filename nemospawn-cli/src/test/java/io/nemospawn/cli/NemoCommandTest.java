package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.nvidia.nemo.NemoConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code nemospawn nemo config show|override|diff|hash} on real files, bad input included. */
class NemoCommandTest {
  static final JsonMapper JSON = JsonMapper.builder().build();
  static final String CONFIG = """
      name: megatron_gpt
      trainer:
        devices: 8
        max_steps: 100000
      model:
        optim:
          name: fused_adam
          lr: 2e-4
          sched:
            min_lr: ${model.optim.lr}
      """;

  @TempDir
  Path dir;

  Path config;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    var cl = Main.commandLine(args);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @BeforeEach
  void writeConfig() throws Exception {
    config = Files.writeString(dir.resolve("gpt.yaml"), CONFIG);
  }

  @Test
  void showPrintsTheResolvedConfig() throws Exception {
    Run r = run(
        "nemo", "config", "show", config.toString(), "trainer.max_steps=5000", "+model.new_key=1");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("max_steps: 5000")
        .contains("new_key: 1")
        .contains("min_lr: ${model.optim.lr}");
    Run j = run("nemo", "config", "show", config.toString(), "--json", "model.optim.lr=1e-3");
    JsonNode n = JSON.readTree(j.out());
    assertThat(n.at("/model/optim/lr").doubleValue()).isEqualTo(1e-3);
    assertThat(n.at("/trainer/max_steps").intValue()).isEqualTo(100000);
    assertThat(Files.readString(config)).isEqualTo(CONFIG); // show changes nothing
  }

  @Test
  void overrideWritesAtomicallyAndRefusesToOverwrite() throws Exception {
    Path out = dir.resolve("run.yaml");
    Run r = run(
        "nemo",
        "config",
        "override",
        config.toString(),
        "trainer.max_steps=5000",
        "-o",
        out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("Wrote " + out).contains("1 changes");
    NemoConfig written = NemoConfig.read(out);
    assertThat(written.find("trainer.max_steps").orElseThrow().intValue()).isEqualTo(5000);
    String before = Files.readString(out);
    Run again = run(
        "nemo", "config", "override", config.toString(), "trainer.devices=2", "-o", out.toString());
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).contains("Refusing to overwrite " + out);
    assertThat(Files.readString(out)).isEqualTo(before);
    assertThat(run(
                "nemo",
                "config",
                "override",
                config.toString(),
                "trainer.devices=2",
                "-o",
                out.toString(),
                "--overwrite")
            .code())
        .isZero();
    assertThat(NemoConfig.read(out).find("trainer.devices").orElseThrow().intValue())
        .isEqualTo(2);
    // in place
    Run in = run(
        "nemo",
        "config",
        "override",
        config.toString(),
        "~trainer.devices",
        "--in-place",
        "--json");
    assertThat(in.code()).as(in.err()).isZero();
    assertThat(JSON.readTree(in.out()).at("/changes/0/change").asString()).isEqualTo("removed");
    assertThat(NemoConfig.read(config).find("trainer.devices")).isEmpty();
    // to standard output
    Run std = run("nemo", "config", "override", config.toString(), "name=x");
    assertThat(std.out()).startsWith("name: x\n");
    try (var s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString()).toList())
          .containsExactlyInAnyOrder("gpt.yaml", "run.yaml");
    }
  }

  @Test
  void badOverridesFailWithTheReasonAndChangeNothing() throws Exception {
    Run unknown =
        run("nemo", "config", "override", config.toString(), "trainer.max_step=1", "--in-place");
    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.err())
        .contains("Unknown key 'trainer.max_step'")
        .contains("did you mean 'trainer.max_steps'?");
    Run type = run("nemo", "config", "show", config.toString(), "trainer.max_steps=lots");
    assertThat(type.code()).isEqualTo(1);
    assertThat(type.err()).contains("it is an int (100000)").contains("++trainer.max_steps");
    assertThat(run("nemo", "config", "show", config.toString(), "trainer.max_steps=lots", "--force")
            .out())
        .contains("max_steps: lots");
    Run hostile = run("nemo", "config", "show", config.toString(), "a.$(id)\n=1");
    assertThat(hostile.code()).isEqualTo(1);
    assertThat(hostile.err()).contains("Invalid key").doesNotContain("\n=1");
    assertThat(Files.readString(config)).isEqualTo(CONFIG);
  }

  @Test
  void malformedYamlAndMissingFilesAreNamed() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "a: 1\n b: [\n");
    Run r = run("nemo", "config", "hash", bad.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains(bad + ", line 2, column").contains("malformed YAML");
    Run missing = run("nemo", "config", "show", dir.resolve("nope.yaml").toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("nope.yaml: no such file");
    Run usage = run("nemo", "config", "diff", config.toString());
    assertThat(usage.code()).isEqualTo(2);
  }

  @Test
  void diffListsTypedChanges() throws Exception {
    Path b = dir.resolve("b.yaml");
    NemoConfig.read(config)
        .apply(List.of("++trainer.devices=8.0", "~name", "+model.extra=[1,2]"))
        .write(b, false);
    Run r = run("nemo", "config", "diff", config.toString(), b.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out().lines().toList())
        .anySatisfy(l ->
            assertThat(l).matches("changed +trainer\\.devices +8 \\(int\\) +8\\.0 \\(float\\)"))
        .anySatisfy(l -> assertThat(l).matches("removed +name +megatron_gpt \\(string\\) +-"))
        .anySatisfy(l -> assertThat(l).matches("added +model\\.extra +- +\\[1,2\\] \\(list\\)"));
    JsonNode j = JSON.readTree(
        run("nemo", "config", "diff", config.toString(), b.toString(), "--json").out());
    assertThat(j).hasSize(3);
    assertThat(j.get(1).get("key").asString()).isEqualTo("trainer.devices");
    assertThat(j.get(1).get("before_type").asString()).isEqualTo("int");
    assertThat(j.get(1).get("after_type").asString()).isEqualTo("float");
    assertThat(
            run("nemo", "config", "diff", config.toString(), config.toString()).out())
        .contains("No differences.");
  }

  @Test
  void hashIsStableUnderReformatting() throws Exception {
    Path reordered = Files.writeString(
        dir.resolve("r.yaml"),
        "model: {optim: {sched: {min_lr: '${model.optim.lr}'}, lr: 0.0002, name: fused_adam}}\n"
            + "trainer: {max_steps: 100000, devices: 8}\nname: megatron_gpt\n");
    String h = run("nemo", "config", "hash", config.toString()).out().strip();
    assertThat(h).matches("[0-9a-f]{64}");
    assertThat(run("nemo", "config", "hash", reordered.toString()).out().strip())
        .isEqualTo(h);
    JsonNode j =
        JSON.readTree(run("nemo", "config", "hash", config.toString(), "--json").out());
    assertThat(j.get("hash").asString()).isEqualTo(h);
  }

  @Test
  void artifactRegisterHashesAYamlConfig() throws Exception {
    Path data = dir.resolve("data");
    Cli cli = new Cli(data);
    String team = cli.id("team", "create", "t1");
    Cli.Result r = cli.run(
        "artifact", "register", team, config.toString(), "--type", "config-patch", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(JSON.readTree(r.out()).get("nemo_config_hash").asString())
        .isEqualTo(NemoConfig.read(config).hash());
  }

  @Test
  void everyNemoCommandAnswersHelp() {
    for (String c : List.of("show", "override", "diff", "hash")) {
      Run r = run("nemo", "config", c, "--help");
      assertThat(r.code()).isZero();
      assertThat(r.out()).startsWith("Usage: nemospawn nemo config " + c);
    }
  }
}
