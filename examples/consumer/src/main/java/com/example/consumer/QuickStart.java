package com.example.consumer;

import io.nemospawn.*;
import io.nemospawn.task.*;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The README's Java quick start, compiled and run by a project that knows NemoSpawn only through
 * its published artifacts. Exits non-zero when the outcome differs from what the README promises,
 * read back from the state files by a second {@code NemoSpawn}.
 */
public final class QuickStart {
  private QuickStart() {}

  public static void main(String[] args) throws IOException {
    Path dataDir = Path.of(args[0]);
    deleteRecursively(dataDir);
    Files.createDirectories(dataDir);
    String teamId;
    String evalId;
    try (NemoSpawn ns = NemoSpawn.open(dataDir)) {
      Team team = ns.newTeam("sweep").gpus(0, 1).create();
      Task train = team.tasks().create("train the model");
      Task eval = team.tasks().create(TaskSpec.of("evaluate").after(train.id()));
      team.tasks().complete(train.id()); // eval: blocked -> pending
      teamId = team.id();
      evalId = eval.id();
    }
    try (NemoSpawn reopened = NemoSpawn.open(dataDir)) {
      TaskState state = reopened.team(teamId).tasks().get(evalId).state();
      if (state != TaskState.PENDING) {
        System.err.println("consumer: expected task " + evalId + " PENDING, found " + state);
        System.exit(1);
      }
      System.out.println("consumer: README quick start ran; team " + teamId + ", " + evalId
          + " is " + state + " in " + dataDir);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
