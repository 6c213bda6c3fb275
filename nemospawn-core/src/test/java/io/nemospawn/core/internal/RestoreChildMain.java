package io.nemospawn.core.internal;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.core.ops.Snapshots;
import java.nio.file.Path;

/**
 * A child JVM that restores a snapshot and, at the named step ({@code any} for none), prints
 * {@code AT <step>} and waits to be killed: {@code RestoreChildMain DATA TEAM SNAPSHOT STEP}.
 */
public final class RestoreChildMain {
  private RestoreChildMain() {}

  public static void main(String[] args) throws Exception {
    String stopAt = args[3];
    RestoreJournal.observeSteps(step -> {
      System.out.println("STEP " + step);
      System.out.flush();
      if (step.equals(stopAt)) {
        System.out.println("AT " + step);
        System.out.flush();
        try {
          Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    try (NemoSpawn ns = NemoSpawn.open(Path.of(args[0]));
        Team t = ns.team(args[1])) {
      System.out.println("START");
      System.out.flush();
      Snapshots.of(t).restore(args[2], false);
      System.out.println("RESTORED");
    }
  }
}
