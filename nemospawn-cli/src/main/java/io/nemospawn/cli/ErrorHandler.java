package io.nemospawn.cli;

import io.nemospawn.spi.StateFormat;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Turns an exception from a command into one line on standard error and exit code 1; the stack
 * trace only with {@code -v}. Misuse (bad values, unknown ids, illegal transitions) and failures
 * of the environment are both reported by their message, which names the value and the fix.
 *
 * <p>Messages quote values from users and state files, so what could act on a terminal in them
 * is escaped first, as {@link Output} does for all human output; {@link Usage} does the same for
 * picocli's usage errors.
 */
final class ErrorHandler implements IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parsed) {
    boolean verbose = parsed.hasMatchedOption("-v") || isVerbose(parsed);
    PrintWriter err = cl.getErr();
    String message = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
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
