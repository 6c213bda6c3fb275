package io.nemospawn.cli;

import io.nemospawn.Config;
import io.nemospawn.ConfigKey;
import io.nemospawn.NemoSpawn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code nemospawn config show|get|set|health}: environment > config.json > default. */
@Command(
    name = "config",
    mixinStandardHelpOptions = true,
    description = "Shows and sets configuration (NEMOSPAWN_<KEY> > config.json > default).",
    subcommands = {
      ConfigCommand.Show.class,
      ConfigCommand.Get.class,
      ConfigCommand.Set.class,
      ConfigCommand.Health.class
    })
final class ConfigCommand {
  private ConfigCommand() {}

  static ConfigKey key(CommandSpec spec, String name) {
    return ConfigKey.find(name)
        .orElseThrow(() -> new ParameterException(
            spec.commandLine(),
            "Unknown config key '" + io.nemospawn.spi.StateFormat.printable(name)
                + "'; valid keys: "
                + Arrays.stream(ConfigKey.values())
                    .map(ConfigKey::key)
                    .collect(Collectors.joining(", "))));
  }

  static Map<String, Object> view(Config.Value v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("key", v.key().key());
    m.put("value", v.value());
    m.put("source", v.source().name().toLowerCase(Locale.ROOT));
    m.put("env", v.key().envVar());
    m.put("description", v.key().description());
    return m;
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Shows every setting and its source.")
  static final class Show extends StateSubcommand {
    @Override
    public Integer call() {
      try (NemoSpawn ns = state.open()) {
        List<Config.Value> all = ns.config().all();
        if (out.json()) {
          out.json(all.stream().map(ConfigCommand::view).toList());
        } else {
          List<List<String>> rows = new ArrayList<>();
          for (Config.Value v : all) {
            rows.add(List.of(
                v.key().key(),
                v.value().isEmpty() ? "(empty)" : v.value(),
                v.source().name().toLowerCase(Locale.ROOT),
                v.key().description()));
          }
          out.table(List.of("KEY", "VALUE", "SOURCE", "DESCRIPTION"), rows);
        }
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      description = "Prints one setting's value.")
  static final class Get extends StateSubcommand {
    @Parameters(index = "0", paramLabel = "KEY", description = "The key, e.g. web_port.")
    String key;

    @Override
    public Integer call() {
      ConfigKey k = key(spec, key);
      try (NemoSpawn ns = state.open()) {
        Config.Value v = ns.config().get(k);
        if (out.json()) {
          out.json(view(v));
        } else {
          out.println(v.value());
        }
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      description = "Writes a setting to config.json.")
  static final class Set extends StateSubcommand {
    @Parameters(index = "0", paramLabel = "KEY", description = "The key, e.g. web_port.")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE", description = "The value.")
    String value;

    @Override
    public Integer call() {
      ConfigKey k = key(spec, key);
      try (NemoSpawn ns = state.open()) {
        ns.config().set(k, value);
        Config.Value v = ns.config().get(k);
        if (out.json()) {
          out.json(view(v));
        } else {
          out.println(k.key() + " = " + value);
          if (v.source() == Config.Source.ENV) {
            out.err().println("Warning: " + k.envVar() + " is set and still wins: " + v.value());
            out.err().flush();
          }
        }
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "health",
      mixinStandardHelpOptions = true,
      description =
          "Runs diagnostics (data dir writable, config valid, tmux and git present); exit 1 if one fails.")
  static final class Health extends StateSubcommand {
    @Override
    public Integer call() {
      try (NemoSpawn ns = state.open()) {
        List<Config.HealthCheck> checks = ns.config().health();
        boolean ok = checks.stream().allMatch(Config.HealthCheck::ok);
        if (out.json()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("ok", ok);
          List<Map<String, Object>> list = new ArrayList<>();
          for (Config.HealthCheck c : checks) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("check", c.name());
            e.put("ok", c.ok());
            e.put("detail", c.detail());
            list.add(e);
          }
          m.put("checks", list);
          out.json(m);
        } else {
          List<List<String>> rows = new ArrayList<>();
          for (Config.HealthCheck c : checks) {
            rows.add(List.of(c.ok() ? "PASS" : "FAIL", c.name(), c.detail()));
          }
          out.table(List.of("RESULT", "CHECK", "DETAIL"), rows);
          out.println(ok ? "All checks passed" : "Some checks failed; see DETAIL for the fix");
        }
        return ok ? ExitCodes.OK : ExitCodes.FAILURE;
      }
    }
  }
}
