package io.nemospawn.core.internal;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.inbox.Inbox;
import io.nemospawn.inbox.Message;
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
 * runs {@code OPS} mixed updates through the API and prints one line per claim ({@code CLAIM id}),
 * per metadata write ({@code META key}) and per message sent or received ({@code SENT id}, {@code
 * RECEIVED id}); workers are named {@code w<n>} of {@code N} and send to {@code w<n+1 mod N>}.
 * {@code crash DATA_DIR TEAM WORKER} rewrites tasks with fsync in a loop until it is killed.
 * {@code settle DATA_DIR TEAM TASK STATUS} takes the graph lock once (validating the index), prints
 * {@code BEGIN}, moves {@code TASK} to {@code STATUS} (done, failed …), which settles its
 * dependents, and prints {@code END <nanoseconds>}; the crash test kills it in between. {@code
 * batch DATA_DIR TEAM N ROOT DURABILITY} prints {@code BEGIN}, creates N tasks with one {@code
 * createAll} (every third after {@code ROOT}) and prints {@code END <nanoseconds>}.
 */
final class TaskWorkerMain {
  private TaskWorkerMain() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Path dataDir = Path.of(args[1]);
    Durability durability = mode.equals("crash") ? Durability.FSYNC : Durability.NONE;
    if (mode.equals("batch")) {
      // batch DATA_DIR TEAM N ROOT DURABILITY: createAll of N tasks, every third after ROOT.
      try (NemoSpawn ns = NemoSpawn.builder()
          .dataDir(dataDir)
          .durability(Durability.valueOf(args[5]))
          .open()) {
        Tasks tasks = ns.team(args[2]).tasks();
        java.util.List<io.nemospawn.task.TaskSpec> specs = new java.util.ArrayList<>();
        for (int i = 0; i < Integer.parseInt(args[3]); i++) {
          io.nemospawn.task.TaskSpec s = io.nemospawn.task.TaskSpec.of("batch " + i);
          specs.add(i % 3 == 0 ? s.after(args[4]) : s);
        }
        tasks.get(args[4]);
        System.out.println("BEGIN");
        System.out.flush();
        long start = System.nanoTime();
        tasks.createAll(specs);
        System.out.println("END " + (System.nanoTime() - start));
        System.out.flush();
      }
      return;
    }
    if (mode.equals("settle")) {
      try (NemoSpawn ns =
          NemoSpawn.builder().dataDir(dataDir).durability(durability).open()) {
        Tasks tasks = ns.team(args[2]).tasks();
        // Builds the index (the test writes the task files directly) outside the measured part.
        tasks.update(args[3], TaskUpdate.none().withMetadata("settle", "begin"));
        System.out.println("BEGIN");
        System.out.flush();
        long start = System.nanoTime();
        tasks.update(args[3], TaskUpdate.of(TaskState.parse(args[4])));
        System.out.println("END " + (System.nanoTime() - start));
        System.out.flush();
      }
      return;
    }
    try (NemoSpawn ns =
        NemoSpawn.builder().dataDir(dataDir).durability(durability).open()) {
      Team team = ns.team(args[2]);
      Tasks tasks = team.tasks();
      String worker = args[3];
      if (mode.equals("crash")) {
        crash(tasks, worker);
      } else {
        int workers = Integer.parseInt(args[8]);
        String next = "w" + ((Integer.parseInt(worker.substring(1)) + 1) % workers);
        mixed(
            team.inbox(),
            tasks,
            worker,
            next,
            Integer.parseInt(args[4]),
            args[5],
            args[6],
            args[7]);
      }
    }
    System.out.flush();
  }

  private static void mixed(
      Inbox inbox,
      Tasks tasks,
      String worker,
      String next,
      int ops,
      String shared,
      String own,
      String root) {
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
        case 6: {
          System.out.println("SENT "
              + inbox
                  .send(worker, next, "op " + i + " from " + worker)
                  .message()
                  .id());
          for (Message m : inbox.receive(worker)) {
            System.out.println("RECEIVED " + m.id());
          }
          break;
        }
        default: {
          TaskState s =
              tasks.get(own).state() == TaskState.RUNNING ? TaskState.PENDING : TaskState.RUNNING;
          tasks.update(own, TaskUpdate.of(s).withOwner(worker + "-" + i));
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
