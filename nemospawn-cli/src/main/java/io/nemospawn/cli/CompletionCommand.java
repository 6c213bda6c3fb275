package io.nemospawn.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nemospawn completion bash|zsh}: prints a shell completion script for every command,
 * option and enumerated value. The script is picocli's bash completion; in zsh it loads itself
 * through {@code bashcompinit}.
 */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description = {
      "Prints a shell completion script for nemospawn's commands and options.",
      "bash: add to ~/.bashrc:  source <(nemospawn completion bash)",
      "zsh:  add to ~/.zshrc:   source <(nemospawn completion zsh)  (uses bashcompinit)"
    })
final class CompletionCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SHELL", description = "bash or zsh.")
  String shell;

  @Override
  public Integer call() {
    String s = shell.trim().toLowerCase(Locale.ROOT);
    if (!s.equals("bash") && !s.equals("zsh")) {
      throw new ParameterException(
          spec.commandLine(),
          "Unknown shell '" + shell + "'; use bash or zsh (fish and PowerShell are not supported)");
    }
    // The whole tree, not only this group: Main builds just the group named on the command line.
    String script = AutoComplete.bash("nemospawn", Main.commandLine());
    var out = spec.commandLine().getOut();
    out.print(script);
    out.flush();
    return ExitCodes.OK;
  }
}
