package io.nemospawn.core.internal;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.spi.Durability;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import io.nemospawn.task.Tasks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A child process for the process tests: {@code mixed DATA_DIR TEAM WORKER OPS SHARED OWN ROOT}
 * runs {@code OPS} mixed updates through the API and prints one line per claim ({@code CLAIM id})
 * and per metadata write ({@code META key}); {@code crash DATA_DIR TEAM WORKER} rewrites tasks with
 * fsync in a loop until it is killed.
 */
final class TaskWorkerMain {
  private TaskWorkerMain() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Path dataDir = Path.of(args[1]);
    Durability durability = mode.equals("crash") ? Durability.FSYNC : Durability.NONE;
    try (NemoSpawn ns =
        NemoSpawn.builder().dataDir(dataDir).durability(durability).open()) {
      Team team = ns.team(args[2]);
      Tasks tasks = team.tasks();
      String worker = args[3];
      if (mode.equals("crash")) {
        crash(tasks, worker);
      } else {
        mixed(tasks, worker, Integer.parseInt(args[4]), args[5], args[6], args[7]);
      }
    }
    System.out.flush();
  }

  private static void mixed(
      Tasks tasks, String worker, int ops, String shared, String own, String root) {
    for (int i = 0; i < ops; i++) {
      if (i == ops / 2) {
        tasks.complete(root);
        System.out.println("DONE " + root);
      }
      switch (i % 8) {
        case 0: {
          Optional<Task> t = tasks.claimNext(worker, Duration.ofMinutes(30));
          t.ifPresent(x -> System.out.println("CLAIM " + x.id()));
          break;
        }
        case 1:
        case 2:
        case 3:
        case 4:
        case 5: {
          String key = worker + "-" + i;
          tasks.update(shared, TaskUpdate.none().withMetadata(key, i));
          System.out.println("META " + key);
          break;
        }
        // TODO(#2): messages. The inbox adds its operation here (for example case 6: send to the
        // next worker and receive one's own), printing "SENT id" / "RECEIVED id" lines that
        // TaskConcurrencyIT then checks for loss and duplication.
        default: {
          TaskState s =
              tasks.get(own).state() == TaskState.RUNNING ? TaskState.PENDING : TaskState.RUNNING;
          tasks.update(own, TaskUpdate.state(s).withOwner(worker + "-" + i));
          break;
        }
      }
    }
  }

  private static void crash(Tasks tasks, String worker) {
    String big = "x".repeat(64 * 1024);
    var all = tasks.list().items();
    for (long i = 0; ; i++) {
      Task t = all.get((int) (i % all.size()));
      tasks.update(t.id(), TaskUpdate.none().withMetadata(worker, big + i));
      if (i % 7 == 0) {
        tasks.create(io.nemospawn.task.TaskSpec.of("crash " + worker + " " + i).after(t.id()));
      }
      System.out.println("WROTE " + i);
      System.out.flush();
    }
  }
}
