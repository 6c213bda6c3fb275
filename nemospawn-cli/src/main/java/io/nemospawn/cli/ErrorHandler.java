package io.nemospawn.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns an exception from a command into one line on standard error and exit code 1; the stack
 * trace only with {@code -v}. Misuse (bad values, unknown ids, illegal transitions) and failures
 * of the environment are both reported by their message, which names the value and the fix.
 */
final class ErrorHandler implements IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parsed) {
    boolean verbose = parsed.hasMatchedOption("-v") || isVerbose(parsed);
    var err = cl.getErr();
    String message = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
    err.println(cl.getColorScheme().errorText("Error: " + message.replace('\n', ' ')));
    if (verbose) {
      ex.printStackTrace(err);
    }
    err.flush();
    return ExitCodes.FAILURE;
  }

  private static boolean isVerbose(ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }
}
