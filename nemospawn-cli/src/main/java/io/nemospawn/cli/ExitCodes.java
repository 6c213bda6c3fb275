package io.nemospawn.cli;

/** Stable exit codes of every command. */
public final class ExitCodes {
  /** The command did what was asked. */
  public static final int OK = 0;

  /** The command failed; the message says why. Also: a wait timed out, a trial was pruned. */
  public static final int FAILURE = 1;

  /** The command line was wrong: unknown option, missing argument. */
  public static final int USAGE = 2;

  private ExitCodes() {}
}
