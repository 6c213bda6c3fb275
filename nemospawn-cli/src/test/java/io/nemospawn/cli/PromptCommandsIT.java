package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.Agent;
import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.spi.Durability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every {@code nemospawn …} line of a generated coordination prompt (leader and worker) and of the
 * skill parses against the real command tree, and nothing that waits lacks a timeout.
 */
class PromptCommandsIT {
  static final CommandLine TREE = Main.commandLine();

  @TempDir
  Path dir;

  /** Splits a sh command line of plain words and double-quoted words. */
  static List<String> words(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    boolean quoted = false;
    boolean any = false;
    for (char c : line.toCharArray()) {
      if (c == '"') {
        quoted = !quoted;
        any = true;
      } else if (c == ' ' && !quoted) {
        if (any) {
          out.add(w.toString());
        }
        w.setLength(0);
        any = false;
      } else {
        w.append(c);
        any = true;
      }
    }
    if (any) {
      out.add(w.toString());
    }
    return out;
  }

  static void assertParses(String line) {
    assertThat(line).startsWith("nemospawn ");
    List<String> args = words(line).subList(1, words(line).size());
    CommandLine.ParseResult r = TREE.parseArgs(args.toArray(String[]::new));
    assertThat(r.subcommand()).as(line).isNotNull();
    assertThat(r.subcommand().subcommand()).as(line).isNotNull();
    boolean waits = args.contains("--wait") || args.get(1).equals("wait");
    if (waits) {
      assertThat(args).as("a waiting command needs --timeout: " + line).contains("--timeout");
    }
  }

  /**
   * Whether a line uses NemoSpawn 1.0's form: the team first for the groups where 1.0 takes it
   * positionally (task, inbox), {@code --team} for the others, never {@code -t}.
   */
  static boolean teachesOneForm(String line) {
    List<String> w = words(line);
    String group = w.get(1);
    boolean positional = group.equals("task") || group.equals("inbox");
    return !w.contains("-t") && (positional ? !w.contains("--team") : w.contains("--team"));
  }

  static List<String> commandLines(String markdown) {
    return markdown.lines().filter(l -> l.startsWith("nemospawn ")).toList();
  }

  @Test
  void everyPromptCommandExistsAndNoneWaitsForever() throws Exception {
    try (NemoSpawn ns =
        NemoSpawn.builder().dataDir(dir).durability(Durability.NONE).open()) {
      Team team = ns.newTeam("prompt").gpus(0, 1).create();
      Agent lead = team.spawn(AgentSpec.builder("lead")
          .role("leader")
          .runtime("process")
          .gpus(0)
          .task("Plan the sweep")
          .command("true")
          .build());
      Agent worker = team.spawn(AgentSpec.builder("w1")
          .runtime("process")
          .gpus(1)
          .task("Train \"it\" now")
          .command("true")
          .build());
      String leaderPrompt = Files.readString(team.dir().resolve("prompts/" + lead.id() + ".md"));
      String workerPrompt = Files.readString(team.dir().resolve("prompts/" + worker.id() + ".md"));
      assertThat(leaderPrompt)
          .contains("You are agent `lead` (id `" + lead.id() + "`), role `leader`, in team"
              + " `prompt` (id `" + team.id() + "`).")
          .contains("- GPUs: [0] (CUDA_VISIBLE_DEVICES=0)")
          .contains("## You lead this team")
          .contains("Plan the sweep")
          .contains("nemospawn task claim " + team.id() + " TASK_ID --agent " + lead.id())
          .contains("nemospawn inbox receive " + team.id() + " " + lead.id() + " --wait")
          .contains("nemospawn plan approve --team " + team.id() + " --plan PLAN_ID --reviewer "
              + lead.id());
      assertThat(workerPrompt).doesNotContain("## You lead this team").contains("Train \"it\" now");
      List<String> lines = new ArrayList<>(commandLines(leaderPrompt));
      assertThat(lines).hasSizeGreaterThan(15);
      lines.addAll(commandLines(workerPrompt));
      lines.addAll(commandLines(Skills.text()));
      SoftAssertions soft = new SoftAssertions();
      for (String l : lines) {
        soft.assertThatCode(() -> assertParses(l)).as(l).doesNotThrowAnyException();
        soft.assertThat(teachesOneForm(l)).as("NemoSpawn 1.0's form: " + l).isTrue();
      }
      soft.assertAll();
    }
  }
}
