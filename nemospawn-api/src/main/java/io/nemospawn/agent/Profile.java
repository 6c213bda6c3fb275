package io.nemospawn.agent;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * An agent profile, {@code D/profiles/<name>.json}: which adapter, which command, model, endpoint,
 * the variable holding its key, extra environment and arguments.
 *
 * @param name the profile's name
 * @param agent the adapter: claude, codex, kimi, cursor, nanobot, aider, opencode,
 *     github-copilot-cli or custom
 * @param command the program; empty means the adapter's default
 * @param model the model, or empty for the CLI's default
 * @param baseUrl an API endpoint, or empty
 * @param authEnv the environment variable holding the API key, or empty
 * @param env extra environment variables
 * @param args extra arguments (for custom: the arguments, with {@code {prompt_file}}, {@code
 *     {task}}, {@code {model}} placeholders)
 * @param description free text
 * @param network whether a sandboxed agent of this profile may use the network
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record Profile(
    String name,
    String agent,
    String command,
    String model,
    String baseUrl,
    String authEnv,
    Map<String, String> env,
    List<String> args,
    String description,
    boolean network) {
  /** Validates and copies. */
  public Profile {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(agent, "agent");
    command = command == null ? "" : command;
    model = model == null ? "" : model;
    baseUrl = baseUrl == null ? "" : baseUrl;
    authEnv = authEnv == null ? "" : authEnv;
    env = Map.copyOf(env);
    args = List.copyOf(args);
    description = description == null ? "" : description;
  }

  /** Returns a copy with another command. */
  public Profile withCommand(String newCommand) {
    return new Profile(
        name, agent, newCommand, model, baseUrl, authEnv, env, args, description, network);
  }
}
