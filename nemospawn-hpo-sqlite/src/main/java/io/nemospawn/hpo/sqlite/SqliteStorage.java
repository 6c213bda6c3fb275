package io.nemospawn.hpo.sqlite;

import io.nemospawn.StateException;
import io.nemospawn.hpo.Direction;
import io.nemospawn.hpo.Distribution;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.StudyInfo;
import io.nemospawn.hpo.StudyStorage;
import io.nemospawn.hpo.TrialState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * A {@link StudyStorage} in an SQLite database with Optuna 3.1's schema (alembic revision {@value
 * #ALEMBIC_REVISION}, {@code version_info} 12 / 3.1.0), so Optuna 3.0/3.1 and its dashboard read
 * and write the same studies (newer Optuna upgrades the file in place with {@code optuna storage
 * upgrade}; we also open databases already at {@code v3.2.0.a}). Every operation is one
 * {@code BEGIN IMMEDIATE} transaction, so trial numbers ({@code count} of the study's trials) are
 * assigned under SQLite's write lock and are unique across processes; a busy database is waited
 * for up to 60 s, and an idle storage holds no lock. Datetimes are naive local time, as Optuna
 * writes them. Triggers keep a log of changed trials beside Optuna's tables ({@link
 * #changesSince}); asks of a study are serialised across processes by {@code <file>.ask.lock}.
 *
 * <p>Thread-safe: one connection, used under this object's lock.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class SqliteStorage implements StudyStorage {
  /** The alembic revision of Optuna 3.0/3.1 we write. */
  public static final String ALEMBIC_REVISION = "v3.0.0.d";

  private static final List<String> READABLE_REVISIONS = List.of("v3.0.0.d", "v3.2.0.a");
  private static final Logger log = LoggerFactory.getLogger(SqliteStorage.class);
  private static final DateTimeFormatter WRITE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
  private static final DateTimeFormatter READ = new DateTimeFormatterBuilder()
      .appendPattern("yyyy-MM-dd HH:mm:ss")
      .optionalStart()
      .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
      .optionalEnd()
      .toFormatter();

  /** How long an operation waits for another process's transaction, in ms. */
  private static final int BUSY_TIMEOUT_MS = 60_000;

  private final Path file;
  private final Connection conn;
  private boolean closed;

  private SqliteStorage(Path file, Connection conn) {
    this.file = file;
    this.conn = conn;
  }

  /**
   * Opens (creating, with Optuna 3.1's schema) the database in {@code file}.
   *
   * @throws io.nemospawn.StateException if it cannot be opened or has an unknown schema revision
   */
  public static SqliteStorage open(Path file) {
    Path abs = file.toAbsolutePath().normalize();
    try {
      if (abs.getParent() != null) {
        Files.createDirectories(abs.getParent());
      }
      SQLiteConfig config = new SQLiteConfig();
      config.setBusyTimeout(BUSY_TIMEOUT_MS);
      config.enforceForeignKeys(true);
      // Auto-commit stays on and every operation begins its own transaction (tx): with
      // auto-commit off, the driver begins the next transaction as it commits, so an idle
      // storage would hold the database's write lock and every other process would wait for it.
      Connection c = config.createConnection("jdbc:sqlite:" + abs);
      SqliteStorage s = new SqliteStorage(abs, c);
      s.initSchema();
      return s;
    } catch (SQLException | IOException e) {
      throw new StateException(
          abs, "Cannot open SQLite study database " + abs + ": " + e.getMessage(), e);
    }
  }

  /**
   * Runs {@code action} under an in-JVM lock and an OS file lock on {@code <file>.ask.lock}, so
   * asks in every process that opens this database take turns (as the journal storage's do).
   */
  @Override
  public <T> T underAskLock(String study, java.util.function.Supplier<T> action) {
    return StudyStorage.underFileLock(
        file.resolveSibling(file.getFileName() + ".ask.lock"), action);
  }

  /** Returns the database file. */
  public Path file() {
    return file;
  }

  private void initSchema() throws SQLException, IOException {
    try (Statement st = conn.createStatement()) {
      st.execute("BEGIN IMMEDIATE");
      boolean exists;
      try (ResultSet rs = st.executeQuery(
          "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'studies'")) {
        exists = rs.next() && rs.getInt(1) > 0;
      }
      if (!exists) {
        String ddl;
        try (InputStream in =
            SqliteStorage.class.getResourceAsStream("optuna-3.1-sqlite-schema.sql")) {
          ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        StringBuilder clean = new StringBuilder();
        for (String line : ddl.split("\n")) {
          if (!line.startsWith("--")) {
            clean.append(line).append('\n');
          }
        }
        for (String stmt : clean.toString().split(";")) {
          if (!stmt.isBlank()) {
            st.execute(stmt);
          }
        }
        st.execute("INSERT INTO version_info (version_info_id, schema_version, library_version)"
            + " VALUES (1, 12, '3.1.0')");
        st.execute("INSERT INTO alembic_version (version_num) VALUES ('" + ALEMBIC_REVISION + "')");
        log.debug("Created Optuna 3.1 schema in {}", file);
      }
      String revision = null;
      try (ResultSet rs = st.executeQuery("SELECT version_num FROM alembic_version")) {
        if (rs.next()) {
          revision = rs.getString(1);
        }
      }
      boolean readable = READABLE_REVISIONS.contains(revision);
      if (readable) {
        installChangeLog(conn);
      }
      st.execute("COMMIT");
      if (!readable) {
        close(); // marked closed: the refusal below is not also logged as a failed rollback
        throw new StateException(
            file,
            "SQLite study database " + file + " has schema revision '"
                + revision + "'; this storage reads " + READABLE_REVISIONS
                + " (Optuna 3.0 to 5.x). Open it with the Optuna that wrote it, or export the study.");
      }
    } catch (SQLException | IOException | RuntimeException e) {
      rollbackQuietly();
      throw e;
    }
  }

  /**
   * Our change log, beside Optuna's tables (which Optuna ignores): one row per change to a trial,
   * written by triggers, so it also records what Optuna or another process writes.
   */
  static final String CHANGES = "nemospawn_trial_changes";

  /**
   * Our index of a study's trials by number (Optuna's schema has none): reading one trial, or the
   * trials the log names, starts from it instead of scanning every row of the trial tables.
   */
  static final String TRIALS_INDEX = "nemospawn_trials_study_number";

  /** The tables whose rows belong to a trial: every insert, update and delete is logged. */
  private static final List<String> LOGGED = List.of(
      "trials",
      "trial_params",
      "trial_values",
      "trial_intermediate_values",
      "trial_system_attributes",
      "trial_user_attributes");

  /** The log is cut back to {@link #KEEP_CHANGES} rows once it holds this many. */
  static final int PRUNE_CHANGES_AT = 20_000;

  /** The newest rows kept when the log is cut back; a reader further behind reads every trial. */
  static final int KEEP_CHANGES = 10_000;

  /** The schema version at which this storage last found the log's table and triggers whole. */
  private long loggedSchema = -1;

  /** Where a {@link Changes} of this storage comes from: a schema change starts a new log. */
  private record LogSource(SqliteStorage storage, long schemaVersion) {}

  /**
   * Creates the change log's table and triggers where they are missing (a new database, one that
   * Optuna created, or one whose tables a migration rebuilt, which drops their triggers).
   */
  private void installChangeLog(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("CREATE TABLE IF NOT EXISTS " + CHANGES
          + " (seq INTEGER PRIMARY KEY AUTOINCREMENT, trial_id INTEGER NOT NULL)");
      st.execute("CREATE INDEX IF NOT EXISTS " + TRIALS_INDEX + " ON trials (study_id, number)");
      for (String table : LOGGED) {
        for (String op : List.of("INSERT", "UPDATE", "DELETE")) {
          st.execute("CREATE TRIGGER IF NOT EXISTS " + CHANGES + "_" + table + "_"
              + op.toLowerCase(java.util.Locale.ROOT) + " AFTER " + op + " ON " + table
              + " BEGIN INSERT INTO " + CHANGES + " (trial_id) VALUES ("
              + (op.equals("DELETE") ? "OLD" : "NEW") + ".trial_id); END");
        }
      }
      loggedSchema = schemaVersion(st);
    }
  }

  private static long schemaVersion(Statement st) throws SQLException {
    try (ResultSet rs = st.executeQuery("PRAGMA schema_version")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Answers from the change log that triggers keep in the database, so changes written by any
   * process, Optuna's included, are seen: the trials whose rows changed since {@code previous}.
   * Every trial, when {@code previous} is from another storage object or from before a schema
   * change (a migration may have dropped the triggers), or when the rows it needs were cut back.
   */
  @Override
  public Changes changesSince(String study, @Nullable Changes previous) {
    return tx("read the changed trials of study '" + study + "'", c -> {
      long first;
      long last;
      LogSource source;
      try (Statement st = c.createStatement()) {
        if (schemaVersion(st) != loggedSchema) {
          installChangeLog(c);
        }
        source = new LogSource(this, loggedSchema);
        try (ResultSet rs = st.executeQuery(LOG_BOUNDS)) {
          rs.next();
          first = rs.getLong(1);
          last = rs.getLong(2);
        }
      }
      if (previous == null
          || !source.equals(previous.source())
          || previous.version() > last
          || previous.version() < first - 1) {
        return new Changes(source, last, List.copyOf(load(c, study, ALL, null)), true);
      }
      List<FrozenTrial> changed = previous.version() == last
          ? List.of()
          : load(c, study, CHANGED_SINCE, previous.version());
      return new Changes(source, last, List.copyOf(changed), false);
    });
  }

  /** Cuts the change log back to its newest {@link #KEEP_CHANGES} rows once it is long. */
  private static void pruneChanges(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(LOG_BOUNDS)) {
      rs.next();
      long first = rs.getLong(1);
      long last = rs.getLong(2);
      if (last - first + 1 >= PRUNE_CHANGES_AT) {
        try (PreparedStatement ps =
            c.prepareStatement("DELETE FROM " + CHANGES + " WHERE seq <= ?")) {
          ps.setLong(1, last - KEEP_CHANGES);
          ps.executeUpdate();
        }
      }
    }
  }

  private interface Tx<T> {
    T run(Connection c) throws SQLException;
  }

  private interface Update {
    void run(Connection c) throws SQLException;
  }

  /** Runs a transaction that returns nothing. */
  private void update(String what, Update body) {
    tx(what, c -> {
      body.run(c);
      return Boolean.TRUE;
    });
  }

  private synchronized <T> T tx(String what, Tx<T> body) {
    if (closed) {
      throw new IllegalStateException("SQLite storage " + file + " is closed.");
    }
    try {
      try (Statement st = conn.createStatement()) {
        st.execute("BEGIN IMMEDIATE"); // waits up to the busy timeout for other writers
      }
      T result = body.run(conn);
      try (Statement st = conn.createStatement()) {
        st.execute("COMMIT");
      }
      return result;
    } catch (SQLException e) {
      rollbackQuietly();
      throw new StateException(
          file, "Cannot " + what + " in SQLite study database " + file + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      rollbackQuietly();
      throw e;
    }
  }

  /** Rolls back the transaction of a failed operation, if one is open. */
  private void rollbackQuietly() {
    if (closed) {
      return;
    }
    try (Statement st = conn.createStatement()) {
      st.execute("ROLLBACK");
    } catch (SQLException e) {
      // BEGIN itself failed (busy): there is nothing to roll back.
      if (!String.valueOf(e.getMessage()).contains("no transaction is active")) {
        log.warn("Rollback failed on {}", file, e);
      }
    }
  }

  private static String time(Instant t) {
    return WRITE.format(LocalDateTime.ofInstant(t, ZoneId.systemDefault()));
  }

  private static @Nullable Instant parseTime(@Nullable String s) {
    return s == null
        ? null
        : LocalDateTime.parse(s, READ).atZone(ZoneId.systemDefault()).toInstant();
  }

  private static long studyId(Connection c, String study) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT study_id FROM studies WHERE study_name = ?")) {
      ps.setString(1, study);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return rs.getLong(1);
        }
      }
    }
    throw new IllegalArgumentException("No study '" + study + "' in this storage. Studies: "
        + names(c) + ". Create it first (Hpo.study(\"" + study + "\")...create(), or `hpo init`).");
  }

  private static List<String> names(Connection c) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT study_name FROM studies ORDER BY study_id")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  /** Returns {trial_id, state} of a trial, or throws naming the trial range. */
  private static Object[] trialRow(Connection c, String study, int number) throws SQLException {
    long sid = studyId(c, study);
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT trial_id, state FROM trials WHERE study_id = ? AND number = ?")) {
      ps.setLong(1, sid);
      ps.setInt(2, number);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return new Object[] {rs.getLong(1), TrialState.valueOf(rs.getString(2))};
        }
      }
    }
    int count = count(c, sid);
    throw new IllegalArgumentException(
        "No trial " + number + " in study '" + study + "': it has trials 0.." + (count - 1) + ".");
  }

  private static long running(Connection c, String study, int number, String what)
      throws SQLException {
    Object[] row = trialRow(c, study, number);
    if (row[1] != TrialState.RUNNING) {
      throw new IllegalStateException(
          "Cannot " + what + " trial " + number + " of study '" + study + "': it is " + row[1]
              + ", and only a RUNNING trial can change. Ask for a new trial instead.");
    }
    return (long) row[0];
  }

  private static int count(Connection c, long sid) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT count(*) FROM trials WHERE study_id = ?")) {
      ps.setLong(1, sid);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  @Override
  public void createStudy(String study, Direction direction, Map<String, String> attrs) {
    update("create study '" + study + "'", c -> {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT 1 FROM studies WHERE study_name = ?")) {
        ps.setString(1, study);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            throw new IllegalStateException(
                "Study '" + study + "' already exists; load it instead of creating it.");
          }
        }
      }
      long sid;
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO studies (study_name) VALUES (?)", Statement.RETURN_GENERATED_KEYS)) {
        ps.setString(1, study);
        ps.executeUpdate();
        try (ResultSet rs = ps.getGeneratedKeys()) {
          rs.next();
          sid = rs.getLong(1);
        }
      }
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO study_directions (direction, study_id, objective) VALUES (?, ?, 0)")) {
        ps.setString(1, direction.name());
        ps.setLong(2, sid);
        ps.executeUpdate();
      }
      for (var e : attrs.entrySet()) {
        upsertStudyAttr(c, sid, e.getKey(), e.getValue());
      }
    });
  }

  private static void upsertStudyAttr(Connection c, long sid, String key, String json)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO study_user_attributes (study_id, \"key\", value_json) VALUES (?, ?, ?)"
            + " ON CONFLICT (study_id, \"key\") DO UPDATE SET value_json = excluded.value_json")) {
      ps.setLong(1, sid);
      ps.setString(2, key);
      ps.setString(3, json);
      ps.executeUpdate();
    }
  }

  @Override
  public Optional<StudyInfo> findStudy(String study) {
    return tx("read study '" + study + "'", c -> {
      Long sid = null;
      try (PreparedStatement ps =
          c.prepareStatement("SELECT study_id FROM studies WHERE study_name = ?")) {
        ps.setString(1, study);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            sid = rs.getLong(1);
          }
        }
      }
      if (sid == null) {
        return Optional.empty();
      }
      Direction dir = Direction.MINIMIZE;
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT direction FROM study_directions WHERE study_id = ? ORDER BY objective")) {
        ps.setLong(1, sid);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            dir = Direction.valueOf(rs.getString(1));
          }
          if (rs.next()) {
            throw new IllegalArgumentException("Study '" + study
                + "' has several objectives; NemoSpawn studies optimise one objective.");
          }
        }
      }
      Map<String, String> attrs = new LinkedHashMap<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT \"key\", value_json FROM study_user_attributes WHERE study_id = ?")) {
        ps.setLong(1, sid);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            attrs.put(rs.getString(1), rs.getString(2));
          }
        }
      }
      return Optional.of(new StudyInfo(study, dir, attrs));
    });
  }

  @Override
  public List<String> studyNames() {
    return tx("list studies", SqliteStorage::names);
  }

  @Override
  public void setStudyUserAttr(String study, String key, String json) {
    update("set attribute '" + key + "' of study '" + study + "'", c -> {
      upsertStudyAttr(c, studyId(c, study), key, json);
    });
  }

  @Override
  public int createTrial(String study, int maxTrials, Instant start) {
    return tx("create a trial in study '" + study + "'", c -> {
      long sid = studyId(c, study);
      int n = count(c, sid);
      if (maxTrials > 0 && n >= maxTrials) {
        throw new IllegalStateException("Study '" + study + "' has reached max_trials = "
            + maxTrials + " (" + n + " trials); raise max_trials or start a new study.");
      }
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO trials (number, study_id, state, datetime_start) VALUES (?, ?, 'RUNNING', ?)")) {
        ps.setInt(1, n);
        ps.setLong(2, sid);
        ps.setString(3, time(start));
        ps.executeUpdate();
      }
      return n;
    });
  }

  @Override
  public void setParams(
      String study, int number, Map<String, Distribution> dists, Map<String, Double> internal) {
    update("set parameters of trial " + number, c -> {
      long tid = running(c, study, number, "set parameters of");
      for (var e : internal.entrySet()) {
        Distribution d = dists.get(e.getKey());
        if (d == null || !d.contains(e.getValue())) {
          throw new IllegalArgumentException("Parameter '" + e.getKey() + "' = " + e.getValue()
              + " is not in its distribution " + d + ".");
        }
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json)"
                + " VALUES (?, ?, ?, ?)")) {
          ps.setLong(1, tid);
          ps.setString(2, e.getKey());
          ps.setDouble(3, e.getValue());
          ps.setString(4, d.toJson());
          ps.executeUpdate();
        }
      }
    });
  }

  private static String valueType(double v) {
    if (Double.isNaN(v)) {
      return "NAN";
    }
    if (v == Double.POSITIVE_INFINITY) {
      return "INF_POS";
    }
    return v == Double.NEGATIVE_INFINITY ? "INF_NEG" : "FINITE";
  }

  private static double fromType(double v, boolean wasNull, String type) {
    switch (type) {
      case "INF_POS":
        return Double.POSITIVE_INFINITY;
      case "INF_NEG":
        return Double.NEGATIVE_INFINITY;
      case "NAN":
        return Double.NaN;
      default:
        return wasNull ? Double.NaN : v;
    }
  }

  @Override
  public void reportIntermediate(String study, int number, int step, double value) {
    if (step < 0) {
      throw new IllegalArgumentException("Step " + step + " is negative; steps start at 0.");
    }
    update("report into trial " + number, c -> {
      long tid = running(c, study, number, "report into");
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value,"
              + " intermediate_value_type) VALUES (?, ?, ?, ?) ON CONFLICT (trial_id, step) DO UPDATE"
              + " SET intermediate_value = excluded.intermediate_value,"
              + " intermediate_value_type = excluded.intermediate_value_type")) {
        ps.setLong(1, tid);
        ps.setInt(2, step);
        if (Double.isFinite(value)) {
          ps.setDouble(3, value);
        } else {
          ps.setNull(3, java.sql.Types.DOUBLE);
        }
        ps.setString(4, valueType(value));
        ps.executeUpdate();
      }
    });
  }

  private void trialAttr(String table, String study, int number, String key, String json) {
    update("set attribute '" + key + "' of trial " + number, c -> {
      long tid = (long) trialRow(c, study, number)[0];
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
          + " (trial_id, \"key\", value_json) VALUES (?, ?, ?)"
          + " ON CONFLICT (trial_id, \"key\") DO UPDATE SET value_json = excluded.value_json")) {
        ps.setLong(1, tid);
        ps.setString(2, key);
        ps.setString(3, json);
        ps.executeUpdate();
      }
    });
  }

  @Override
  public void setTrialSystemAttr(String study, int number, String key, String json) {
    trialAttr("trial_system_attributes", study, number, key, json);
  }

  @Override
  public void setTrialUserAttr(String study, int number, String key, String json) {
    trialAttr("trial_user_attributes", study, number, key, json);
  }

  @Override
  public void finishTrial(String study, int number, TrialState state, double value, Instant end) {
    if (!state.isFinished()) {
      throw new IllegalArgumentException(
          "Cannot finish trial " + number + " as " + state + ": use COMPLETE, PRUNED or FAIL.");
    }
    update("finish trial " + number, c -> {
      long tid = running(c, study, number, "finish");
      TrialState s = state == TrialState.COMPLETE && Double.isNaN(value) ? TrialState.FAIL : state;
      double v = s == TrialState.FAIL ? Double.NaN : value;
      if (s == TrialState.PRUNED && Double.isNaN(v)) {
        try (PreparedStatement ps = c.prepareStatement(
            "SELECT intermediate_value, intermediate_value_type FROM trial_intermediate_values"
                + " WHERE trial_id = ? ORDER BY step DESC LIMIT 1")) {
          ps.setLong(1, tid);
          try (ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
              double last = fromType(rs.getDouble(1), rs.wasNull(), rs.getString(2));
              v = Double.isFinite(last) ? last : Double.NaN;
            }
          }
        }
      }
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE trials SET state = ?, datetime_complete = ? WHERE trial_id = ?")) {
        ps.setString(1, s.name());
        ps.setString(2, time(end));
        ps.setLong(3, tid);
        ps.executeUpdate();
      }
      if (!Double.isNaN(v)) {
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, 0, ?, ?)")) {
          ps.setLong(1, tid);
          if (Double.isFinite(v)) {
            ps.setDouble(2, v);
          } else {
            ps.setNull(2, java.sql.Types.DOUBLE);
          }
          ps.setString(3, valueType(v));
          ps.executeUpdate();
        }
      }
      pruneChanges(c);
    });
  }

  /** Returns the row of a trial that the same query's join found in {@code trials}. */
  private static Row row(Map<Long, Row> rows, long trialId) {
    Row r = rows.get(trialId);
    if (r == null) {
      throw new IllegalStateException("trial_id " + trialId + " is not in the trials read before");
    }
    return r;
  }

  private static final class Row {
    final int number;
    final TrialState state;
    final @Nullable Instant start;
    final @Nullable Instant complete;
    double value = Double.NaN;
    final Map<String, Distribution> dists = new LinkedHashMap<>();
    final Map<String, Double> params = new LinkedHashMap<>();
    final Map<Integer, Double> inter = new TreeMap<>();
    final Map<String, String> sys = new LinkedHashMap<>();
    final Map<String, String> user = new LinkedHashMap<>();

    Row(int number, TrialState state, @Nullable Instant start, @Nullable Instant complete) {
      this.number = number;
      this.state = state;
      this.start = start;
      this.complete = complete;
    }

    FrozenTrial freeze() {
      return new FrozenTrial(
          number, state, value, dists, params, inter, sys, user, start, complete);
    }
  }

  /**
   * The first and last positions of the change log (0 and 0 when it is empty), each read from the
   * end of its index: {@code min} and {@code max} in one select would scan the table.
   */
  private static final String LOG_BOUNDS = "SELECT coalesce((SELECT min(seq) FROM " + CHANGES
      + "), 0), coalesce((SELECT max(seq) FROM " + CHANGES + "), 0)";

  /** The condition of {@link #load} that keeps every trial of a study. */
  private static final String ALL = " WHERE t.study_id = ?";

  /** The condition of {@link #load} that keeps the trial of a number. */
  private static final String NUMBER = ALL + " AND t.number = ?";

  /**
   * The condition of {@link #load} that keeps the trials logged since a position of the change
   * log. The unary {@code +} keeps SQLite from starting at the study's index (every trial of it):
   * the query starts from the few trials that the log names.
   */
  private static final String CHANGED_SINCE = " WHERE +t.study_id = ? AND t.trial_id IN"
      + " (SELECT trial_id FROM " + CHANGES + " WHERE seq > ?)";

  /**
   * Reads the trials of {@code study} that {@code where} ({@link #ALL}, {@link #NUMBER} or {@link
   * #CHANGED_SINCE}: the study's id, then at most one parameter, {@code arg}) keeps, in number
   * order.
   */
  private List<FrozenTrial> load(Connection c, String study, String where, @Nullable Long arg)
      throws SQLException {
    long sid = studyId(c, study);
    Map<Long, Row> rows = new LinkedHashMap<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT t.trial_id, t.number, t.state, t.datetime_start, t.datetime_complete FROM trials t"
            + where + " ORDER BY t.number")) {
      bind(ps, sid, arg);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.put(
              rs.getLong(1),
              new Row(
                  rs.getInt(2),
                  TrialState.valueOf(rs.getString(3)),
                  parseTime(rs.getString(4)),
                  parseTime(rs.getString(5))));
        }
      }
    }
    Map<String, Distribution> distCache = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT p.trial_id, p.param_name, p.param_value, p.distribution_json FROM trial_params p"
            + " JOIN trials t ON t.trial_id = p.trial_id" + where + " ORDER BY p.param_id")) {
      bind(ps, sid, arg);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Row r = row(rows, rs.getLong(1));
          Distribution d = distCache.computeIfAbsent(rs.getString(4), Distribution::fromJson);
          r.dists.put(rs.getString(2), d);
          r.params.put(rs.getString(2), rs.getDouble(3));
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT v.trial_id, v.value, v.value_type FROM trial_values v JOIN trials t"
            + " ON t.trial_id = v.trial_id" + where + " AND v.objective = 0")) {
      bind(ps, sid, arg);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          double v = rs.getDouble(2);
          row(rows, rs.getLong(1)).value = fromType(v, rs.wasNull(), rs.getString(3));
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT i.trial_id, i.step, i.intermediate_value, i.intermediate_value_type"
            + " FROM trial_intermediate_values i JOIN trials t ON t.trial_id = i.trial_id"
            + where)) {
      bind(ps, sid, arg);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          double v = rs.getDouble(3);
          row(rows, rs.getLong(1))
              .inter
              .put(rs.getInt(2), fromType(v, rs.wasNull(), rs.getString(4)));
        }
      }
    }
    for (String table : List.of("trial_system_attributes", "trial_user_attributes")) {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT a.trial_id, a.\"key\", a.value_json FROM " + table
              + " a JOIN trials t ON t.trial_id = a.trial_id" + where)) {
        bind(ps, sid, arg);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            Row r = row(rows, rs.getLong(1));
            (table.startsWith("trial_system") ? r.sys : r.user)
                .put(rs.getString(2), rs.getString(3));
          }
        }
      }
    }
    List<FrozenTrial> out = new ArrayList<>(rows.size());
    for (Row r : rows.values()) {
      out.add(r.freeze());
    }
    return out;
  }

  private static void bind(PreparedStatement ps, long sid, @Nullable Long arg) throws SQLException {
    ps.setLong(1, sid);
    if (arg != null) {
      ps.setLong(2, arg);
    }
  }

  @Override
  public List<FrozenTrial> trials(String study) {
    return tx("read trials of study '" + study + "'", c -> List.copyOf(load(c, study, ALL, null)));
  }

  @Override
  public FrozenTrial trial(String study, int number) {
    return tx("read trial " + number + " of study '" + study + "'", c -> {
      List<FrozenTrial> one = load(c, study, NUMBER, (long) number);
      if (one.isEmpty()) {
        trialRow(c, study, number);
      }
      return one.get(0);
    });
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      try {
        conn.close();
      } catch (SQLException e) {
        log.warn("Cannot close SQLite study database {}", file, e);
      }
    }
  }

  @Override
  public String toString() {
    return "SqliteStorage[" + file + "]";
  }
}
