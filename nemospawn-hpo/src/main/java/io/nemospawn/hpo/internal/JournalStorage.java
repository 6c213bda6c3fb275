package io.nemospawn.hpo.internal;

import io.nemospawn.StateException;
import io.nemospawn.hpo.Direction;
import io.nemospawn.hpo.Distribution;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.StudyInfo;
import io.nemospawn.hpo.StudyStorage;
import io.nemospawn.hpo.TrialState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A {@link StudyStorage} kept as an append-only journal of operations, one JSON object per line.
 * Every operation, reads included, runs under an in-JVM lock plus an exclusive OS lock on the file
 * ({@code fcntl} on Linux, which NFS honours through its lock manager): replay the lines appended
 * since the last visit, validate the operation against the replayed state, append it, force it to
 * disk, release. So any number of processes on any hosts see one history, trial numbers are
 * assigned densely under the lock, and nothing is lost. A torn last line (a crash mid-write) is
 * skipped with a warning and terminated before the next append.
 */
public final class JournalStorage implements StudyStorage {
  private static final Logger log = LoggerFactory.getLogger(JournalStorage.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private final Path file;
  private final ReentrantLock jvmLock;
  private StudyModel model = new StudyModel();
  private long offset;
  private @Nullable FileChannel channel;

  public JournalStorage(Path file) {
    this.file = file.toAbsolutePath().normalize();
    this.jvmLock = JVM_LOCKS.computeIfAbsent(this.file, p -> new ReentrantLock());
    try {
      Path dir = this.file.getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
      channel = FileChannel.open(
          this.file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new StateException(
          this.file, "Cannot open HPO journal " + this.file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public <T> T underAskLock(String study, java.util.function.Supplier<T> action) {
    return FileAskLock.run(file.resolveSibling(file.getFileName() + ".ask.lock"), action);
  }

  /** Returns the journal file. */
  public Path file() {
    return file;
  }

  private <T> T locked(@Nullable ObjectNode op, Function<StudyModel, T> action) {
    jvmLock.lock();
    try {
      FileChannel ch = channel;
      if (ch == null) {
        throw new IllegalStateException("Journal storage " + file + " is closed.");
      }
      try (FileLock ignored = ch.lock()) {
        replay(ch);
        T result = action.apply(model);
        if (op != null) {
          append(ch, op);
        }
        return result;
      } catch (IOException e) {
        model = new StudyModel();
        offset = 0;
        throw new StateException(file, "Cannot use HPO journal " + file + ": " + e.getMessage(), e);
      }
    } finally {
      jvmLock.unlock();
    }
  }

  private void replay(FileChannel ch) throws IOException {
    long size = ch.size();
    if (size <= offset) {
      return;
    }
    ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(size - offset));
    long pos = offset;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        break;
      }
      pos += n;
    }
    byte[] bytes = buf.array();
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        applyLine(new String(bytes, start, i - start, StandardCharsets.UTF_8), offset + start);
        start = i + 1;
      }
    }
    // a line without its newline is either being written (impossible: we hold the lock) or torn
    // by a crash; it is skipped now and terminated before our next append.
    if (start < bytes.length) {
      log.warn("Skipping a torn line at byte {} of HPO journal {}", offset + start, file);
    }
    offset = offset + bytes.length;
  }

  private void applyLine(String line, long at) {
    if (line.isBlank()) {
      return;
    }
    try {
      apply(model, JSON.readTree(line));
    } catch (RuntimeException e) {
      log.warn("Skipping bad line at byte {} of HPO journal {}: {}", at, file, e.getMessage());
    }
  }

  private void append(FileChannel ch, ObjectNode op) throws IOException {
    long size = ch.size();
    boolean needsNewline = false;
    if (size > 0) {
      ByteBuffer last = ByteBuffer.allocate(1);
      ch.read(last, size - 1);
      needsNewline = last.get(0) != '\n';
    }
    byte[] line = ((needsNewline ? "\n" : "") + JSON.writeValueAsString(op) + "\n")
        .getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.wrap(line);
    long pos = size;
    while (buf.hasRemaining()) {
      pos += ch.write(buf, pos);
    }
    ch.force(false);
    offset = pos;
  }

  static void apply(StudyModel m, JsonNode op) {
    String study = op.get("study").asString();
    switch (op.get("op").asString()) {
      case "study" -> {
        Map<String, String> attrs = new LinkedHashMap<>();
        op.get("attrs")
            .properties()
            .forEach(e -> attrs.put(e.getKey(), e.getValue().asString()));
        m.createStudy(study, Direction.valueOf(op.get("direction").asString()), attrs);
      }
      case "study_attr" ->
        m.setStudyUserAttr(study, op.get("key").asString(), op.get("json").asString());
      case "trial" -> m.createTrial(study, 0, Instant.parse(op.get("start").asString()));
      case "params" -> {
        Map<String, Distribution> d = new LinkedHashMap<>();
        Map<String, Double> v = new LinkedHashMap<>();
        op.get("params").properties().forEach(e -> {
          d.put(e.getKey(), Distribution.fromJson(e.getValue().get("d").asString()));
          v.put(e.getKey(), num(e.getValue().get("v")));
        });
        m.setParams(study, op.get("number").asInt(), d, v);
      }
      case "report" ->
        m.report(study, op.get("number").asInt(), op.get("step").asInt(), num(op.get("value")));
      case "sattr", "uattr" ->
        m.setTrialAttr(
            study,
            op.get("number").asInt(),
            op.get("key").asString(),
            op.get("json").asString(),
            op.get("op").asString().equals("sattr"));
      case "finish" ->
        m.finish(
            study,
            op.get("number").asInt(),
            TrialState.valueOf(op.get("state").asString()),
            num(op.get("value")),
            Instant.parse(op.get("end").asString()));
      default -> throw new IllegalArgumentException("unknown operation " + op.get("op"));
    }
  }

  private static double num(JsonNode n) {
    return n.isNumber() ? n.asDouble() : Double.parseDouble(n.asString());
  }

  private static ObjectNode op(String name, String study) {
    ObjectNode n = JSON.createObjectNode();
    n.put("op", name);
    n.put("study", study);
    return n;
  }

  private static void putNum(ObjectNode n, String key, double v) {
    if (Double.isFinite(v)) {
      n.put(key, v);
    } else {
      n.put(key, Double.toString(v));
    }
  }

  @Override
  public void createStudy(String study, Direction direction, Map<String, String> attrs) {
    ObjectNode op = op("study", study);
    op.put("direction", direction.name());
    ObjectNode a = op.putObject("attrs");
    attrs.forEach(a::put);
    locked(op, m -> {
      m.createStudy(study, direction, attrs);
      return null;
    });
  }

  @Override
  public Optional<StudyInfo> findStudy(String study) {
    return locked(null, m -> m.findStudy(study));
  }

  @Override
  public List<String> studyNames() {
    return locked(null, StudyModel::studyNames);
  }

  @Override
  public void setStudyUserAttr(String study, String key, String json) {
    ObjectNode op = op("study_attr", study);
    op.put("key", key);
    op.put("json", json);
    locked(op, m -> {
      m.setStudyUserAttr(study, key, json);
      return null;
    });
  }

  @Override
  public int createTrial(String study, int maxTrials, Instant start) {
    ObjectNode op = op("trial", study);
    op.put("start", start.toString());
    return locked(op, m -> {
      int n = m.createTrial(study, maxTrials, start);
      op.put("number", n);
      return n;
    });
  }

  @Override
  public void setParams(
      String study, int number, Map<String, Distribution> dists, Map<String, Double> internal) {
    ObjectNode op = op("params", study);
    op.put("number", number);
    ObjectNode p = op.putObject("params");
    internal.forEach((k, v) -> {
      ObjectNode e = p.putObject(k);
      e.put("d", dists.get(k) == null ? "null" : dists.get(k).toJson());
      putNum(e, "v", v);
    });
    locked(op, m -> {
      m.setParams(study, number, dists, internal);
      return null;
    });
  }

  @Override
  public void reportIntermediate(String study, int number, int step, double value) {
    ObjectNode op = op("report", study);
    op.put("number", number);
    op.put("step", step);
    putNum(op, "value", value);
    locked(op, m -> {
      m.report(study, number, step, value);
      return null;
    });
  }

  private void attr(String kind, String study, int number, String key, String json) {
    ObjectNode op = op(kind, study);
    op.put("number", number);
    op.put("key", key);
    op.put("json", json);
    locked(op, m -> {
      m.setTrialAttr(study, number, key, json, kind.equals("sattr"));
      return null;
    });
  }

  @Override
  public void setTrialSystemAttr(String study, int number, String key, String json) {
    attr("sattr", study, number, key, json);
  }

  @Override
  public void setTrialUserAttr(String study, int number, String key, String json) {
    attr("uattr", study, number, key, json);
  }

  @Override
  public void finishTrial(String study, int number, TrialState state, double value, Instant end) {
    ObjectNode op = op("finish", study);
    op.put("number", number);
    op.put("state", state.name());
    putNum(op, "value", value);
    op.put("end", end.toString());
    locked(op, m -> {
      m.finish(study, number, state, value, end);
      return null;
    });
  }

  @Override
  public List<FrozenTrial> trials(String study) {
    return locked(null, m -> m.trials(study));
  }

  @Override
  public FrozenTrial trial(String study, int number) {
    return locked(null, m -> m.trial(study, number).freeze());
  }

  @Override
  public Changes changesSince(String study, @Nullable Changes previous) {
    return locked(null, m -> m.changesSince(study, previous));
  }

  @Override
  public void close() {
    jvmLock.lock();
    try {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException e) {
          log.warn("Cannot close HPO journal {}", file, e);
        }
        channel = null;
      }
    } finally {
      jvmLock.unlock();
    }
  }

  @Override
  public String toString() {
    return "JournalStorage[" + file + "]";
  }
}
