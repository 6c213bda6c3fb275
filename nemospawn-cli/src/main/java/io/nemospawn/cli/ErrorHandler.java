package io.nemospawn.cli;

import io.nemospawn.ConfigKey;
import io.nemospawn.InvalidSettingException;
import io.nemospawn.Remedied;
import io.nemospawn.spi.StateFormat;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Turns an exception from a command into one line on standard error and exit code 1; the stack
 * trace only with {@code -v}. Misuse (bad values, unknown ids, illegal transitions) and failures
 * of the environment are both reported by their message, which names the value and the fix.
 *
 * <p>The library's messages name values and settings as a Java caller knows them; where the
 * failure is an {@link InvalidSettingException} (or has one as a cause) this handler adds how to
 * set each setting on the command line: the failing command's own flag ({@link #FLAGS}), else the
 * {@code nemospawn config set} line of a configuration setting. Where the failure is {@link
 * Remedied} (unknown ids, a task owned by another agent, a study that does not exist), it adds the
 * command that does the library's remedy ({@link #remedy}).
 *
 * <p>Messages quote values from users and state files, so what could act on a terminal in them
 * is escaped first, as {@link Output} does for all human output; {@link Usage} does the same for
 * picocli's usage errors.
 */
final class ErrorHandler implements IExecutionExceptionHandler {
  /**
   * The flags that set each library setting ({@link InvalidSettingException#settings()}), tried
   * in order; a hint names the first one the failing command has.
   */
  static final Map<String, List<String>> FLAGS = Map.ofEntries(
      Map.entry("repo", List.of("--repo")),
      Map.entry("command", List.of("--agent-cmd", "--command")),
      Map.entry("profile", List.of("--profile")),
      Map.entry("runtime", List.of("--runtime")),
      Map.entry("gpus", List.of("--gpu", "--gpus")),
      Map.entry("shareGpus", List.of("--share-gpus")),
      Map.entry("gpuCount", List.of("--gpus")),
      Map.entry("teamGpus", List.of("--gpus")),
      Map.entry("lease", List.of("--lease")),
      Map.entry("title", List.of("--title")),
      Map.entry("target", List.of("--target")),
      Map.entry(ConfigKey.DATA_DIR.key(), List.of("--data-dir")));

  @Override
  public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parsed) {
    boolean verbose = parsed.hasMatchedOption("-v") || isVerbose(parsed);
    PrintWriter err = cl.getErr();
    String message = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
    String hint = hint(ex, cl);
    if (hint.isEmpty()) {
      hint = remedyCause(ex).map(ErrorHandler::remedy).orElse("");
    }
    if (!hint.isEmpty()) {
      message += message.endsWith(".")
          ? " On the command line: " + hint + "."
          : " (on the command line: " + hint + ")";
    }
    err.println(cl.getColorScheme().errorText(line("Error: " + message)));
    if (verbose) {
      PrintWriter safe = Output.displayWriter(err);
      ex.printStackTrace(safe);
      safe.flush();
    }
    err.flush();
    return ExitCodes.FAILURE;
  }

  /**
   * Returns how to set, on the command line, the settings an {@link InvalidSettingException} in
   * {@code ex}'s cause chain names: {@code "--repo PATH, or nemospawn config set workspace
   * VALUE"}; empty when there is none or the command sets none of them.
   */
  static String hint(Throwable ex, CommandLine cl) {
    Optional<InvalidSettingException> invalid = settingCause(ex);
    if (invalid.isEmpty()) {
      return "";
    }
    List<String> ways = new ArrayList<>();
    for (String setting : invalid.get().settings()) {
      Optional<String> flag = FLAGS.getOrDefault(setting, List.of()).stream()
          .map(f -> cl.getCommandSpec().findOption(f))
          .filter(o -> o != null)
          .findFirst()
          .map(ErrorHandler::usage);
      Optional<ConfigKey> key = ConfigKey.find(setting).filter(k -> k != ConfigKey.DATA_DIR);
      if (flag.isPresent()) {
        ways.add(flag.get());
      } else if (key.isPresent()) {
        ways.add("nemospawn config set " + key.get().key() + " VALUE");
      }
    }
    if (ways.isEmpty()) {
      return "";
    }
    String last = ways.remove(ways.size() - 1);
    return ways.isEmpty() ? last : String.join(", ", ways) + ", or " + last;
  }

  /** Returns the command line that does a library remedy. */
  static String remedy(Remedied.Remedy r) {
    String team = r.teamId().isEmpty() ? "TEAM" : r.teamId();
    return switch (r.action()) {
      case LIST_TASKS -> "nemospawn task list --team " + team;
      case CREATE_TEAM -> "nemospawn team create NAME";
      case SUBMIT_PLAN -> "nemospawn plan submit --team " + team + " --agent AGENT --title T";
      case REGISTER_ARTIFACT -> "nemospawn artifact register " + team + " PATH --type T";
      case CREATE_PROFILE -> "nemospawn profile create --name NAME --agent AGENT";
      case DELETE_PROFILE -> "nemospawn profile delete " + r.subject();
      case REASSIGN_TASK ->
        "nemospawn task update " + team + " " + r.subject() + " --owner " + r.detail();
      case CLAIM_TASK -> "nemospawn task claim " + team + " " + r.subject();
      case STOP_AGENT -> "nemospawn spawn kill --team " + team + " --agent " + r.subject();
      case CREATE_STUDY -> "nemospawn hpo init --study " + r.subject() + " --hpo-file F";
      case LIST_TEMPLATES -> "nemospawn launch templates";
    };
  }

  private static Optional<Remedied.Remedy> remedyCause(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof Remedied r) {
        return Optional.of(r.remedy());
      }
    }
    return Optional.empty();
  }

  private static String usage(OptionSpec o) {
    return o.longestName() + (o.arity().max() > 0 ? " " + o.paramLabel() : "");
  }

  private static Optional<InvalidSettingException> settingCause(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof InvalidSettingException i) {
        return Optional.of(i);
      }
    }
    return Optional.empty();
  }

  /**
   * Returns a message as one inert line: line breaks become spaces, other control and format
   * characters visible escapes.
   */
  static String line(String message) {
    return StateFormat.displayable(message.replace('\n', ' '), false);
  }

  private static boolean isVerbose(ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Reports a usage error as picocli does (the message, then suggestions or the usage help; exit
   * code 2), with the message, which quotes the argument given, escaped.
   */
  static final class Usage implements IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException ex, String[] args) {
      CommandLine cl = ex.getCommandLine();
      PrintWriter err = cl.getErr();
      String message = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
      err.println(cl.getColorScheme().errorText(line(message)));
      PrintWriter safe = Output.displayWriter(err);
      boolean suggested = UnmatchedArgumentException.printSuggestions(ex, safe);
      safe.flush();
      if (!suggested) {
        cl.usage(err, cl.getColorScheme());
      }
      err.flush();
      return cl.getExitCodeExceptionMapper() != null
          ? cl.getExitCodeExceptionMapper().getExitCode(ex)
          : cl.getCommandSpec().exitCodeOnInvalidInput();
    }
  }
}
