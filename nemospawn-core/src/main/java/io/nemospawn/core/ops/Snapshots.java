package io.nemospawn.core.ops;

import io.nemospawn.Listing;
import io.nemospawn.StateException;
import io.nemospawn.Team;
import io.nemospawn.agent.AgentInfo;
import io.nemospawn.core.internal.AgentRecords;
import io.nemospawn.core.internal.FileTeam;
import io.nemospawn.core.internal.RestoreJournal;
import io.nemospawn.core.internal.TeamContext;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.internal.state.RecordStore;
import io.nemospawn.core.internal.state.StateLock;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.state.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Point-in-time snapshots of a team: its agents, tasks, plans, artifacts index, the files of {@code
 * costs/} and the HPO studies its tasks link to, in {@code <team>/snapshots/snap-<8 hex>.json}
 * (NemoSpawn 1.0's record, with extra fields; see docs/state-format.md).
 *
 * <p>A restore is all-or-nothing: it validates the whole snapshot before it touches a file, stages
 * the restored directories beside the team, commits with a journal entry and swaps them in by
 * renames; a failure or a kill -9 at any point leaves the team as it was, or (after the commit) is
 * finished by the next opening of the team. It is refused while agents run, unless forced, which
 * stops them first. The team's identity ({@code team.json}) is kept. Thread-safe.
 */
public final class Snapshots {
  /** The team subdirectory of the snapshot files. */
  public static final String SUB = "snapshots";

  /** The longest label accepted. */
  public static final int MAX_LABEL = 200;

  /** The format version written in {@code format_version}. */
  public static final int FORMAT_VERSION = 1;

  private static final Map<String, String> ID_KEYS = Map.of(
      "agents", "agent_id", "tasks", "task_id", "plans", "plan_id", "artifacts", "artifact_id");

  private final FileTeam team;
  private final TeamContext ctx;

  private Snapshots(FileTeam team) {
    this.team = team;
    this.ctx = team.context();
  }

  /**
   * Returns the snapshots of a team opened from a data directory.
   *
   * @throws IllegalArgumentException for a team of another implementation
   */
  public static Snapshots of(Team team) {
    Objects.requireNonNull(team, "team");
    if (!(team instanceof FileTeam ft)) {
      throw new IllegalArgumentException("Snapshots need a team opened from a data directory"
          + " (nemospawn-core's NemoSpawn.open); got " + team.getClass().getName());
    }
    return new Snapshots(ft);
  }

  /**
   * Checks a label: at most {@value #MAX_LABEL} characters, no control or bidirectional-override
   * characters. A label is stored verbatim and never becomes part of a path.
   *
   * @throws IllegalArgumentException naming the label and what is allowed
   */
  public static String requireLabel(String label) {
    Objects.requireNonNull(label, "label");
    if (label.length() > MAX_LABEL) {
      throw new IllegalArgumentException("Invalid snapshot label '"
          + StateFormat.printable(label.substring(0, 40)) + "…': " + label.length()
          + " characters; use at most " + MAX_LABEL);
    }
    int bad = label
        .codePoints()
        .filter(c -> !StateFormat.isDisplaySafe(c, false))
        .findFirst()
        .orElse(-1);
    if (bad >= 0) {
      throw new IllegalArgumentException("Invalid snapshot label '" + StateFormat.printable(label)
          + "': it contains the control or bidirectional character U+"
          + String.format("%04X", bad) + "; use printable text on one line");
    }
    return label;
  }

  /** Returns the directory of the snapshot files. */
  public Path dir() {
    return ctx.sub(SUB);
  }

  // ------------------------------------------------------------------ save

  /**
   * Saves a snapshot of the team as it is now. The tasks are read under the graph lock, so they
   * form one consistent graph.
   *
   * @param label a label, or an empty string
   * @throws IllegalArgumentException for a bad label (nothing is written)
   * @throws StateException when a record cannot be read (naming it; nothing is written)
   */
  public SnapshotInfo save(String label) {
    requireLabel(label);
    Instant now = ctx.now();
    ObjectNode snap = Json.object();
    snap.put("snapshot_id", "");
    snap.put("team_id", ctx.teamId());
    snap.put("label", label);
    snap.set("team_data", ctx.store().read(ctx.layout().teamFile(ctx.teamId())));
    ArrayNode tasks;
    try (StateLock lock = ctx.lock("graph")) {
      tasks = records("tasks");
    }
    snap.set("agents", records("agents"));
    snap.set("tasks", tasks);
    snap.set("plans", records("plans"));
    Path costRecord = ctx.sub("costs").resolve("cost_record.json");
    snap.set("costs", ctx.store().readIfExists(costRecord).orElseGet(Json::object));
    Json.put(snap, "created_at", now);
    // Beyond NemoSpawn 1.0 (which ignores these fields):
    snap.put("format_version", FORMAT_VERSION);
    snap.put("team_name", team.name());
    snap.set("artifacts", records("artifacts"));
    snap.set("cost_files", costFiles());
    ArrayNode studies = snap.putArray("studies");
    studiesOf(tasks).forEach(studies::add);
    String id = ctx.store()
        .createWithFreshId(
            () -> "snap-" + StateFormat.randomHex8(),
            i -> dir().resolve(i + ".json"),
            i -> snap.put("snapshot_id", i));
    ctx.audit("snapshot.save", "", Map.of("snapshot_id", id, "label", label));
    return info(dir().resolve(id + ".json"), snap);
  }

  private ArrayNode records(String sub) {
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (Path f : RecordStore.jsonFiles(ctx.sub(sub))) {
      ctx.store().readIfExists(f).ifPresent(out::add);
    }
    return out;
  }

  private ArrayNode costFiles() {
    ArrayNode out = Json.MAPPER.createArrayNode();
    Path costs = ctx.sub("costs");
    if (!Files.isDirectory(costs)) {
      return out;
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(costs)) {
      files = walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
          .filter(p -> !hidden(costs.relativize(p)))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new StateException(costs, "Cannot list " + costs + ": " + e, e);
    }
    for (Path f : files) {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(f);
      } catch (NoSuchFileException gone) {
        continue;
      } catch (IOException e) {
        throw new StateException(f, "Cannot read " + f + ": " + e, e);
      }
      ObjectNode entry = out.addObject();
      entry.put("path", costs.relativize(f).toString().replace('\\', '/'));
      try {
        entry.put(
            "text",
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString());
      } catch (CharacterCodingException binary) {
        entry.put("base64", Base64.getEncoder().encodeToString(bytes));
      }
    }
    return out;
  }

  private static boolean hidden(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return true; // locks, temp files of interrupted writes
      }
    }
    return false;
  }

  private static Set<String> studiesOf(ArrayNode tasks) {
    Set<String> out = new TreeSet<>();
    for (JsonNode t : tasks) {
      JsonNode s = t.path("metadata").path("hpo_study");
      if (s.isString() && !s.asString().isEmpty()) {
        out.add(s.asString());
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ list, get, delete

  /** Lists the snapshots, oldest first; unreadable files are reported as problems. */
  public Listing<SnapshotInfo> list() {
    return ctx.store()
        .list(
            dir(),
            n -> info(dir().resolve(Json.text(n, "snapshot_id") + ".json"), n),
            Comparator.comparing(SnapshotInfo::createdAt).thenComparing(SnapshotInfo::id));
  }

  /**
   * Returns a snapshot by id, or by its label when exactly one snapshot has it.
   *
   * @throws NoSuchElementException naming the value and the snapshots there are
   */
  public SnapshotInfo get(String idOrLabel) {
    Path f = fileOf(idOrLabel);
    return info(f, read(f));
  }

  /**
   * Deletes a snapshot.
   *
   * @throws NoSuchElementException when there is none of that id or label
   */
  public SnapshotInfo delete(String idOrLabel) {
    SnapshotInfo s = get(idOrLabel);
    try {
      Files.delete(s.file());
    } catch (NoSuchFileException gone) {
      throw notFound(idOrLabel);
    } catch (IOException e) {
      throw new StateException(s.file(), "Cannot delete " + s.file() + ": " + e, e);
    }
    ctx.audit("snapshot.delete", "", Map.of("snapshot_id", s.id(), "label", s.label()));
    return s;
  }

  private Path fileOf(String idOrLabel) {
    Objects.requireNonNull(idOrLabel, "snapshot id");
    if (StateFormat.isValidId(idOrLabel)) {
      Path f = dir().resolve(idOrLabel + ".json");
      if (Files.isRegularFile(f)) {
        return f;
      }
    }
    List<SnapshotInfo> labelled =
        list().items().stream().filter(s -> s.label().equals(idOrLabel)).toList();
    if (labelled.size() == 1) {
      return labelled.get(0).file();
    }
    if (labelled.size() > 1) {
      throw new IllegalArgumentException("Snapshot label '" + StateFormat.printable(idOrLabel)
          + "' is ambiguous in team " + ctx.teamId() + "; use one of the ids: "
          + labelled.stream().map(SnapshotInfo::id).collect(Collectors.joining(", ")));
    }
    throw notFound(idOrLabel);
  }

  private NoSuchElementException notFound(String idOrLabel) {
    List<String> ids = list().items().stream().map(SnapshotInfo::id).toList();
    return new NoSuchElementException("No snapshot '" + StateFormat.printable(idOrLabel)
        + "' in team " + ctx.teamId() + "; snapshots: "
        + (ids.isEmpty() ? "none (save one first)" : String.join(", ", ids)));
  }

  private ObjectNode read(Path f) {
    return ctx.store().read(f);
  }

  private SnapshotInfo info(Path file, ObjectNode n) {
    String id = Json.text(n, "snapshot_id");
    Instant created;
    try {
      created = StateFormat.parseTimestamp(Json.text(n, "created_at", ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("created_at: " + e.getMessage(), e);
    }
    List<String> studies = new ArrayList<>();
    n.path("studies").forEach(s -> studies.add(s.asString()));
    return new SnapshotInfo(
        id,
        Json.text(n, "team_id", ""),
        Json.text(n, "label", ""),
        created,
        n.path("agents").size(),
        n.path("tasks").size(),
        n.path("plans").size(),
        n.has("artifacts") ? n.path("artifacts").size() : -1,
        n.has("cost_files")
            ? n.path("cost_files").size()
            : n.path("costs").isObject() && !n.path("costs").isEmpty() ? 1 : 0,
        studies,
        file);
  }

  // ------------------------------------------------------------------ restore

  /**
   * Restores the team's records from a snapshot, all or nothing. Agent records the snapshot has as
   * running are restored stopped (lifecycle dead): no process is behind them; {@code team resume}
   * restarts them.
   *
   * @param idOrLabel the snapshot
   * @param force stop running agents first instead of refusing
   * @throws IllegalStateException while agents run and {@code force} is false (nothing touched)
   * @throws IllegalArgumentException for a snapshot of another team or with a bad record (naming it;
   *     nothing touched)
   */
  public RestoreReport restore(String idOrLabel, boolean force) {
    Path file = fileOf(idOrLabel);
    ObjectNode snap = read(file);
    SnapshotInfo info = RecordStore.decode(file, snap, n -> info(file, n));
    Map<String, List<ObjectNode>> staged = validate(file, snap, info.id());
    List<AgentInfo> running = team.agents().list().items().stream()
        .filter(a -> AgentRecords.LEASING.contains(a.status()))
        .toList();
    List<String> stopped = new ArrayList<>();
    if (!running.isEmpty()) {
      if (!force) {
        throw new IllegalStateException("Cannot restore snapshot " + info.id() + " while "
            + running.size() + " agent" + (running.size() == 1 ? "" : "s") + " of team "
            + ctx.teamId() + " run ("
            + running.stream().map(AgentInfo::name).collect(Collectors.joining(", "))
            + "); stop them first, or restore with force, which stops them");
      }
      for (AgentInfo a : running) {
        team.supervisor()
            .stop(
                a.id(), Duration.ofSeconds(10), "stopped to restore snapshot " + info.id(), false);
        stopped.add(a.id());
      }
    }
    Map<String, Integer> counts = new LinkedHashMap<>();
    RestoreJournal journal = new RestoreJournal(ctx.dir(), ctx.store().durability());
    try (AutoCloseable locks = RestoreJournal.lockAll(ctx.dir())) {
      journal.finishLocked();
      boolean committed = false;
      try {
        List<String> subs = new ArrayList<>();
        for (Map.Entry<String, List<ObjectNode>> e : staged.entrySet()) {
          Path d = journal.stage().resolve(e.getKey());
          Files.createDirectories(d);
          if (e.getKey().equals("costs")) {
            writeCosts(d, snap);
          } else {
            String key = Objects.requireNonNull(ID_KEYS.get(e.getKey()));
            for (ObjectNode r : e.getValue()) {
              ctx.store().write(d.resolve(Json.text(r, key) + ".json"), r);
            }
          }
          if (ctx.store().durability() == io.nemospawn.spi.Durability.FSYNC) {
            AtomicFiles.forceDirectory(d);
          }
          subs.add(e.getKey());
          counts.put(
              e.getKey(),
              e.getKey().equals("costs") ? costCount(snap) : e.getValue().size());
        }
        RestoreJournal.step("staged");
        journal.commit(info.id(), subs, ctx.now());
        committed = true;
        journal.swap(subs);
      } catch (IOException | RuntimeException e) {
        if (!committed) {
          journal.abandon();
        }
        throw e;
      }
    } catch (IOException e) {
      throw new StateException(
          ctx.dir(), "Cannot restore snapshot " + info.id() + " into " + ctx.dir() + ": " + e, e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    ctx.audit(
        "snapshot.restore",
        "",
        Map.of("snapshot_id", info.id(), "label", info.label(), "stopped_agents", stopped));
    return new RestoreReport(info, stopped, counts);
  }

  private int costCount(ObjectNode snap) {
    return snap.has("cost_files") ? snap.path("cost_files").size() : 1;
  }

  private void writeCosts(Path d, ObjectNode snap) throws IOException {
    if (snap.has("cost_files")) {
      for (JsonNode f : snap.path("cost_files")) {
        Path target = d.resolve(f.path("path").asString());
        Path parent = target.getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        byte[] bytes = f.has("base64")
            ? Base64.getDecoder().decode(f.path("base64").asString())
            : f.path("text").asString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(target, bytes, ctx.store().durability());
      }
    } else {
      ctx.store().write(d.resolve("cost_record.json"), (ObjectNode) snap.path("costs"));
    }
  }

  /**
   * Checks the whole snapshot before anything is touched, and returns the records to stage per
   * directory (agents adjusted: none runs after a restore).
   */
  private Map<String, List<ObjectNode>> validate(Path file, ObjectNode snap, String id) {
    String where = "snapshot " + id + " (" + file + ")";
    String owner = Json.text(snap, "team_id", "");
    if (!owner.equals(ctx.teamId())) {
      throw new IllegalArgumentException("Cannot restore " + where + " into team " + ctx.teamId()
          + ": it was taken of team '" + StateFormat.printable(owner) + "'");
    }
    Map<String, List<ObjectNode>> out = new LinkedHashMap<>();
    for (String sub : List.of("agents", "tasks", "plans", "artifacts")) {
      if (!snap.has(sub) && sub.equals("artifacts")) {
        continue; // a NemoSpawn 1.0 snapshot: the artifacts are left as they are
      }
      JsonNode arr = snap.path(sub);
      if (!arr.isArray()) {
        throw new IllegalArgumentException(
            "Cannot restore " + where + ": '" + sub + "' is not a list; the file is damaged");
      }
      String key = Objects.requireNonNull(ID_KEYS.get(sub));
      Set<String> seen = new HashSet<>();
      List<ObjectNode> records = new ArrayList<>();
      int i = 0;
      for (JsonNode r : arr) {
        String at = where + ": " + sub + "[" + i++ + "]";
        if (!(r instanceof ObjectNode o)) {
          throw new IllegalArgumentException("Cannot restore " + at + ": not an object");
        }
        String rid = o.path(key).isString() ? o.path(key).asString() : "";
        if (!StateFormat.isValidId(rid)) {
          throw new IllegalArgumentException("Cannot restore " + at + ": invalid " + key + " '"
              + StateFormat.printable(rid) + "'; the file is damaged or was edited");
        }
        if (!seen.add(rid)) {
          throw new IllegalArgumentException(
              "Cannot restore " + at + ": " + key + " " + rid + " appears twice");
        }
        String rteam = o.path("team_id").isString() ? o.path("team_id").asString() : "";
        if (!rteam.equals(ctx.teamId())) {
          throw new IllegalArgumentException("Cannot restore " + at + " (" + rid + "): team_id '"
              + StateFormat.printable(rteam) + "' is not " + ctx.teamId());
        }
        records.add(sub.equals("agents") ? notRunning(o.deepCopy(), id) : o);
      }
      out.put(sub, records);
    }
    if (snap.has("cost_files")) {
      JsonNode files = snap.path("cost_files");
      if (!files.isArray()) {
        throw new IllegalArgumentException(
            "Cannot restore " + where + ": 'cost_files' is not a list; the file is damaged");
      }
      for (JsonNode f : files) {
        String p = f.path("path").asString("");
        String[] parts = p.split("/", -1);
        if (p.isEmpty() || parts.length > 4) {
          throw new IllegalArgumentException("Cannot restore " + where
              + ": invalid cost file path '" + StateFormat.printable(p) + "'");
        }
        for (String part : parts) {
          if (!StateFormat.isValidId(part)) {
            throw new IllegalArgumentException("Cannot restore " + where
                + ": invalid cost file path '" + StateFormat.printable(p)
                + "'; each part must be a plain name");
          }
        }
        if (!(f.path("text").isString() || f.path("base64").isString())) {
          throw new IllegalArgumentException(
              "Cannot restore " + where + ": cost file " + p + " has no content");
        }
        if (f.has("base64")) {
          try {
            Base64.getDecoder().decode(f.path("base64").asString());
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                "Cannot restore " + where + ": cost file " + p + ": " + e.getMessage(), e);
          }
        }
      }
      out.put("costs", List.of());
    } else if (snap.path("costs").isObject() && !snap.path("costs").isEmpty()) {
      out.put("costs", List.of());
    }
    return out;
  }

  private ObjectNode notRunning(ObjectNode a, String snapshotId) {
    String status = Json.text(a, "status", "");
    if (status.equals("running") || status.equals("spawning")) {
      Instant now = ctx.now();
      a.put("status", "stopped");
      ObjectNode lc = a.putObject("lifecycle");
      lc.put("state", "dead");
      lc.put("reason", "restored from snapshot " + snapshotId + ": no process runs for it");
      Json.put(lc, "updated_at", now);
      Json.put(a, "updated_at", now);
      a.put("restored_from", snapshotId);
    }
    return a;
  }
}
