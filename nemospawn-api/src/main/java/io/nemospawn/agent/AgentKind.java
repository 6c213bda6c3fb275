package io.nemospawn.agent;

import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * A supported agent CLI (an adapter): how NemoSpawn starts it and hands it its prompt.
 *
 * @param name the name profiles use: {@code claude}, {@code codex}, …, {@code custom}
 * @param command the default program
 * @param promptVia how the coordination prompt reaches it, in words
 * @param authEnv the variables that may hold its key, preferred first; empty when it uses its own
 *     login
 * @param docs the documentation its flags follow
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record AgentKind(
    String name, String command, String promptVia, List<String> authEnv, String docs) {
  /** Validates and copies. */
  public AgentKind {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(promptVia, "promptVia");
    authEnv = List.copyOf(authEnv);
    Objects.requireNonNull(docs, "docs");
  }
}
