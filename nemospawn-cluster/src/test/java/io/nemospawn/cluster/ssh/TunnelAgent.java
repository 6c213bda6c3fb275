package io.nemospawn.cluster.ssh;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.task.Task;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * A remote test agent: with only {@code NEMOSPAWN_URL} and {@code NEMOSPAWN_API_KEY} (no data
 * directory of the team), it claims the next task of its team through the tunnelled control
 * plane, then prints lines for {@code args[0]} steps of 200 ms (log streaming and link drops are
 * watched meanwhile) and completes the task.
 */
public final class TunnelAgent {
  private TunnelAgent() {}

  public static void main(String[] args) throws Exception {
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    String url = System.getenv("NEMOSPAWN_URL");
    String key = System.getenv("NEMOSPAWN_API_KEY");
    String me = System.getenv("NEMOSPAWN_AGENT");
    System.out.println("url=" + url);
    Task task = null;
    try (NemoSpawn ns = NemoSpawn.connect(URI.create(url), key)) {
      Team team = ns.team(System.getenv("NEMOSPAWN_TEAM"));
      Optional<Task> t = team.tasks().claimNext(me, Duration.ofMinutes(5));
      task = t.orElse(null);
      System.out.println("claimed=" + (task == null ? "none" : task.id()));
    }
    for (int i = 1; i <= steps; i++) {
      System.out.println("line-" + i);
      System.out.flush();
      Thread.sleep(200);
    }
    if (task != null) {
      // The link may have dropped meanwhile: retry until the tunnel is back.
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (true) {
        try (NemoSpawn ns = NemoSpawn.connect(URI.create(url), key)) {
          ns.team(System.getenv("NEMOSPAWN_TEAM")).tasks().complete(task.id());
          System.out.println("completed=" + task.id());
          break;
        } catch (RuntimeException e) {
          if (System.nanoTime() > deadline) {
            throw e;
          }
          System.out.println("retrying: " + e.getMessage());
          Thread.sleep(500);
        }
      }
    }
  }
}
