package io.nemospawn.cli;

import io.nemospawn.AgentSpec;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.plan.PlanSpec;
import io.nemospawn.task.Task;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A child JVM that runs a team: two agents ({@code sleep} stand-ins for agent CLIs, started by the
 * given runtime) each holding a GPU and a claimed task, a third task pending and a plan awaiting
 * review. Prints {@code READY <team id>} and waits to be killed: {@code ResumeTeamMain DATA RUNTIME
 * TMUX_SOCKET}.
 */
public final class ResumeTeamMain {
  private ResumeTeamMain() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("nemospawn.tmux.socket", args[2]);
    try (NemoSpawn ns = NemoSpawn.open(Path.of(args[0]))) {
      Team team = ns.newTeam("resume").gpus(0, 1).create();
      for (int i = 0; i < 2; i++) {
        var a = team.spawn(AgentSpec.builder("w" + i)
            .runtime(args[1])
            .gpus(i)
            .command("sleep", "600")
            .detached(true)
            .build());
        Task t = team.tasks().create("train " + i);
        team.tasks().claim(t.id(), a.id(), Duration.ofHours(1));
      }
      team.tasks().create("eval");
      team.plans().submit(PlanSpec.of("tune lr").withAgent("w0"));
      System.out.println("READY " + team.id());
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }
}
