package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nemospawn completion bash|zsh}: the script, loaded into a real bash, registers the
 * completion and completes groups, subcommands and options.
 */
class CompletionCommandIT {
  @TempDir
  Path dir;

  /** Loads the script into bash, completes {@code line} as typed and returns the candidates. */
  List<String> complete(Path script, String line) throws IOException, InterruptedException {
    String cmd = "source " + script + " && complete -p nemospawn"
        + " && COMP_LINE='" + line + "' && COMP_POINT=${#COMP_LINE}"
        + " && read -ra COMP_WORDS <<< \"$COMP_LINE\""
        + (line.endsWith(" ") ? " && COMP_WORDS+=('')" : "")
        + " && COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))"
        + " && _complete_nemospawn && printf 'reply:%s\\n' \"${COMPREPLY[@]}\"";
    Process p = new ProcessBuilder("bash", "--norc", "--noprofile", "-c", cmd)
        .redirectErrorStream(true)
        .start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("complete -o default -F _complete_nemospawn nemospawn");
    return out.lines()
        .filter(l -> l.startsWith("reply:"))
        .map(l -> l.substring(6).strip())
        .toList();
  }

  /** Runs {@code nemospawn ARGS} in this JVM as Main.main would; returns exit code and output. */
  static String[] run(String... args) {
    var cl = Main.commandLine(args);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new String[] {Integer.toString(code), out.toString(), err.toString()};
  }

  Path script(String shell) throws IOException {
    String[] r = run("completion", shell);
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    return Files.writeString(dir.resolve("nemospawn-" + shell + ".sh"), r[1]);
  }

  @Test
  void bashScriptCompletesGroupsSubcommandsAndOptions() throws Exception {
    Path bash = script("bash");
    assertThat(complete(bash, "nemospawn t")).containsExactlyInAnyOrder("task", "team");
    assertThat(complete(bash, "nemospawn ta")).containsExactly("task");
    assertThat(complete(bash, "nemospawn task cr")).containsExactly("create");
    assertThat(complete(bash, "nemospawn team ")).contains("create", "status", "topology");
    assertThat(complete(bash, "nemospawn artifact list --so")).containsExactly("--sort");
  }

  @Test
  void zshScriptLoadsBashCompletionThroughBashcompinit() throws Exception {
    Path zsh = script("zsh");
    assertThat(Files.readString(zsh)).contains("bashcompinit");
    // The same script also works in bash, which is all this machine may have.
    assertThat(complete(zsh, "nemospawn inbox re")).containsExactly("receive");
  }

  @Test
  void unknownShellIsAUsageErrorNamingTheShells() {
    String[] r = run("completion", "fish");
    assertThat(r[0]).isEqualTo(Integer.toString(ExitCodes.USAGE));
    assertThat(r[2])
        .startsWith(
            "Unknown shell 'fish'; use bash or zsh (fish and PowerShell are not" + " supported)");
  }
}
