package io.nemospawn.cli;

import io.nemospawn.nvidia.nemo.NemoConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code nemospawn nemo config show|override|diff|hash}: NeMo YAML configs and their overrides. */
@Command(
    name = "nemo",
    mixinStandardHelpOptions = true,
    description = "NeMo configs: Hydra-style overrides typed against the config, diff and hash.",
    subcommands = {NemoCommand.ConfigGroup.class})
final class NemoCommand {
  private NemoCommand() {}

  static final String OVERRIDES = "Hydra-style overrides, applied in order: key=value (the key"
      + " must exist; the value keeps its type), +key=value (add), ++key=value (set or add, any"
      + " type), ~key or ~key=value (delete); list elements by index (a.b.0=x).";

  /** {@code nemo config}: the config subcommands. */
  @Command(
      name = "config",
      mixinStandardHelpOptions = true,
      description = "Shows, overrides, diffs and hashes NeMo YAML configs.",
      subcommands = {Show.class, OverrideFile.class, Diff.class, Hash.class})
  static final class ConfigGroup {}

  /** Reads a config and applies overrides. */
  abstract static class WithOverrides implements Callable<Integer> {
    @Mixin
    Output out;

    @Parameters(index = "0", paramLabel = "FILE", description = "The NeMo YAML config.")
    Path file;

    @Parameters(index = "1..*", paramLabel = "OVERRIDE", description = OVERRIDES)
    List<String> overrides = new ArrayList<>();

    @Option(
        names = "--force",
        description = "Let every override change a value's type, as ++ does.")
    boolean force;

    NemoConfig resolved() {
      return NemoConfig.read(file).apply(overrides, force);
    }
  }

  @Command(
      name = "show",
      description = "Prints the config after the overrides: YAML, or JSON with --json.")
  static final class Show extends WithOverrides {
    @Override
    public Integer call() {
      NemoConfig c = resolved();
      if (out.json()) {
        out.json(c.tree());
      } else {
        out.text(c.toYaml().stripTrailing());
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "override",
      description = "Applies overrides and writes the result: to -o OUT (never replacing a file"
          + " unless --overwrite), back to FILE with --in-place, else to standard output."
          + " Writes are atomic.")
  static final class OverrideFile extends WithOverrides {
    @ArgGroup(exclusive = true)
    @Nullable
    Target target;

    static final class Target {
      @Option(
          names = {"-o", "--output"},
          paramLabel = "OUT",
          description = "Write the result to this file.")
      @Nullable
      Path output;

      @Option(names = "--in-place", description = "Replace FILE with the result.")
      boolean inPlace;
    }

    @Option(names = "--overwrite", description = "Let -o replace an existing file.")
    boolean overwrite;

    @Override
    public Integer call() {
      NemoConfig before = NemoConfig.read(file);
      NemoConfig c = before.apply(overrides, force);
      Target t = target;
      Path dest = t == null ? null : t.inPlace ? file : t.output;
      if (t == null || dest == null) {
        out.text(c.toYaml().stripTrailing());
        return ExitCodes.OK;
      }
      c.write(dest, overwrite || t.inPlace);
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", dest.toAbsolutePath().toString());
        m.put("hash", c.hash());
        m.put("changes", before.diff(c).stream().map(NemoCommand::change).toList());
        out.json(m);
      } else {
        out.println("Wrote " + dest.toAbsolutePath() + " (" + before.diff(c).size()
            + " changes, hash " + c.hash() + ")");
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "diff",
      description = "Lists the key paths added, removed and changed from A to B, with types.")
  static final class Diff implements Callable<Integer> {
    @Mixin
    Output out;

    @Parameters(index = "0", paramLabel = "A", description = "The first config.")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "The second config.")
    Path b;

    @Override
    public Integer call() {
      List<NemoConfig.Change> d = NemoConfig.read(a).diff(NemoConfig.read(b));
      if (out.json()) {
        out.json(d.stream().map(NemoCommand::change).toList());
      } else if (d.isEmpty()) {
        out.println("No differences.");
      } else {
        List<List<String>> rows = new ArrayList<>();
        for (NemoConfig.Change c : d) {
          rows.add(List.of(
              c.kind().name().toLowerCase(Locale.ROOT),
              c.path(),
              value(c.before()),
              value(c.after())));
        }
        out.table(List.of("CHANGE", "KEY", "BEFORE", "AFTER"), rows);
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "hash",
      description = "Prints the config hash: SHA-256 of its canonical form (sorted keys,"
          + " normalised numbers), the same however the YAML is laid out.")
  static final class Hash implements Callable<Integer> {
    @Mixin
    Output out;

    @Parameters(index = "0", paramLabel = "FILE", description = "The NeMo YAML config.")
    Path file;

    @Override
    public Integer call() {
      NemoConfig c = NemoConfig.read(file);
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", file.toAbsolutePath().toString());
        m.put("hash", c.hash());
        m.put("values", c.leafCount());
        out.json(m);
      } else {
        out.println(c.hash());
      }
      return ExitCodes.OK;
    }
  }

  static Map<String, Object> change(NemoConfig.Change c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("key", c.path());
    m.put("change", c.kind().name().toLowerCase(Locale.ROOT));
    m.put("before", c.before());
    m.put("before_type", NemoConfig.Change.type(c.before()));
    m.put("after", c.after());
    m.put("after_type", NemoConfig.Change.type(c.after()));
    return m;
  }

  /** A value in a table cell: JSON with its type, "-" when absent. */
  static String value(@Nullable JsonNode n) {
    if (n == null) {
      return "-";
    }
    String t = NemoConfig.Change.type(n);
    String s = n.isString() ? n.asString() : n.toString();
    if (s.length() > 60) {
      s = s.substring(0, 57) + "...";
    }
    return s + " (" + t + ")";
  }
}
