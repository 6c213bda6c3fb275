package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Eight concurrent streams of real {@code nemospawn} processes (the launcher over the shaded jar)
 * update one team: metadata writes on a shared task, claims, and status and owner changes. Each
 * CLI call is a JVM start (about 0.3 s or more on a loaded 2-core machine), so each stream makes
 * 6 calls instead of 200; the API test {@code TaskConcurrencyIT} in nemospawn-core does the full
 * 8 x 200. (Messages through the CLI are exercised by the inbox commands' own process test.)
 */
class CliConcurrencyIT {
  static final int STREAMS = 8;
  static final int CALLS = 6;
  static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir
  Path dir;

  @Test
  void concurrentCliCallsLoseNoUpdateAndClaimEachTaskOnce() throws Exception {
    Map<String, String> env = Map.of("NEMOSPAWN_DATA_DIR", dir.toString(), "NEMOSPAWN_CDS", "off");
    Cli cli = new Cli(dir);
    String team = cli.id("team", "create", "race");
    cli.run("config", "set", "durability", "none");
    String shared =
        cli.id("task", "create", "--title", "shared", "--owner", "keeper", "--team", team);
    List<String> own = new ArrayList<>();
    for (int s = 0; s < STREAMS; s++) {
      own.add(cli.id("task", "create", "--title", "own " + s, "--owner", "keeper", "--team", team));
    }
    List<String> pool = new ArrayList<>();
    for (int i = 0; i < STREAMS * 3 / 2; i++) {
      pool.add(cli.id("task", "create", "--title", "pool " + i, "--team", team));
    }
    Map<String, String> claimedBy = new ConcurrentHashMap<>();
    List<String> metaKeys = new CopyOnWriteArrayList<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int s = 0; s < STREAMS; s++) {
      int stream = s;
      Thread t = new Thread(() -> {
        try {
          for (int i = 0; i < CALLS; i++) {
            CliProcesses.Result r;
            if (i % 3 == 0) {
              // 2 claims per stream, 16 in all, for 12 pool tasks: the last ones find none.
              r = CliProcesses.run(
                  env, "task", "claim", "--json", "--agent", "w" + stream, "--team", team);
              JsonNode n = JSON.readTree(r.out());
              if (r.code() == 0) {
                String prev = claimedBy.put(n.get("task_id").asString(), "w" + stream);
                assertThat(prev).isNull();
              } else {
                assertThat(n.get("task").isNull()).as(r.err()).isTrue();
              }
            } else if (i % 3 == 1) {
              String key = "w" + stream + "-" + i;
              r = CliProcesses.run(
                  env, "task", "update", shared, "--metadata", key + "=" + i, "--team", team);
              assertThat(r.code()).as(r.err()).isZero();
              metaKeys.add(key);
            } else {
              // TODO(#2): messages. `inbox send` / `inbox receive` calls go in this rotation,
              // recorded like metaKeys and checked after the streams end.
              r = CliProcesses.run(
                  env,
                  "task",
                  "update",
                  own.get(stream),
                  "--status",
                  i % 2 == 0 ? "running" : "pending",
                  "--owner",
                  "w" + stream + "-" + i,
                  "--team",
                  team);
              assertThat(r.code()).as(r.err()).isZero();
            }
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failures).isEmpty();
    JsonNode sharedNow =
        JSON.readTree(cli.run("task", "show", shared, "--json", "--team", team).out());
    for (String k : metaKeys) {
      assertThat(sharedNow.get("metadata").has(k)).as(k).isTrue();
    }
    assertThat(metaKeys).hasSize(STREAMS * 2);
    assertThat(claimedBy.keySet()).containsExactlyInAnyOrderElementsOf(pool);
    for (Map.Entry<String, String> e : claimedBy.entrySet()) {
      JsonNode t = JSON.readTree(
          cli.run("task", "show", e.getKey(), "--json", "--team", team).out());
      assertThat(t.get("status").asString()).isEqualTo("running");
      assertThat(t.get("agent_id").asString()).isEqualTo(e.getValue());
    }
  }
}
