package io.nemospawn.cli;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.Listing;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentKind;
import io.nemospawn.agent.Check;
import io.nemospawn.agent.Profile;
import io.nemospawn.core.FileTrees;
import io.nemospawn.spi.Durability;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code nemospawn profile list|show|create|delete|wizard|doctor|test}: agent profiles. */
@Command(
    name = "profile",
    mixinStandardHelpOptions = true,
    description = "Manages agent profiles (which agent CLI, command, model, key, environment).",
    subcommands = {
      ProfileCommand.ListCmd.class,
      ProfileCommand.ShowCmd.class,
      ProfileCommand.CreateCmd.class,
      ProfileCommand.DeleteCmd.class,
      ProfileCommand.WizardCmd.class,
      ProfileCommand.DoctorCmd.class,
      ProfileCommand.TestCmd.class
    })
final class ProfileCommand {

  /** What a hidden environment value prints as. */
  static final String HIDDEN = "******";

  /** Returns a profile's fields, its environment values hidden (they may be keys). */
  static Map<String, Object> map(Profile p) {
    return map(p, false);
  }

  /**
   * Returns a profile's fields; environment values (often keys) only when {@code showSecrets},
   * else {@value #HIDDEN} for each non-empty value.
   */
  static Map<String, Object> map(Profile p, boolean showSecrets) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", p.name());
    m.put("agent", p.agent());
    m.put("command", p.command());
    m.put("model", p.model());
    m.put("base_url", p.baseUrl());
    m.put("auth_env", p.authEnv());
    Map<String, String> env = new TreeMap<>(); // sorted: the profile's map has no stable order
    p.env().forEach((k, v) -> env.put(k, showSecrets || v.isEmpty() ? v : HIDDEN));
    m.put("env", env);
    m.put("args", p.args());
    m.put("description", p.description());
    m.put("network", p.network());
    return m;
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists stored profiles and the supported agent CLIs.")
  static final class ListCmd extends StateSubcommand {
    @Override
    public Integer call() {
      try (NemoSpawn ns = state.open()) {
        List<Profile> stored = ns.profiles().list().items();
        List<AgentKind> kinds = ns.profiles().agentKinds();
        if (out.json()) {
          out.json(Map.of(
              "profiles",
              stored.stream().map(ProfileCommand::map).toList(),
              "agents",
              kinds.stream()
                  .map(k -> Map.of(
                      "name",
                      k.name(),
                      "command",
                      k.command(),
                      "prompt",
                      k.promptVia(),
                      "auth_env",
                      k.authEnv(),
                      "docs",
                      k.docs()))
                  .toList()));
          return ExitCodes.OK;
        }
        out.table(
            List.of("PROFILE", "AGENT", "COMMAND", "MODEL", "DESCRIPTION"),
            stored.stream()
                .map(p -> List.of(p.name(), p.agent(), p.command(), p.model(), p.description()))
                .toList());
        out.println("");
        out.table(
            List.of("AGENT CLI", "COMMAND", "PROMPT", "AUTH"),
            kinds.stream()
                .map(k ->
                    List.of(k.name(), k.command(), k.promptVia(), String.join(" | ", k.authEnv())))
                .toList());
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Shows a profile.")
  static final class ShowCmd extends StateSubcommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(
        names = "--show-secrets",
        description = "Prints the environment values (often keys) instead of " + HIDDEN + ".")
    boolean showSecrets;

    @Override
    public Integer call() {
      try (NemoSpawn ns = state.open()) {
        Map<String, Object> m = map(ns.profiles().get(name), showSecrets);
        if (out.json()) {
          out.json(m);
        } else {
          m.forEach((k, v) -> out.println(k + ": " + v));
        }
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Stores a profile.")
  static final class CreateCmd extends StateSubcommand {
    @Parameters(
        index = "0",
        arity = "0..1",
        paramLabel = "NAME",
        description = "Profile name (or give --name, as NemoSpawn 1.0).")
    @Nullable
    String positional;

    @Option(
        names = "--name",
        paramLabel = "NAME",
        description = "Profile name, as NemoSpawn 1.0 takes it (same as the positional NAME).")
    @Nullable
    String nameOption;

    @Option(
        names = "--agent",
        defaultValue = "claude",
        paramLabel = "AGENT",
        description = "claude, codex, kimi, cursor, nanobot, aider, opencode, github-copilot-cli"
            + " (or copilot) or custom (default: ${DEFAULT-VALUE}).")
    String agent;

    @Option(
        names = "--command",
        defaultValue = "",
        paramLabel = "PROGRAM",
        description = "CLI command to invoke (default: the agent's own, e.g. claude).")
    String command;

    @Option(
        names = "--model",
        defaultValue = "",
        paramLabel = "MODEL",
        description = "LLM model name, passed with the agent's model flag.")
    String model;

    @Option(
        names = "--base-url",
        defaultValue = "",
        paramLabel = "URL",
        description = "API base URL, set in the agent's base-URL variable.")
    String baseUrl;

    @Option(
        names = "--auth-env",
        defaultValue = "",
        paramLabel = "VAR",
        description = "Environment variable holding the API key.")
    String authEnv;

    @Option(names = "--env", paramLabel = "VAR=VALUE")
    Map<String, String> env = new LinkedHashMap<>();

    @Option(
        names = "--arg",
        paramLabel = "ARG",
        description = "Extra argument (custom: {prompt_file}, {task}, {model} are replaced).")
    List<String> args = new ArrayList<>();

    @Option(
        names = {"-d", "--description"},
        defaultValue = "",
        paramLabel = "TEXT",
        description = "Profile description.")
    String description;

    @Option(
        names = "--network",
        description = "Let sandboxed agents of this profile use the network.")
    boolean network;

    @Override
    public Integer call() {
      if (positional != null && nameOption != null && !positional.equals(nameOption)) {
        throw new ParameterException(
            spec.commandLine(),
            "Two names given: NAME '" + positional + "' and --name '" + nameOption + "'; give one");
      }
      String name = positional != null ? positional : nameOption;
      if (name == null) {
        throw new ParameterException(
            spec.commandLine(), "Missing profile name: give NAME or --name NAME");
      }
      try (NemoSpawn ns = state.open()) {
        Profile p = ns.profiles()
            .create(new Profile(
                name, agent, command, model, baseUrl, authEnv, env, args, description, network));
        if (out.json()) {
          out.json(map(p));
        } else {
          out.println("Created profile " + p.name() + " (" + p.agent() + ")");
        }
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes a profile.")
  static final class DeleteCmd extends StateSubcommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      try (NemoSpawn ns = state.open()) {
        ns.profiles().delete(name);
        out.println(out.json() ? "{\"deleted\": true}" : "Deleted profile " + name);
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "wizard",
      mixinStandardHelpOptions = true,
      description = "Creates a profile by asking questions on the terminal.")
  static final class WizardCmd extends StateSubcommand {
    @Override
    public Integer call() throws IOException {
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      try (NemoSpawn ns = state.open()) {
        List<String> kinds =
            ns.profiles().agentKinds().stream().map(AgentKind::name).toList();
        String name = ask(in, "Profile name", "");
        String agent = ask(in, "Agent CLI " + kinds, "claude");
        while (!kinds.contains(agent)) {
          out.println("Unknown agent '" + agent + "'; choose one of " + kinds);
          agent = ask(in, "Agent CLI " + kinds, "claude");
        }
        String a = agent;
        AgentKind chosen = ns.profiles().agentKinds().stream()
            .filter(k -> k.name().equals(a))
            .findFirst()
            .orElseThrow();
        String command = ask(in, "Command", chosen.command());
        String model = ask(in, "Model (empty: the CLI's default)", "");
        String baseUrl = ask(in, "API base URL (empty: default)", "");
        String authEnv = ask(
            in,
            "Variable holding the API key",
            chosen.authEnv().isEmpty() ? "" : chosen.authEnv().get(0));
        String description = ask(in, "Description", "");
        Profile p = ns.profiles()
            .create(new Profile(
                name,
                agent,
                command,
                model,
                baseUrl,
                authEnv,
                Map.of(),
                List.of(),
                description,
                false));
        out.println("Created profile " + p.name() + " (" + p.agent() + "); check it with:"
            + " nemospawn profile doctor " + p.name());
      }
      return ExitCodes.OK;
    }

    private String ask(BufferedReader in, String question, String dflt) throws IOException {
      out.out().print(question + (dflt.isEmpty() ? "" : " [" + dflt + "]") + ": ");
      out.out().flush();
      String line = in.readLine();
      if (line == null) {
        throw new IllegalStateException("The wizard needs answers on standard input; none came"
            + " (use 'nemospawn profile create' in scripts)");
      }
      return line.isBlank() ? dflt : line.strip();
    }
  }

  @Command(
      name = "doctor",
      mixinStandardHelpOptions = true,
      description = "Checks a profile's command, its --version and its auth variable.")
  static final class DoctorCmd extends StateSubcommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      try (NemoSpawn ns = state.open()) {
        List<Check> checks = ns.profiles().doctor(name);
        if (out.json()) {
          out.json(checks.stream()
              .map(c -> Map.of("check", c.what(), "ok", c.ok(), "detail", c.detail()))
              .toList());
        } else {
          out.table(
              List.of("CHECK", "OK", "DETAIL"),
              checks.stream()
                  .map(c -> List.of(c.what(), c.ok() ? "yes" : "NO", c.detail()))
                  .toList());
        }
        return checks.stream().allMatch(Check::ok) ? ExitCodes.OK : ExitCodes.FAILURE;
      }
    }
  }

  @Command(
      name = "test",
      mixinStandardHelpOptions = true,
      description = "Smoke-starts a profile's agent in a throwaway team and reports.")
  static final class TestCmd extends StateSubcommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(
        names = "--timeout",
        defaultValue = "30",
        paramLabel = "SECONDS",
        description = "Seconds to let it run (default: ${DEFAULT-VALUE}).")
    long timeout;

    @Option(
        names = "--runtime",
        defaultValue = "process",
        paramLabel = "RUNTIME",
        description = "Runtime for the smoke start (default: ${DEFAULT-VALUE}).")
    String runtime;

    @Override
    public Integer call() throws IOException, InterruptedException {
      Profile p;
      try (NemoSpawn ns = state.open()) {
        p = ns.profiles().get(name);
      }
      Path tmp = Files.createTempDirectory("nemospawn-profile-test-");
      try (NemoSpawn scratch =
          NemoSpawn.builder().dataDir(tmp).durability(Durability.NONE).open()) {
        Path profiles = tmp.resolve("profiles");
        Files.createDirectories(profiles);
        scratch.profiles().create(p);
        Team t = scratch.newTeam("profile-test").create();
        Agent a = t.spawn(AgentSpec.builder("smoke")
            .profile(p.name())
            .runtime(runtime)
            .task("This is a smoke test of your start-up: reply with the single word OK and stop.")
            .build());
        boolean exited = a.awaitExit(Duration.ofSeconds(timeout));
        String log = Files.exists(a.logFile()) ? Files.readString(a.logFile()) : "";
        List<String> lines = log.lines().toList();
        String tail =
            String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        int code = a.exitCode().orElse(-1);
        if (!exited) {
          a.stop(Duration.ofSeconds(5));
        }
        boolean ok = !exited || code == 0;
        if (out.json()) {
          out.json(Map.of(
              "profile",
              p.name(),
              "started",
              true,
              "exited",
              exited,
              "exit_code",
              code,
              "ok",
              ok,
              "log_tail",
              tail));
        } else {
          out.println("Profile " + p.name() + ": started (pid " + a.info().pid() + "), "
              + (exited
                  ? "exited with code " + code
                  : "still running after " + timeout + " s, stopped")
              + (ok ? " — OK" : " — FAILED"));
          out.println("--- last lines of its output ---");
          out.text(tail);
        }
        return ok ? ExitCodes.OK : ExitCodes.FAILURE;
      } finally {
        List<Listing.Problem> left = FileTrees.delete(tmp);
        if (!left.isEmpty()) {
          out.println("Could not delete all of " + tmp + ": " + left);
        }
      }
    }
  }
}
