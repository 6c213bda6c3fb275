package io.nemospawn.core.internal;

import io.nemospawn.InvalidSettingException;
import io.nemospawn.Listing;
import io.nemospawn.Remedied;
import io.nemospawn.StateException;
import io.nemospawn.Subscription;
import io.nemospawn.TeamEvent;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.internal.state.RecordStore;
import io.nemospawn.core.internal.state.StateLock;
import io.nemospawn.spi.Durability;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.spi.TaskHook;
import io.nemospawn.state.AtomicFiles;
import io.nemospawn.task.FailurePolicy;
import io.nemospawn.task.GraphCheck;
import io.nemospawn.task.GraphProblem;
import io.nemospawn.task.GraphRepair;
import io.nemospawn.task.Lease;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskGraph;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.task.TaskState;
import io.nemospawn.task.TaskUpdate;
import io.nemospawn.task.Tasks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The task graph of a team, one file per task in {@code tasks/<task_id>.json} (FORMAT.md). Every
 * mutation holds the team's {@code graph} lock (an OS lock plus an in-JVM lock), so updates from
 * any number of processes and threads are serialised and none is lost; completing a task and
 * unblocking its dependents, and a claim, are atomic. Dependents are found through a {@link
 * DependentsIndex}, so completing a task reads only its dependents and their dependencies.
 *
 * <p>Thread-safe.
 */
public final class FileTasks implements Tasks {
  private static final Logger log = LoggerFactory.getLogger(FileTasks.class);
  /** The record directory. */
  static final String SUB = "tasks";
  /** The lock every mutation holds. */
  static final String LOCK = "graph";
  /** Extra field of {@code team.json}: the failure policy. */
  static final String FAILURE_POLICY = "failure_policy";

  private static final int MAX_METADATA_KEY = 256;

  private final TeamContext ctx;
  private final DependentsIndex index;
  private final GraphJournal journal;
  private final Set<Path> unreadableEntries = ConcurrentHashMap.newKeySet();
  private final BatchBarriers barriers = new BatchBarriers();
  private final OpenTasksLog openLog;
  private final List<TaskHook> hooks;

  public FileTasks(TeamContext ctx) {
    this(ctx, TaskHook.all());
  }

  /** A task graph that calls {@code hooks} (see {@link TaskHook}) on every update. */
  public FileTasks(TeamContext ctx, List<TaskHook> hooks) {
    this.ctx = ctx;
    this.hooks = List.copyOf(hooks);
    this.index = new DependentsIndex(ctx.dir(), ctx.store());
    this.journal = new GraphJournal(ctx.dir(), ctx.store());
    this.openLog = new OpenTasksLog(ctx.dir());
    ctx.events()
        .decoder(
            SUB,
            (file, node) -> Optional.of(
                new TeamEvent.TaskChanged(ctx.teamId(), TaskCodec.decode(node), ctx.now())));
  }

  // ---------------------------------------------------------------- create

  @Override
  public Task create(TaskSpec spec) {
    Objects.requireNonNull(spec, "spec");
    checkSpec(spec);
    try (StateLock lock = open()) {
      Map<String, Task> deps = readDependencies(spec.blockedBy(), spec.title());
      Task t = insert(spec, deps);
      index.recordWrites(1);
      return t;
    }
  }

  /**
   * Returns the value of a key that must be there already: a key the graph's topological order
   * has produced, or a dependency that has been read.
   */
  private static <V> V inOrder(Map<String, V> values, String key) {
    V v = values.get(key);
    if (v == null) {
      throw new IllegalStateException(
          "Task graph key or task '" + key + "' is needed before it was created or read");
    }
    return v;
  }

  @Override
  public Map<String, Task> submit(TaskGraph graph) {
    Objects.requireNonNull(graph, "graph");
    graph.nodes().values().forEach(FileTasks::checkSpec);
    List<String> order = graph.topologicalOrder();
    if (order.isEmpty()) {
      return Map.of();
    }
    try (StateLock lock = open()) {
      Map<String, Task> existing = new LinkedHashMap<>();
      for (TaskSpec s : graph.nodes().values()) {
        existing.putAll(readDependencies(s.blockedBy(), s.title()));
      }
      if (order.size() == 1) {
        TaskSpec s = inOrder(graph.nodes(), order.get(0));
        Map<String, Task> one = Map.of(order.get(0), insert(s, existing));
        index.recordWrites(1);
        return one;
      }
      return insertBatch(graph, order, existing);
    }
  }

  /** The journal operation of a batch of creations undone if it dies ({@link #insertBatch}). */
  static final String CREATE_BATCH = "task.create_batch";

  /**
   * The journal operation of a batch of creations that is durable through its entry, which holds
   * every record (durability FSYNC where the boot id is known; see {@link BatchBarriers}).
   */
  static final String CREATE_COMMITTED = "task.create_committed";

  /** How many ids a batch draws for one task before it gives up (each clash is retried). */
  private static final int MAX_ID_ATTEMPTS = 1_000;

  /**
   * Creates the tasks of a graph of more than one task under the graph lock, as one batch: every
   * record is planned, a journal entry is written, then every task file is written in place
   * (exclusive create, one write, no temp file) without forcing, the dependents index is updated
   * once per dependency and the audit lines are appended in one write.
   *
   * <ul>
   *   <li>Durability NONE, or FSYNC where the boot id is unknown: the entry names the ids; with
   *       FSYNC all the files are forced at once before it is removed. If the process dies before
   *       that, the next operation removes the batch's tasks ({@link #rollBackBatch}).
   *   <li>FSYNC on a system with a boot id: the entry holds every record and is forced: the batch
   *       is durable from then on. Once the files are written the entry is renamed unforced and
   *       {@link BatchBarriers} forces the files in the background, then removes it. If the
   *       process dies first, or the machine stops, the next operation writes what is missing
   *       ({@link #rollForwardBatch}).
   * </ul>
   *
   * All or nothing, as a failure here is.
   */
  private Map<String, Task> insertBatch(
      TaskGraph graph, List<String> order, Map<String, Task> existing) {
    Instant now = ctx.now();
    String stamp = StateFormat.formatTimestamp(now);
    boolean durable = ctx.store().durability() == Durability.FSYNC;
    Optional<String> boot = durable ? BatchBarriers.bootId() : Optional.empty();
    Set<String> drawn = new HashSet<>();
    Map<String, String> ids = new LinkedHashMap<>();
    for (String key : order) {
      ids.put(key, freshId(drawn));
    }
    Map<String, Task> planned = plan(graph, order, existing, ids, now);
    Path entry = journal.begin(batchEntry(stamp, planned, boot), now);
    openLog.opened(planned.values().stream().filter(OpenTasksLog::isOpen).toList());
    Map<String, Task> created = new LinkedHashMap<>();
    Map<String, List<String>> edges = new LinkedHashMap<>();
    List<AuditJournal.Line> lines = new ArrayList<>(order.size());
    List<Path> files = new ArrayList<>(order.size());
    try {
      for (String key : order) {
        Task t = inOrder(planned, key);
        int attempts = 1;
        while (!ctx.store().createInPlace(file(t.id()), TaskCodec.encode(Json.object(), t))) {
          if (++attempts > MAX_ID_ATTEMPTS) {
            throw new IllegalStateException("Could not draw a free task id after " + MAX_ID_ATTEMPTS
                + " attempts; the id space is exhausted");
          }
          // The id was taken by a writer that takes no lock: the entry must name the new one
          // (and hold the records after it that depend on it) before its file exists.
          ids.put(key, freshId(drawn));
          planned = plan(graph, order, existing, ids, now);
          t = inOrder(planned, key);
          ctx.store().write(entry, batchEntry(stamp, planned, boot));
          if (OpenTasksLog.isOpen(t)) {
            openLog.opened(List.of(t));
          }
        }
        created.put(key, t);
        files.add(file(t.id()));
        for (String d : new LinkedHashSet<>(t.blockedBy())) {
          edges.computeIfAbsent(d, x -> new ArrayList<>()).add(t.id());
        }
        lines.add(
            new AuditJournal.Line(t.owner(), createDetails(t.id(), t.state(), t.blockedBy())));
      }
      index.addEdges(edges, boot.isPresent());
      if (durable && boot.isEmpty()) {
        AtomicFiles.forceAll(files);
      }
      if (boot.isPresent()) {
        ctx.auditAllUnforced("task.create", lines); // forced by the barrier
      } else {
        ctx.auditAll("task.create", lines);
      }
    } catch (RuntimeException ex) {
      // All or nothing: remove what this call created; the index is rebuilt from the files.
      Failures undo = new Failures();
      for (Task t : created.values()) {
        undo.run(() -> Files.deleteIfExists(file(t.id())));
      }
      undo.suppressInto(ex);
      index.rebuild();
      journal.end(entry);
      throw ex;
    }
    if (boot.isPresent()) {
      Path unforced = journal.markUnforced(entry, boot.get());
      List<Path> toForce = barrierFiles(created.values());
      barriers.schedule(unforced, () -> toForce, journal::reopen);
    } else {
      journal.end(entry);
    }
    index.recordWrites(created.size());
    return created;
  }

  /**
   * Writes a task's file, keeping the open-tasks log a superset of the open tasks: a task is
   * logged open before its file says so, and closed only after.
   */
  private void put(Path f, ObjectNode node, Task next) {
    boolean open = OpenTasksLog.isOpen(next);
    if (open) {
      openLog.opened(List.of(next));
    }
    ctx.store().write(f, node);
    if (!open) {
      openLog.closed(next.id());
    }
  }

  private static String freshId(Set<String> drawn) {
    String id;
    do {
      id = StateFormat.newId("task");
    } while (!drawn.add(id));
    return id;
  }

  /**
   * The records of a batch under the ids given: its order creates every key before the keys that
   * depend on it, so a record depends only on the ids of the keys before it.
   */
  private Map<String, Task> plan(
      TaskGraph graph,
      List<String> order,
      Map<String, Task> existing,
      Map<String, String> ids,
      Instant now) {
    Map<String, Task> planned = new LinkedHashMap<>();
    for (String key : order) {
      TaskSpec s = inOrder(graph.nodes(), key);
      List<String> deps = new ArrayList<>(s.blockedBy());
      TaskState state = TaskState.PENDING;
      Map<String, Object> metadata = new LinkedHashMap<>(s.metadata());
      for (String d : s.blockedBy()) {
        state = initialState(state, inOrder(existing, d), metadata);
      }
      for (String k : graph.edges().getOrDefault(key, List.of())) {
        Task dep = inOrder(planned, k);
        deps.add(dep.id());
        state = initialState(state, dep, metadata);
      }
      planned.put(
          key,
          new Task(
              inOrder(ids, key),
              ctx.teamId(),
              s.title(),
              s.description(),
              s.owner(),
              state,
              deps,
              metadata,
              Lease.none(),
              now,
              now));
    }
    return planned;
  }

  /** A batch's journal entry: the ids, and every record when the batch is durable through it. */
  private ObjectNode batchEntry(String stamp, Map<String, Task> planned, Optional<String> boot) {
    ObjectNode e = Json.object();
    e.put("version", 1);
    e.put("op", boot.isPresent() ? CREATE_COMMITTED : CREATE_BATCH);
    e.put("created_at", stamp);
    Json.putList(e, "task_ids", planned.values().stream().map(Task::id).toList());
    if (boot.isPresent()) {
      e.put("boot_id", boot.get());
      tools.jackson.databind.node.ArrayNode records = e.putArray("records");
      planned.values().forEach(t -> records.add(TaskCodec.encode(Json.object(), t)));
    }
    return e;
  }

  /**
   * The files a batch's barrier forces: each task's, the index entry of each dependency and the
   * audit file (all written without forcing in a batch that defers its barrier).
   */
  private List<Path> barrierFiles(Collection<Task> tasks) {
    List<Path> files = new ArrayList<>(tasks.size());
    Set<String> deps = new LinkedHashSet<>();
    for (Task t : tasks) {
      files.add(file(t.id()));
      deps.addAll(t.blockedBy());
    }
    deps.forEach(d -> files.add(index.file(d)));
    files.add(ctx.auditFile());
    return files;
  }

  /** The barrier files of an unforced entry that another process of this boot left. */
  private List<Path> barrierFiles(Path unforced) {
    ObjectNode e = ctx.store().read(unforced);
    return barrierFiles(committedRecords(e).stream().map(Loaded::task).toList());
  }

  /**
   * Waits until the background barriers of this handle's batches have made their files durable.
   *
   * @return false when {@code timeout} passed first
   */
  boolean awaitBarriers(Duration timeout) {
    return barriers.await(timeout);
  }

  /**
   * The records of a committed batch's entry, each checked to be a task of this team, with the
   * file it belongs in.
   *
   * @throws InvalidJournalEntryException when the entry does not hold them
   */
  private List<Loaded> committedRecords(ObjectNode e) {
    List<Loaded> records = new ArrayList<>();
    try {
      if (!(e.get("records") instanceof tools.jackson.databind.node.ArrayNode a)) {
        throw new IllegalArgumentException("field 'records' must be a list of task records");
      }
      for (tools.jackson.databind.JsonNode r : a) {
        if (!(r instanceof ObjectNode o)) {
          throw new IllegalArgumentException("field 'records' must hold task records only");
        }
        Task t = TaskCodec.decode(o);
        StateFormat.requireId("task id", t.id());
        if (!ctx.teamId().equals(t.teamId())) {
          throw new IllegalArgumentException("its record of task " + t.id() + " belongs to team "
              + StateFormat.printable(t.teamId()));
        }
        records.add(new Loaded(file(t.id()), o, t));
      }
    } catch (RuntimeException ex) {
      throw new InvalidJournalEntryException(
          ex instanceof StateException se
              ? RecordStore.reasonOf(se)
              : Objects.toString(ex.getMessage(), ex.toString()));
    }
    return records;
  }

  /**
   * Finishes a committed batch of creations whose process died, or whose files a stopped machine
   * may have lost: writes again each task file of the batch that is missing or cannot be read
   * (a task file that reads is left as it is: it may have changed since), forces them all with
   * FSYNC, rebuilds the index and removes the entry. Idempotent.
   */
  private String rollForwardBatch(Path entryFile, ObjectNode e) {
    List<Loaded> records = committedRecords(e);
    openLog.opened(
        records.stream().map(Loaded::task).filter(OpenTasksLog::isOpen).toList());
    List<Path> files = new ArrayList<>(records.size());
    int written = 0;
    for (Loaded r : records) {
      Path f = r.file();
      files.add(f);
      boolean intact;
      try {
        // A fresh empty file (a write cut short) reads as absent.
        intact = ctx.store().readIfExists(f).isPresent();
      } catch (StateException ex) {
        if (!f.equals(ex.path())) {
          throw new InvalidJournalEntryException("cannot read " + f + ": " + ex.getMessage());
        }
        intact = false; // torn by a power loss: only this batch writes it without a lock
      }
      if (!intact) {
        ctx.store().checkChange(f, "change " + f.getFileName());
        AtomicFiles.write(f, Json.bytes(r.node()), Durability.NONE);
        written++;
      }
    }
    index.rebuild();
    if (ctx.store().durability() == Durability.FSYNC) {
      AtomicFiles.forceAll(files);
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("journal_entry", entryFile.getFileName().toString());
    details.put("tasks", records.size());
    details.put("task_ids", records.stream().map(r -> r.task().id()).toList());
    details.put("tasks_written", written);
    ctx.audit("task.create_rolled_forward", "", details);
    journal.end(entryFile);
    String done = "rolled forward the committed creation of " + records.size()
        + " tasks (journal entry " + entryFile.getFileName() + "): wrote " + written
        + " missing or torn task file(s)";
    log.info("Team {}: {}", ctx.teamId(), done);
    return done;
  }

  /**
   * Undoes a batch of creations that died part-way (its journal entry is still there): removes
   * each of its task files that this batch wrote (same {@code created_at}, so a task that had the
   * id before is never touched), rebuilds the index and removes the entry.
   */
  private String rollBackBatch(Path entryFile, ObjectNode e) {
    String stamp = Json.text(e, "created_at", "");
    List<String> ids;
    try {
      ids = Json.strings(e, "task_ids");
    } catch (RuntimeException ex) {
      throw new InvalidJournalEntryException("field 'task_ids' must be a list of task ids");
    }
    int removed = 0;
    for (String id : ids) {
      if (!StateFormat.isValidId(id)) {
        continue;
      }
      Path f = file(id);
      try {
        Optional<ObjectNode> n = ctx.store().readIfExists(f);
        boolean ours = n.isPresent()
            ? stamp.equals(Json.text(n.get(), "created_at", ""))
                && ctx.teamId().equals(Json.text(n.get(), "team_id", ""))
            // Empty (a write cut short) counts as ours: readIfExists hides only a fresh empty file.
            : Files.exists(f) && Files.size(f) == 0;
        if (ours && Files.deleteIfExists(f)) {
          removed++;
        }
      } catch (StateException | java.io.IOException ex) {
        // Torn by a crash: only this batch writes a file under this id without a lock.
        if (ex instanceof StateException se && se.path().equals(f)) {
          try {
            if (Files.deleteIfExists(f)) {
              removed++;
            }
          } catch (java.io.IOException again) {
            throw new InvalidJournalEntryException("cannot remove " + f + ": " + again);
          }
        } else {
          throw new InvalidJournalEntryException("cannot read " + f + ": " + ex.getMessage());
        }
      }
    }
    index.rebuild();
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("journal_entry", entryFile.getFileName().toString());
    details.put("tasks_removed", removed);
    ctx.audit("task.create_rolled_back", "", details);
    journal.end(entryFile);
    String done = "rolled back the interrupted creation of " + ids.size() + " tasks (journal entry "
        + entryFile.getFileName() + "): removed " + removed + " task file(s)";
    log.info("Team {}: {}", ctx.teamId(), done);
    return done;
  }

  /**
   * The state of a new task after looking at one more dependency: blocked while a dependency is
   * not done; failed when one failed or was cancelled under {@link FailurePolicy#FAIL_DEPENDENTS}
   * (which then says why in {@code metadata}).
   */
  private TaskState initialState(TaskState state, Task d, Map<String, Object> metadata) {
    if (state == TaskState.FAILED) {
      return state;
    }
    if ((d.state() == TaskState.FAILED || d.state() == TaskState.CANCELLED)
        // The policy is read only when it matters, to keep creation cheap.
        && failurePolicy() == FailurePolicy.FAIL_DEPENDENTS) {
      metadata.put("failed_dependency", d.id());
      metadata.put("error", "dependency " + d.id() + " is " + d.state().wireName());
      return TaskState.FAILED;
    }
    return d.state() != TaskState.DONE ? TaskState.BLOCKED : state;
  }

  private static Map<String, Object> createDetails(
      String id, TaskState initial, List<String> blockedBy) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("task_id", id);
    details.put("status", initial.wireName());
    details.put("blocked_by", blockedBy);
    return details;
  }

  /** Writes a new task whose dependencies have been read; under the graph lock. */
  private Task insert(TaskSpec spec, Map<String, Task> deps) {
    Instant now = ctx.now();
    TaskState state = TaskState.PENDING;
    Map<String, Object> metadata = new LinkedHashMap<>(spec.metadata());
    for (String d : spec.blockedBy()) {
      state = initialState(state, inOrder(deps, d), metadata);
    }
    TaskState initial = state;
    Task[] made = new Task[1];
    String id = ctx.store().createWithFreshId(() -> StateFormat.newId("task"), this::file, i -> {
      made[0] = new Task(
          i,
          ctx.teamId(),
          spec.title(),
          spec.description(),
          spec.owner(),
          initial,
          spec.blockedBy(),
          metadata,
          Lease.none(),
          now,
          now);
      if (OpenTasksLog.isOpen(made[0])) {
        openLog.opened(List.of(made[0])); // before the file: the log never misses an open task
      }
      return TaskCodec.encode(Json.object(), made[0]);
    });
    index.addTask(id, spec.blockedBy());
    ctx.audit("task.create", spec.owner(), createDetails(id, initial, spec.blockedBy()));
    return made[0];
  }

  // ---------------------------------------------------------------- read

  @Override
  public Task get(String taskId) {
    return find(taskId)
        .orElseThrow(() -> new Remedied.NotFound(
            Remedied.Remedy.of(Remedied.Action.LIST_TASKS, taskId, ctx.teamId()),
            "No task '" + StateFormat.printable(taskId) + "' in team " + ctx.teamId()
                + "; list the tasks with Tasks.list()"));
  }

  @Override
  public Optional<Task> find(String taskId) {
    Objects.requireNonNull(taskId, "taskId");
    Path f = file(taskId);
    settlePending();
    return ctx.store().readIfExists(f).map(n -> decode(f, n));
  }

  @Override
  public Listing<Task> list() {
    settlePending();
    return listFiles();
  }

  /** The tasks and the check of the graph made from that one read. */
  record Checked(Listing<Task> tasks, GraphCheck check) {}

  /**
   * Lists the tasks, as {@link #list()}, and checks the graph, as {@link #check()}, from one read
   * of the task files: what {@code team status} shows.
   */
  Checked listAndCheck() {
    settlePending();
    try (StateLock lock = lock()) {
      Listing<Task> all = listFiles();
      return new Checked(all, new GraphCheck(findProblems(all)));
    }
  }

  /**
   * Rolls forward an operation that died part-way, if the journal holds one, so that reads never
   * show its half-done state. The common case is one directory listing and no lock.
   */
  private void settlePending() {
    GraphJournal.Scan scan = journal.scan();
    if (scan.hasPending()) {
      try (StateLock lock = open()) {
        // open() rolled it forward.
      }
    } else {
      adopt(scan);
    }
  }

  /** Schedules the barriers of this boot's unforced entries that an ended process left. */
  private void adopt(GraphJournal.Scan scan) {
    for (Path u : scan.unforced()) {
      barriers.schedule(u, () -> barrierFiles(u), journal::reopen);
    }
  }

  /** Lists the task files without looking at the journal; under the lock or in a check. */
  private Listing<Task> listFiles() {
    return ctx.store()
        .list(
            ctx.sub(SUB),
            TaskCodec::decode,
            Comparator.comparing(Task::createdAt).thenComparing(Task::id));
  }

  @Override
  public List<Task> list(TaskState state) {
    Objects.requireNonNull(state, "state");
    return list().items().stream().filter(t -> t.state() == state).toList();
  }

  // ---------------------------------------------------------------- update

  @Override
  public Task update(String taskId, TaskUpdate update) {
    Objects.requireNonNull(update, "update");
    if (update.owner() != null && !update.owner().isEmpty()) {
      StateFormat.requireName("owner", update.owner());
    }
    checkMetadata(update.metadata());
    Saved saved = updateLocked(taskId, update);
    afterHooks(saved.before(), saved.after(), update);
    return saved.after();
  }

  /**
   * Calls every hook's {@link TaskHook#updated} on a saved update; the first failure is thrown
   * once all have run, the others suppressed on it.
   */
  private void afterHooks(Task before, Task after, TaskUpdate update) {
    Failures.forEach(hooks, h -> h.updated(ctx.layout().dataDir(), before, after, update));
  }

  /** A saved update: the task before and after. */
  private record Saved(Task before, Task after) {}

  /** Saves an update under the graph lock, after every hook's {@link TaskHook#check}. */
  private Saved updateLocked(String taskId, TaskUpdate update) {
    try (StateLock lock = open()) {
      Path f = existingFile(taskId);
      ObjectNode node = ctx.store().read(f);
      Task cur = decode(f, node);
      Instant now = ctx.now();

      TaskState target = update.state() == null ? cur.state() : update.state();
      Lease lease = cur.lease();
      if (target != cur.state()) {
        if (!cur.state().canMoveTo(target)) {
          throw new IllegalStateException(illegalMove(cur, target));
        }
        if (target == TaskState.PENDING) {
          List<Task> open = unfinishedDependencies(cur, Set.of());
          if (!open.isEmpty()) {
            if (cur.state() == TaskState.BLOCKED) {
              throw new IllegalStateException("Cannot move task " + cur.id()
                  + " from blocked to pending: its dependencies are not done: " + describe(open)
                  + "; complete them first");
            }
            // A retried or released task waits for its dependencies again.
            target = TaskState.BLOCKED;
          }
        }
        if (cur.state() == TaskState.RUNNING) {
          lease = Lease.none();
        }
      }
      String owner = update.owner() == null ? cur.owner() : update.owner();
      Map<String, Object> metadata = new LinkedHashMap<>(cur.metadata());
      if (cur.hasOwner() && !owner.isEmpty() && !owner.equals(cur.owner())) {
        metadata.put("reassigned_from", cur.owner());
        metadata.put("reassigned_at", StateFormat.formatTimestamp(now));
      }
      update.metadata().forEach((k, v) -> {
        if (v == null) {
          metadata.remove(k);
        } else {
          metadata.put(k, v);
        }
      });
      if (lease.isPresent() && !owner.equals(lease.owner())) {
        lease = Lease.none();
      }
      Task next = new Task(
          cur.id(),
          cur.teamId(),
          cur.title(),
          cur.description(),
          owner,
          target,
          cur.blockedBy(),
          metadata,
          lease,
          cur.createdAt(),
          now);
      // Everything is read and checked before anything is written: the dependents to change
      // (the index entry verified, rebuilt when bad), then the journal entry, then the records.
      // Setting the current status again also settles the dependents: it repairs a completion
      // that an older version left half-done.
      for (TaskHook h : hooks) {
        h.check(ctx.layout().dataDir(), cur, next, update);
      }
      List<Change> plan = update.state() != null ? planPropagation(next) : List.of();
      ObjectNode record = TaskCodec.encode(node, next);
      Path entry = null;
      if (!plan.isEmpty()) {
        ObjectNode e = Json.object();
        e.put("version", 1);
        e.put("op", "task.update");
        e.put("task_id", cur.id());
        e.put("from", cur.state().wireName());
        e.put("from_updated_at", StateFormat.formatTimestamp(cur.updatedAt()));
        e.put("status", next.state().wireName());
        e.put("records_to_change", plan.size());
        e.put("created_at", StateFormat.formatTimestamp(now));
        e.set("record", record.deepCopy());
        entry = journal.begin(e, now);
      }
      put(f, record, next);
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("task_id", cur.id());
      if (target != cur.state()) {
        details.put("from", cur.state().wireName());
        details.put("status", target.wireName());
      }
      if (update.owner() != null) {
        details.put("owner", owner);
      }
      if (!update.metadata().isEmpty()) {
        details.put("metadata", new ArrayList<>(update.metadata().keySet()));
      }
      ctx.audit("task.update", owner, details);
      apply(plan, now);
      if (entry != null) {
        journal.end(entry);
      }
      index.recordWrites(0);
      return new Saved(cur, next);
    }
  }

  /** One record write of a propagation, worked out before anything is written. */
  private record Change(
      Loaded target,
      TaskState state,
      Map<String, Object> metadata,
      String event,
      Map<String, Object> details) {}

  /**
   * Works out, reading only, what settling the dependents of {@code changed} writes: done
   * unblocks exactly the blocked dependents whose dependencies are now all done; failed or
   * cancelled under {@link FailurePolicy#FAIL_DEPENDENTS} fails the blocked and pending ones,
   * transitively. Dependents already settled are left alone, so planning again after a crash
   * finds only what is left. Under the graph lock.
   */
  private List<Change> planPropagation(Task changed) {
    List<Change> plan = new ArrayList<>();
    if (changed.state() == TaskState.DONE) {
      for (String id : index.dependents(changed.id())) {
        Optional<Loaded> d = load(id);
        if (d.isEmpty() || d.get().task.state() != TaskState.BLOCKED) {
          continue;
        }
        Task t = d.get().task;
        if (!t.blockedBy().contains(changed.id())) {
          continue;
        }
        if (unfinishedDependencies(t, Set.of(changed.id())).isEmpty()) {
          plan.add(new Change(
              d.get(),
              TaskState.PENDING,
              t.metadata(),
              "task.unblock",
              Map.of("task_id", t.id(), "status", "pending", "completed", changed.id())));
        }
      }
    } else if ((changed.state() == TaskState.FAILED || changed.state() == TaskState.CANCELLED)
        && index.hasDependents(changed.id())
        && failurePolicy() == FailurePolicy.FAIL_DEPENDENTS) {
      Deque<String> queue = new ArrayDeque<>();
      Set<String> seen = new HashSet<>();
      queue.add(changed.id());
      seen.add(changed.id());
      while (!queue.isEmpty()) {
        String from = queue.poll();
        for (String id : index.dependents(from)) {
          if (!seen.add(id)) {
            continue;
          }
          Optional<Loaded> d = load(id);
          if (d.isEmpty()) {
            continue;
          }
          Task t = d.get().task;
          if (t.state() == TaskState.FAILED || t.state() == TaskState.CANCELLED) {
            // Failed before (perhaps by this very propagation, before a crash): its own
            // dependents may still wait to be failed.
            queue.add(id);
            continue;
          }
          if (t.state() != TaskState.BLOCKED && t.state() != TaskState.PENDING) {
            continue;
          }
          Map<String, Object> m = new LinkedHashMap<>(t.metadata());
          m.put("failed_dependency", changed.id());
          m.put("error", "dependency " + changed.id() + " is " + changed.state().wireName());
          plan.add(new Change(
              d.get(),
              TaskState.FAILED,
              m,
              "task.update",
              Map.of("task_id", t.id(), "status", "failed", "failed_dependency", changed.id())));
          queue.add(id);
        }
      }
    }
    return plan;
  }

  /** Writes the records of a plan; under the graph lock. */
  private void apply(List<Change> plan, Instant now) {
    for (Change c : plan) {
      Task t = c.target().task;
      write(c.target(), t, c.state(), c.metadata(), now);
      ctx.audit(c.event(), t.owner(), c.details());
    }
  }

  // ---------------------------------------------------------------- claims

  @Override
  public Task claim(String taskId, String owner, Duration lease) {
    StateFormat.requireName("agent", owner);
    requirePositive(lease);
    try (StateLock lock = open()) {
      Path f = existingFile(taskId);
      Loaded l = new Loaded(f, ctx.store().read(f));
      Task t = claimLoaded(l, owner, lease, true);
      index.recordWrites(0);
      return t;
    }
  }

  @Override
  public Optional<Task> claimNext(String owner, Duration lease) {
    StateFormat.requireName("agent", owner);
    requirePositive(lease);
    try (StateLock lock = open()) {
      Instant now = ctx.now();
      Optional<Loaded> next = nextClaimable(owner, now);
      if (next.isEmpty()) {
        return Optional.empty();
      }
      Task t = claimLoaded(next.get(), owner, lease, false);
      index.recordWrites(0);
      return Optional.of(t);
    }
  }

  private static boolean claimableBy(Task t, String owner, Instant now) {
    return (t.state() == TaskState.PENDING && (!t.hasOwner() || t.owner().equals(owner)))
        || (t.state() == TaskState.RUNNING && t.lease().isExpired(now));
  }

  /**
   * The oldest task {@code owner} can claim: read from the open-tasks log's candidates (the open
   * tasks, not every task of the team), or from every task file when the log is not trusted, which
   * then rebuilds it. Under the graph lock.
   */
  private Optional<Loaded> nextClaimable(String owner, Instant now) {
    Optional<OpenTasksLog.Entries> log = openLog.read();
    if (log.isEmpty()) {
      List<Task> all = listFiles().items();
      openLog.rebuild(all.stream().filter(OpenTasksLog::isOpen).toList());
      return all.stream()
          .filter(t -> claimableBy(t, owner, now))
          .findFirst()
          .map(t -> new Loaded(file(t.id()), ctx.store().read(file(t.id()))));
    }
    List<String> keys = log.get().keys();
    List<String> keep = new ArrayList<>(keys.size());
    Optional<Loaded> found = Optional.empty();
    int i = 0;
    for (; i < keys.size() && found.isEmpty(); i++) {
      Optional<Loaded> l = load(OpenTasksLog.Entries.id(keys.get(i)));
      if (l.isEmpty() || !OpenTasksLog.isOpen(l.get().task)) {
        continue; // gone, or closed by an operation killed before it logged so: dropped below
      }
      keep.add(keys.get(i));
      if (claimableBy(l.get().task, owner, now)) {
        found = l;
      }
    }
    keep.addAll(keys.subList(i, keys.size()));
    if (keep.size() < keys.size() || log.get().wantsCompaction(keep.size())) {
      openLog.rewrite(keep);
    }
    return found;
  }

  private Task claimLoaded(Loaded l, String owner, Duration lease, boolean explicit) {
    Task cur = l.task;
    Instant now = ctx.now();
    boolean takeover = cur.state() == TaskState.RUNNING && cur.lease().isExpired(now);
    if (cur.state() != TaskState.PENDING && !takeover) {
      String why;
      if (cur.state() == TaskState.RUNNING) {
        why = "it is running"
            + (cur.hasOwner() ? " (owner " + cur.owner() + ")" : "")
            + (cur.lease().isPresent()
                ? ", leased until " + StateFormat.formatTimestamp(cur.lease().expiresAt())
                : "");
      } else if (cur.state() == TaskState.BLOCKED) {
        why = "it is blocked by " + describe(unfinishedDependencies(cur, Set.of()));
      } else {
        why = "it is " + cur.state().wireName();
      }
      throw new IllegalStateException(
          "Cannot claim task " + cur.id() + ": " + why + "; only pending tasks can be claimed");
    }
    if (explicit && !takeover && cur.hasOwner() && !cur.owner().equals(owner)) {
      throw new Remedied.InvalidState(
          new Remedied.Remedy(Remedied.Action.REASSIGN_TASK, cur.id(), ctx.teamId(), owner),
          "Cannot claim task " + cur.id() + " for " + owner + ": it is assigned to " + cur.owner()
              + "; reassign it to " + owner + " first (Tasks.update)");
    }
    Map<String, Object> m = new LinkedHashMap<>(cur.metadata());
    if (takeover && !cur.lease().owner().equals(owner)) {
      m.put("reassigned_from", cur.lease().owner());
      m.put("reassigned_at", StateFormat.formatTimestamp(now));
    }
    Task next = new Task(
        cur.id(),
        cur.teamId(),
        cur.title(),
        cur.description(),
        owner,
        TaskState.RUNNING,
        cur.blockedBy(),
        m,
        new Lease(owner, now.plus(lease)),
        cur.createdAt(),
        now);
    put(l.file, TaskCodec.encode(l.node, next), next);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("task_id", cur.id());
    details.put("status", "running");
    details.put("lease_seconds", lease.toSeconds());
    if (takeover) {
      details.put("expired_lease_of", cur.lease().owner());
    }
    ctx.audit("task.claim", owner, details);
    return next;
  }

  @Override
  public Task renew(String taskId, String owner, Duration lease) {
    StateFormat.requireName("agent", owner);
    requirePositive(lease);
    try (StateLock lock = open()) {
      Path f = existingFile(taskId);
      ObjectNode node = ctx.store().read(f);
      Task cur = decode(f, node);
      if (cur.state() != TaskState.RUNNING || !cur.lease().owner().equals(owner)) {
        throw new Remedied.InvalidState(
            Remedied.Remedy.of(Remedied.Action.CLAIM_TASK, cur.id(), ctx.teamId()),
            "Cannot renew the lease of task " + cur.id() + " for "
                + owner + ": it is " + cur.state().wireName()
                + (cur.lease().isPresent()
                    ? " and leased by " + cur.lease().owner()
                    : " without lease")
                + "; claim it first (Tasks.claim)");
      }
      Instant now = ctx.now();
      Task next = new Task(
          cur.id(),
          cur.teamId(),
          cur.title(),
          cur.description(),
          cur.owner(),
          cur.state(),
          cur.blockedBy(),
          cur.metadata(),
          new Lease(owner, now.plus(lease)),
          cur.createdAt(),
          now);
      ctx.store().write(f, TaskCodec.encode(node, next));
      ctx.audit(
          "task.renew", owner, Map.of("task_id", cur.id(), "lease_seconds", lease.toSeconds()));
      index.recordWrites(0);
      return next;
    }
  }

  @Override
  public List<Task> reapExpiredLeases() {
    try (StateLock lock = open()) {
      Instant now = ctx.now();
      List<Task> reaped = new ArrayList<>();
      for (Task t : listFiles().items()) {
        if (t.state() != TaskState.RUNNING || !t.lease().isExpired(now)) {
          continue;
        }
        Optional<Loaded> l = load(t.id());
        if (l.isEmpty()) {
          continue;
        }
        Map<String, Object> m = new LinkedHashMap<>(t.metadata());
        m.put("lease_expired_from", t.lease().owner());
        TaskState to =
            unfinishedDependencies(t, Set.of()).isEmpty() ? TaskState.PENDING : TaskState.BLOCKED;
        Task next = new Task(
            t.id(),
            t.teamId(),
            t.title(),
            t.description(),
            "",
            to,
            t.blockedBy(),
            m,
            Lease.none(),
            t.createdAt(),
            now);
        put(l.get().file, TaskCodec.encode(l.get().node, next), next);
        ctx.audit(
            "task.lease_expired",
            t.lease().owner(),
            Map.of("task_id", t.id(), "status", to.wireName()));
        reaped.add(next);
      }
      index.recordWrites(0);
      return reaped;
    }
  }

  // ---------------------------------------------------------------- policy

  @Override
  public FailurePolicy failurePolicy() {
    ObjectNode team = ctx.store().read(ctx.layout().teamFile(ctx.teamId()));
    String p = Json.text(team, FAILURE_POLICY, "");
    if (p.isEmpty()) {
      return FailurePolicy.KEEP_BLOCKED;
    }
    try {
      return FailurePolicy.valueOf(p.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new StateException(
          ctx.layout().teamFile(ctx.teamId()),
          "Unknown failure_policy '" + StateFormat.printable(p) + "' in "
              + ctx.layout().teamFile(ctx.teamId())
              + "; use keep_blocked or fail_dependents");
    }
  }

  @Override
  public void failurePolicy(FailurePolicy policy) {
    Objects.requireNonNull(policy, "policy");
    try (StateLock lock = open()) {
      Path f = ctx.layout().teamFile(ctx.teamId());
      ObjectNode team = ctx.store().read(f);
      team.put(FAILURE_POLICY, policy.name().toLowerCase(Locale.ROOT));
      ctx.store().write(f, team);
      ctx.audit("team.failure_policy", "", Map.of("failure_policy", policy.name()));
    }
  }

  // ---------------------------------------------------------------- waits

  @Override
  public boolean awaitFinished(String taskId, Duration timeout) throws InterruptedException {
    return awaitAllFinished(List.of(taskId), timeout);
  }

  @Override
  public boolean awaitAllFinished(Collection<String> taskIds, Duration timeout)
      throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    Set<String> remaining = ConcurrentHashMap.newKeySet();
    for (String id : taskIds) {
      get(id);
      remaining.add(id);
    }
    ReentrantLock lock = new ReentrantLock();
    Condition finished = lock.newCondition();
    try (Subscription s = ctx.events().subscribe(e -> {
      if (e instanceof TeamEvent.TaskChanged tc
          && tc.task().state().isFinished()
          && remaining.remove(tc.task().id())
          && remaining.isEmpty()) {
        lock.lock();
        try {
          finished.signalAll();
        } finally {
          lock.unlock();
        }
      }
    })) {
      // Checked after subscribing, so a change between the check and the wait is not missed.
      for (String id : List.copyOf(remaining)) {
        if (get(id).state().isFinished()) {
          remaining.remove(id);
        }
      }
      // The team's time: real, or a simulated clock that ends the wait when it passes the
      // deadline.
      long left = saturatedNanos(timeout);
      lock.lock();
      try {
        while (!remaining.isEmpty()) {
          if (left <= 0) {
            return false;
          }
          left = ctx.time().awaitNanos(lock, finished, left);
        }
        return true;
      } finally {
        lock.unlock();
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  private static long saturatedNanos(Duration d) {
    if (d.isNegative()) {
      return 0;
    }
    return d.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : d.toNanos();
  }

  private StateLock lock() {
    return ctx.lock(LOCK);
  }

  /**
   * Takes the graph lock, makes sure the index describes the task files, and rolls forward any
   * operation that died part-way: whoever takes the lock first finishes it.
   */
  private StateLock open() {
    StateLock lock = lock();
    try {
      index.validate();
      if (index.changedBehind()) {
        openLog.drop(); // a task may have opened behind it: the next claim scans every task
      }
      GraphJournal.Scan scan = journal.scan();
      adopt(scan);
      if (scan.hasPending()) {
        for (Path e : scan.pending()) {
          try {
            rollForward(e);
          } catch (InvalidJournalEntryException ex) {
            // Left in place, and reported by check(); a repair removes it after unblocking
            // whatever it would have unblocked. Said once per handle, not at every operation.
            if (unreadableEntries.add(e)) {
              log.warn(
                  "Cannot roll forward journal entry {} of team {}: {}; run a repair of the team",
                  e,
                  ctx.teamId(),
                  ex.getMessage());
            }
          }
        }
      }
      return lock;
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /**
   * Finishes the operation of a journal entry: writes the task as the operation meant to (unless
   * it has changed since), settles its dependents as its current state demands, and removes the
   * entry. Idempotent: a roll forward that dies is rolled forward again.
   *
   * @return what was done, one line
   * @throws InvalidJournalEntryException when the entry cannot be read or applied
   */
  private String rollForward(Path entryFile) {
    ObjectNode e;
    String id;
    ObjectNode record;
    try {
      e = ctx.store().read(entryFile);
    } catch (RuntimeException ex) {
      throw new InvalidJournalEntryException(
          ex instanceof StateException se
              ? RecordStore.reasonOf(se)
              : Objects.toString(ex.getMessage(), ex.toString()));
    }
    if (CREATE_BATCH.equals(Json.text(e, "op", ""))) {
      return rollBackBatch(entryFile, e);
    }
    if (CREATE_COMMITTED.equals(Json.text(e, "op", ""))) {
      return rollForwardBatch(entryFile, e);
    }
    try {
      id = StateFormat.requireId("task id", Json.text(e, "task_id", ""));
      if (!(e.get("record") instanceof ObjectNode r)) {
        throw new IllegalArgumentException("field 'record' must be a task record");
      }
      record = r;
      if (!id.equals(TaskCodec.decode(record).id())) {
        throw new IllegalArgumentException("its record is of another task");
      }
    } catch (RuntimeException ex) {
      throw new InvalidJournalEntryException(
          ex instanceof StateException se
              ? RecordStore.reasonOf(se)
              : Objects.toString(ex.getMessage(), ex.toString()));
    }
    Instant now = ctx.now();
    Optional<Loaded> l;
    try {
      Path f = file(id);
      l = ctx.store().readIfExists(f).map(n -> new Loaded(f, n));
    } catch (RuntimeException ex) {
      // Kept, so the interrupted update is not forgotten while its task cannot be read.
      throw new InvalidJournalEntryException("its task " + id + " cannot be read: "
          + (ex instanceof StateException se ? RecordStore.reasonOf(se) : ex.getMessage()));
    }
    if (l.isEmpty()) {
      journal.end(entryFile);
      return "dropped journal entry " + entryFile.getFileName() + ": task " + id
          + " no longer exists";
    }
    Task cur = l.get().task;
    String from = Json.text(e, "from", "");
    String fromUpdatedAt = Json.text(e, "from_updated_at", "");
    boolean taskWritten = true;
    if (cur.state().wireName().equals(from)
        && StateFormat.formatTimestamp(cur.updatedAt()).equals(fromUpdatedAt)) {
      // The operation died before it wrote the task: write it now.
      cur = decode(l.get().file, record);
      put(l.get().file, record, cur);
      taskWritten = false;
    }
    List<Change> plan = planPropagation(cur);
    apply(plan, now);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("task_id", id);
    details.put("status", cur.state().wireName());
    details.put("journal_entry", entryFile.getFileName().toString());
    details.put("records_changed", plan.size() + (taskWritten ? 0 : 1));
    ctx.audit("task.roll_forward", cur.owner(), details);
    journal.end(entryFile);
    index.recordWrites(0);
    String done = "rolled forward the interrupted update of task " + id + " to "
        + cur.state().wireName() + " (journal entry " + entryFile.getFileName() + "): "
        + (taskWritten ? "" : "wrote the task, ") + changes(plan);
    log.info("Team {}: {}", ctx.teamId(), done);
    return done;
  }

  private static String changes(List<Change> plan) {
    long unblocked = plan.stream().filter(c -> c.state() == TaskState.PENDING).count();
    long failed = plan.size() - unblocked;
    if (plan.isEmpty()) {
      return "no dependent needed a change";
    }
    return (unblocked > 0 ? "unblocked " + unblocked + " dependent(s)" : "")
        + (unblocked > 0 && failed > 0 ? ", " : "")
        + (failed > 0 ? "failed " + failed + " dependent(s)" : "");
  }

  /** A journal entry that cannot be read or applied; the message is the reason. */
  private static final class InvalidJournalEntryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidJournalEntryException(String reason) {
      super(reason, null, false, false);
    }
  }

  // ---------------------------------------------------------------- check and repair

  private static final String REPAIR_FIX = "repair team %s (Tasks.repair())";

  @Override
  public GraphCheck check() {
    // The lock gives a consistent view (no operation half-way) and is all this takes: nothing is
    // written, not even the index or the journal.
    try (StateLock lock = lock()) {
      return new GraphCheck(findProblems(listFiles()));
    }
  }

  private List<GraphProblem> findProblems(Listing<Task> all) {
    String fix = String.format(REPAIR_FIX, ctx.teamId());
    List<GraphProblem> out = new ArrayList<>();
    for (Path e : journal.entries()) {
      String taskId = "";
      String what;
      GraphProblem.Kind kind = GraphProblem.Kind.PENDING_JOURNAL;
      try {
        ObjectNode n = ctx.store().read(e);
        if (CREATE_BATCH.equals(Json.text(n, "op", ""))) {
          what = "a creation of " + n.path("task_ids").size() + " tasks in one batch was"
              + " interrupted; its tasks are removed (all or nothing)";
        } else if (CREATE_COMMITTED.equals(Json.text(n, "op", ""))) {
          what = "a creation of " + n.path("task_ids").size() + " tasks in one batch was"
              + " committed, but its task files may not all be on disk (the process or the"
              + " machine stopped); they are written again from the entry";
        } else {
          taskId = Json.text(n, "task_id", "");
          what = "an update of task " + StateFormat.printable(taskId) + " from "
              + Json.text(n, "from", "?") + " to " + Json.text(n, "status", "?")
              + " was interrupted before it had settled its dependents";
        }
      } catch (RuntimeException ex) {
        kind = GraphProblem.Kind.CORRUPT_RECORD;
        what = "journal entry cannot be read: "
            + (ex instanceof StateException se ? RecordStore.reasonOf(se) : ex.getMessage());
      }
      out.add(new GraphProblem(kind, e, taskId, what, fix));
    }
    for (Listing.Problem p : all.problems()) {
      out.add(new GraphProblem(
          GraphProblem.Kind.CORRUPT_RECORD,
          p.path(),
          "",
          "task record cannot be read: " + p.reason(),
          "restore the file from a backup, or move it out of " + p.path().getParent()
              + " if the task is not needed"));
    }
    Map<String, Task> byId = new LinkedHashMap<>();
    all.items().forEach(t -> byId.put(t.id(), t));
    for (Task t : stranded(byId)) {
      out.add(new GraphProblem(
          GraphProblem.Kind.STRANDED_TASK,
          file(t.id()),
          t.id(),
          "task " + t.id() + " is blocked but its dependencies are all done: " + t.blockedBy(),
          fix + ", which makes it pending"));
    }
    if (!index.isStale()) {
      // A stale index (tasks written behind it) is rebuilt by the next operation anyway.
      index
          .verify(reverseEdges(all))
          .forEach((path, why) -> out.add(new GraphProblem(
              GraphProblem.Kind.INDEX_MISMATCH,
              path,
              "",
              "dependents index entry: " + why,
              fix + ", which rebuilds the index from the task files")));
    }
    return out;
  }

  /**
   * Returns the blocked tasks whose dependencies all exist and are done. A blocked task without
   * dependencies is a hold set by hand (pending to blocked), not a stranded one, and is left alone.
   */
  private static List<Task> stranded(Map<String, Task> byId) {
    List<Task> out = new ArrayList<>();
    for (Task t : byId.values()) {
      if (t.state() == TaskState.BLOCKED
          && !t.blockedBy().isEmpty()
          && t.blockedBy().stream()
              .allMatch(d -> byId.containsKey(d) && byId.get(d).state() == TaskState.DONE)) {
        out.add(t);
      }
    }
    return out;
  }

  private static Map<String, Set<String>> reverseEdges(Listing<Task> all) {
    Map<String, Set<String>> reverse = new java.util.TreeMap<>();
    for (Task t : all.items()) {
      for (String d : t.blockedBy()) {
        reverse.computeIfAbsent(d, k -> new java.util.LinkedHashSet<>()).add(t.id());
      }
    }
    return reverse;
  }

  @Override
  public GraphRepair repair() {
    try (StateLock lock = lock()) {
      List<String> changes = new ArrayList<>();
      // Derived data, rebuilt by the next claim from every task file.
      openLog.drop();
      adopt(journal.scan());
      if (index.validate()) {
        changes.add(
            "rebuilt the dependents index " + index.dir() + ": task files had changed behind it");
      }
      Map<Path, String> bad = index.verify(reverseEdges(listFiles()));
      if (!bad.isEmpty()) {
        index.rebuild();
        changes.add("rebuilt the dependents index " + index.dir() + ": " + bad.size()
            + " entr" + (bad.size() == 1 ? "y" : "ies") + " disagreed with the tasks ("
            + bad.entrySet().stream()
                .limit(3)
                .map(x -> x.getKey().getFileName() + ": " + x.getValue())
                .collect(Collectors.joining("; "))
            + (bad.size() > 3 ? "; …" : "") + ")");
      }
      for (Path e : journal.entries()) {
        try {
          changes.add(rollForward(e));
        } catch (InvalidJournalEntryException ex) {
          // The pass over stranded tasks below unblocks whatever this entry would have.
          journal.end(e);
          changes.add("removed unreadable journal entry " + e + " (" + ex.getMessage() + ")");
        }
      }
      Instant now = ctx.now();
      Listing<Task> all = listFiles();
      Map<String, Task> byId = new LinkedHashMap<>();
      all.items().forEach(t -> byId.put(t.id(), t));
      for (Task t : stranded(byId)) {
        Optional<Loaded> l = load(t.id());
        if (l.isEmpty()) {
          continue;
        }
        write(l.get(), l.get().task, TaskState.PENDING, l.get().task.metadata(), now);
        ctx.audit(
            "task.unblock",
            t.owner(),
            Map.of("task_id", t.id(), "status", "pending", "repair", true));
        changes.add(
            "unblocked task " + t.id() + ": its dependencies " + t.blockedBy() + " are all done");
      }
      index.recordWrites(0);
      if (!changes.isEmpty()) {
        log.info("Repaired team {}: {}", ctx.teamId(), String.join("; ", changes));
      }
      return new GraphRepair(changes, new GraphCheck(findProblems(listFiles())));
    }
  }

  private Path file(String taskId) {
    return ctx.layout().record(ctx.teamId(), SUB, StateFormat.requireId("task id", taskId));
  }

  private Path existingFile(String taskId) {
    Path f = file(taskId);
    if (!Files.exists(f)) {
      get(taskId);
    }
    return f;
  }

  private static Task decode(Path file, ObjectNode node) {
    try {
      return TaskCodec.decode(node);
    } catch (IllegalArgumentException e) {
      throw new StateException(file, "Cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** A task with the node and file it was read from. */
  private record Loaded(Path file, ObjectNode node, Task task) {
    Loaded(Path file, ObjectNode node) {
      this(file, node, decode(file, node));
    }
  }

  /** Reads a task for propagation; a missing or unreadable one is logged and skipped. */
  private Optional<Loaded> load(String id) {
    try {
      Path f = file(id);
      return ctx.store().readIfExists(f).map(n -> new Loaded(f, n));
    } catch (RuntimeException e) {
      log.warn("Skipping task {} of team {}: {}", id, ctx.teamId(), e.getMessage());
      return Optional.empty();
    }
  }

  private void write(Loaded l, Task t, TaskState state, Map<String, Object> metadata, Instant now) {
    Task next = new Task(
        t.id(),
        t.teamId(),
        t.title(),
        t.description(),
        t.owner(),
        state,
        t.blockedBy(),
        metadata,
        state == TaskState.RUNNING ? t.lease() : Lease.none(),
        t.createdAt(),
        now);
    put(l.file, TaskCodec.encode(l.node, next), next);
  }

  /** Returns the dependencies of {@code t} that are not done, skipping ids known to be done. */
  private List<Task> unfinishedDependencies(Task t, Set<String> knownDone) {
    List<Task> open = new ArrayList<>();
    for (String d : t.blockedBy()) {
      if (knownDone.contains(d)) {
        continue;
      }
      Optional<Loaded> l = load(d);
      if (l.isEmpty()) {
        // A missing dependency can never be done: the task stays blocked, and says why.
        open.add(new Task(
            d,
            ctx.teamId(),
            "(missing)",
            "",
            "",
            TaskState.BLOCKED,
            List.of(),
            Map.of(),
            Lease.none(),
            Instant.EPOCH,
            Instant.EPOCH));
      } else if (l.get().task.state() != TaskState.DONE) {
        open.add(l.get().task);
      }
    }
    return open;
  }

  /** Reads the dependencies of a new task; every one must exist. */
  private Map<String, Task> readDependencies(List<String> ids, String title) {
    Map<String, Task> out = new LinkedHashMap<>();
    for (String d : ids) {
      StateFormat.requireId("task id", d);
      Path f = file(d);
      Optional<ObjectNode> n = ctx.store().readIfExists(f);
      if (n.isEmpty()) {
        throw new Remedied.NotFound(
            Remedied.Remedy.of(Remedied.Action.LIST_TASKS, d, ctx.teamId()),
            "Task '" + StateFormat.printable(title) + "' depends on unknown task '" + d
                + "' in team " + ctx.teamId() + "; list the tasks with Tasks.list()");
      }
      out.put(d, decode(f, n.get()));
    }
    return out;
  }

  private static String describe(List<Task> tasks) {
    return tasks.stream()
        .map(t -> t.id() + " ("
            + ("(missing)".equals(t.title()) ? "missing" : t.state().wireName()) + ")")
        .collect(Collectors.joining(", "));
  }

  private static String illegalMove(Task cur, TaskState target) {
    Set<TaskState> allowed = cur.state().allowedNext();
    return "Cannot move task " + cur.id() + " from " + cur.state().wireName() + " to "
        + target.wireName() + "; allowed from " + cur.state().wireName() + ": "
        + (allowed.isEmpty()
            ? "none (" + cur.state().wireName() + " is final)"
            : allowed.stream().map(TaskState::wireName).collect(Collectors.joining(", ")));
  }

  private static void checkSpec(TaskSpec spec) {
    if (!spec.owner().isEmpty()) {
      StateFormat.requireName("owner", spec.owner());
    }
    for (String d : spec.blockedBy()) {
      StateFormat.requireId("task id", d);
    }
    checkMetadata(spec.metadata());
  }

  private static void checkMetadata(Map<String, Object> metadata) {
    for (Map.Entry<String, Object> e : metadata.entrySet()) {
      String k = e.getKey();
      String problem = null;
      if (k.isEmpty()) {
        problem = "it is empty";
      } else if (k.length() > MAX_METADATA_KEY) {
        problem = "it is " + k.length() + " characters long (at most " + MAX_METADATA_KEY + ")";
      } else if (k.chars().anyMatch(Character::isISOControl)) {
        problem = "it contains a control character";
      }
      if (problem != null) {
        throw new IllegalArgumentException("Invalid metadata key '" + StateFormat.printable(k)
            + "': " + problem + "; use a short printable name such as val_loss");
      }
      if ("val_loss".equals(k) && e.getValue() != null) {
        Object v = e.getValue();
        if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
          throw new IllegalArgumentException("Invalid val_loss "
              + (v instanceof String str ? "'" + StateFormat.printable(str) + "'" : v)
              + ": it must be a finite number");
        }
      }
    }
  }

  private static void requirePositive(Duration lease) {
    Objects.requireNonNull(lease, "lease");
    if (lease.isNegative() || lease.isZero()) {
      throw new InvalidSettingException(
          List.of("lease"),
          "Invalid lease " + lease.toSeconds() + " s: it must be positive, e.g. 600 s");
    }
  }

  @Override
  public String toString() {
    return "Tasks[" + ctx.teamId() + "]";
  }

  /** Returns the index, for tests and benchmarks. */
  DependentsIndex index() {
    return index;
  }
}
