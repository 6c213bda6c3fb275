package io.nemospawn.junit;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.apiguardian.api.API;

/**
 * A protocol-true fake agent for tests and demos: a real process that reads its {@code
 * NEMOSPAWN_*} environment and coordination prompt and plays the coordination protocol through
 * the real {@code nemospawn} CLI (claims tasks, reports progress and {@code val_loss}, sends
 * messages, submits a plan and waits for its review, goes idle, asks to shut down and honours the
 * decision), with scriptable faults.
 *
 * <pre>{@code
 * Agent w = team.spawn(AgentSpec.builder("w1")
 *     .command(FakeAgents.command("--plan"))
 *     .env(FakeAgents.CLI_ENV, "/opt/nemospawn/bin/nemospawn")
 *     .env(FakeAgents.FAULTS_ENV, "fail-task")
 *     .build());
 * }</pre>
 *
 * <p>Arguments: {@code --print-env} (print the environment and prompt check, then exit), {@code
 * --plan} (submit a plan first and wait for its review), {@code --dag N} (as leader: create N
 * training tasks and an evaluation after them, review plans and shutdown requests, exit when the
 * team is done), {@code --work-ms MS} (time a task takes), {@code --pause S} (longest wait for a
 * message between steps, default 3). Environment: {@link #CLI_ENV} (the CLI
 * command, split on spaces; default {@code nemospawn}), {@link #FAULTS_ENV} (comma-separated:
 * {@code fail-task}, {@code hang}, {@code die}, {@code ignore-messages}), {@link #DEADLINE_ENV}
 * (seconds before it gives up; default 300). Also runnable as {@code bin/nemospawn-fake-agent}.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class FakeAgents {
  /** The variable naming the CLI command the fake agent runs. */
  public static final String CLI_ENV = "NEMOSPAWN_CLI";
  /** The variable listing faults to play. */
  public static final String FAULTS_ENV = "NEMOSPAWN_FAKE_FAULTS";
  /** The variable giving the fake agent's overall deadline in seconds. */
  public static final String DEADLINE_ENV = "NEMOSPAWN_FAKE_DEADLINE";
  /** The fake agent's main class. */
  public static final String MAIN = "io.nemospawn.junit.internal.FakeAgent";

  private FakeAgents() {}

  /** Returns the command that runs the fake agent with this JVM and class path. */
  public static List<String> command(String... args) {
    List<String> argv = new ArrayList<>(javaCommand());
    argv.add(MAIN);
    argv.addAll(List.of(args));
    return argv;
  }

  /** Returns {@code java -cp <this class path>} with fast start-up options, for helpers. */
  public static List<String> javaCommand() {
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    return new ArrayList<>(List.of(
        java,
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        "-Xshare:auto",
        "-cp",
        System.getProperty("java.class.path")));
  }
}
