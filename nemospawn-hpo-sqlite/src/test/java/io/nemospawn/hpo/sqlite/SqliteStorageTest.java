package io.nemospawn.hpo.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.StateException;
import io.nemospawn.hpo.Direction;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.HpoConfig;
import io.nemospawn.hpo.Pruners;
import io.nemospawn.hpo.Samplers;
import io.nemospawn.hpo.SearchSpace;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.StudyStorage;
import io.nemospawn.hpo.Trial;
import io.nemospawn.hpo.TrialState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStorageTest {
  static final SearchSpace SPACE = SearchSpace.builder()
      .logFloat("lr", 1e-5, 1e-1)
      .steppedFloat("wd", 0, 0.1, 0.025)
      .intParam("layers", 1, 8)
      .logInt("batch", 8, 1024)
      .categorical("optimizer", "adam", "sgd")
      .build();

  private static List<String> query(Path db, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      int cols = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= cols; i++) {
          b.append(i > 1 ? "|" : "").append(rs.getString(i));
        }
        out.add(b.toString());
      }
    }
    return out;
  }

  @Test
  void writesOptuna31RowsAndReadsThemBack(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("hpo/s.db");
    try (StudyStorage st = SqliteStorage.open(db)) {
      Study s = Hpo.study("s")
          .space(SPACE)
          .storage(st)
          .direction(Direction.MAXIMIZE)
          .sampler(Samplers.tpe().seed(1).build())
          .pruner(Pruners.successiveHalving().minResource(1).build())
          .create();
      Trial a = s.ask();
      assertThat(s.report(a.number(), 1, 0.5)).isFalse();
      a.report(2, Double.NaN);
      a.report(3, Double.NEGATIVE_INFINITY);
      s.tell(a, 0.75);
      Trial b = s.ask();
      b.report(1, 0.25);
      s.tell(b, TrialState.PRUNED);
      Trial c = s.ask();
      s.tell(c, Double.NaN);
      s.ask();
    }
    assertThat(query(db, "SELECT version_num FROM alembic_version")).containsExactly("v3.0.0.d");
    assertThat(query(db, "SELECT * FROM version_info")).containsExactly("1|12|3.1.0");
    assertThat(query(db, "SELECT direction, objective FROM study_directions"))
        .containsExactly("MAXIMIZE|0");
    assertThat(query(db, "SELECT number, state FROM trials ORDER BY trial_id"))
        .containsExactly("0|COMPLETE", "1|PRUNED", "2|FAIL", "3|RUNNING");
    assertThat(query(db, "SELECT datetime_start FROM trials").get(0))
        .matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6}");
    assertThat(query(db, "SELECT count(*) FROM trials WHERE datetime_complete IS NULL"))
        .containsExactly("1");
    assertThat(query(
            db,
            "SELECT step, intermediate_value, intermediate_value_type FROM"
                + " trial_intermediate_values WHERE trial_id = 1 ORDER BY step"))
        .containsExactly("1|0.5|FINITE", "2|null|NAN", "3|null|INF_NEG");
    assertThat(query(db, "SELECT trial_id, value, value_type FROM trial_values ORDER BY trial_id"))
        .containsExactly("1|0.75|FINITE", "2|0.25|FINITE");
    assertThat(query(
            db,
            "SELECT distribution_json FROM trial_params WHERE trial_id = 1 AND param_name"
                + " = 'optimizer'"))
        .containsExactly(
            "{\"name\":\"CategoricalDistribution\",\"attributes\":{\"choices\":[\"adam\",\"sgd\"]}}");
    assertThat(
            query(db, "SELECT \"key\", value_json FROM trial_system_attributes WHERE trial_id = 1"))
        .containsExactly("completed_rung_0|0.5");

    try (StudyStorage st = SqliteStorage.open(db)) {
      Study s = Hpo.study("s").storage(st).load();
      assertThat(s.direction()).isEqualTo(Direction.MAXIMIZE);
      assertThat(s.space()).isEqualTo(SPACE);
      List<FrozenTrial> t = s.trials();
      assertThat(t)
          .extracting(FrozenTrial::state)
          .containsExactly(
              TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL, TrialState.RUNNING);
      assertThat(t.get(0).intermediateValues())
          .containsEntry(1, 0.5)
          .containsEntry(3, Double.NEGATIVE_INFINITY);
      assertThat(t.get(0).intermediateValues().get(2)).isNaN();
      assertThat(t.get(0).systemAttrs()).containsEntry("completed_rung_0", "0.5");
      assertThat(t.get(1).value()).hasValue(0.25);
      assertThat(t.get(0).params()).containsOnlyKeys(SPACE.params().keySet());
      assertThat(t.get(0).start()).isPresent();
      assertThat(s.bestTrial().number()).isZero();
      assertThatThrownBy(() -> s.tell(0, 1.0))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(
              "Cannot finish trial 0 of study 's': it is COMPLETE, and only a RUNNING trial can"
                  + " change. Ask for a new trial instead.");
      assertThatThrownBy(() -> s.trial(9))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("No trial 9 in study 's': it has trials 0..3.");
    }
  }

  @Test
  void theCliLocationUsesSqliteWhenThisModuleIsPresent(@TempDir Path dataDir) throws Exception {
    HpoConfig config = HpoConfig.of(SPACE);
    try (Study s = Hpo.create(dataDir, "sweep", config)) {
      s.tell(s.ask(), 1.0);
    }
    assertThat(dataDir.resolve("hpo/sweep.db")).exists();
    try (Study s = Hpo.open(dataDir, "sweep")) {
      assertThat(s.trials()).hasSize(1);
      assertThat(Hpo.config(s)).contains(config);
    }
  }

  @Test
  void changesSinceSeesWhatAnotherConnectionWrote(@TempDir Path dir) {
    Path db = dir.resolve("s.db");
    try (StudyStorage a = SqliteStorage.open(db);
        StudyStorage b = SqliteStorage.open(db)) {
      a.createStudy("s", Direction.MINIMIZE, Map.of());
      a.createStudy("other", Direction.MINIMIZE, Map.of());
      int t0 = a.createTrial("s", 0, Instant.EPOCH);
      int t1 = a.createTrial("s", 0, Instant.EPOCH);
      StudyStorage.Changes first = a.changesSince("s", null);
      assertThat(first.full()).isTrue();
      assertThat(first.trials()).extracting(FrozenTrial::number).containsExactly(t0, t1);
      StudyStorage.Changes none = a.changesSince("s", first);
      assertThat(none.full()).isFalse();
      assertThat(none.trials()).isEmpty();
      // Another connection (another process) reports into t1, creates t2, and writes to another
      // study: only this study's changed trials come back, each once, as they are now.
      b.reportIntermediate("s", t1, 1, 0.5);
      b.reportIntermediate("s", t1, 2, 0.4);
      b.setTrialSystemAttr("s", t1, "completed_rung_0", "0.4");
      int t2 = b.createTrial("s", 0, Instant.EPOCH);
      b.createTrial("other", 0, Instant.EPOCH);
      StudyStorage.Changes seen = a.changesSince("s", none);
      assertThat(seen.full()).isFalse();
      assertThat(seen.trials()).extracting(FrozenTrial::number).containsExactly(t1, t2);
      assertThat(seen.trials().get(0).intermediateValues())
          .containsEntry(1, 0.5)
          .containsEntry(2, 0.4);
      assertThat(seen.trials().get(0).systemAttrs()).containsEntry("completed_rung_0", "0.4");
      b.finishTrial("s", t2, TrialState.COMPLETE, 1.5, Instant.EPOCH);
      StudyStorage.Changes finished = a.changesSince("s", seen);
      assertThat(finished.trials()).singleElement().satisfies(t -> {
        assertThat(t.number()).isEqualTo(t2);
        assertThat(t.state()).isEqualTo(TrialState.COMPLETE);
        assertThat(t.value()).hasValue(1.5);
      });
      assertThat(a.changesSince("s", finished).trials()).isEmpty();
      // An answer of another storage object (its own log) gets every trial.
      assertThat(a.changesSince("s", b.changesSince("s", null)).full()).isTrue();
    }
  }

  @Test
  void aSchemaChangeOrACutBackLogGetsEveryTrialAndTheLogIsRepaired(@TempDir Path dir)
      throws Exception {
    Path db = dir.resolve("s.db");
    try (StudyStorage st = SqliteStorage.open(db)) {
      st.createStudy("s", Direction.MINIMIZE, Map.of());
      int t0 = st.createTrial("s", 0, Instant.EPOCH);
      StudyStorage.Changes before = st.changesSince("s", null);
      // A migration that rebuilds a table drops its triggers: writes meanwhile go unlogged.
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
          Statement s = c.createStatement()) {
        s.execute("DROP TRIGGER " + SqliteStorage.CHANGES + "_trial_intermediate_values_insert");
      }
      st.reportIntermediate("s", t0, 1, 0.25);
      StudyStorage.Changes after = st.changesSince("s", before);
      assertThat(after.full()).isTrue();
      assertThat(after.trials().get(0).intermediateValues()).containsEntry(1, 0.25);
      assertThat(query(
              db,
              "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = '"
                  + SqliteStorage.CHANGES + "_trial_intermediate_values_insert'"))
          .containsExactly("1");
      st.reportIntermediate("s", t0, 2, 0.2);
      StudyStorage.Changes logged = st.changesSince("s", after);
      assertThat(logged.full()).isFalse();
      assertThat(logged.trials())
          .singleElement()
          .satisfies(t -> assertThat(t.intermediateValues()).containsEntry(2, 0.2));

      // A long log is cut back when a trial finishes; a reader from before the cut reads all.
      int t1 = st.createTrial("s", 0, Instant.EPOCH);
      StudyStorage.Changes old = st.changesSince("s", logged);
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
          Statement s = c.createStatement()) {
        c.setAutoCommit(false);
        for (int i = 0; i < SqliteStorage.PRUNE_CHANGES_AT; i++) {
          s.execute("INSERT INTO " + SqliteStorage.CHANGES + " (trial_id) VALUES (-1)");
        }
        c.commit();
      }
      st.finishTrial("s", t1, TrialState.COMPLETE, 1.0, Instant.EPOCH);
      assertThat(query(db, "SELECT count(*) FROM " + SqliteStorage.CHANGES))
          .containsExactly(String.valueOf(SqliteStorage.KEEP_CHANGES));
      StudyStorage.Changes cut = st.changesSince("s", old);
      assertThat(cut.full()).isTrue();
      assertThat(cut.trials()).extracting(FrozenTrial::number).containsExactly(t0, t1);
      assertThat(st.changesSince("s", cut).trials()).isEmpty();
    }
  }

  @Test
  void anIdleStorageHoldsNoLockAndAsksTakeTheFileLock(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("s.db");
    try (StudyStorage st = SqliteStorage.open(db)) {
      st.createStudy("s", Direction.MINIMIZE, Map.of());
      st.createTrial("s", 0, Instant.EPOCH);
      // Another process writes at once while this storage is open and idle (with the driver's
      // own transactions, the idle connection kept the write lock: this waited out the timeout).
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
          Statement s = c.createStatement()) {
        s.execute("PRAGMA busy_timeout = 0");
        s.execute("UPDATE studies SET study_name = study_name");
      }
      // An ask holds the OS lock on <file>.ask.lock, which every process's asks take.
      Path lock = dir.resolve("s.db.ask.lock");
      boolean held = st.underAskLock("s", () -> {
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
          ch.tryLock();
          return false;
        } catch (OverlappingFileLockException e) {
          return true;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      assertThat(held).as("the ask lock was held during the ask").isTrue();
      try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
        assertThat(ch.tryLock()).as("released after it").isNotNull();
      }
    }
  }

  @Test
  void unknownSchemaRevisionsAreRefused(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("x.db");
    SqliteStorage.open(db).close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement st = c.createStatement()) {
      st.execute("UPDATE alembic_version SET version_num = 'v9.9.9.z'");
    }
    assertThatThrownBy(() -> SqliteStorage.open(db))
        .isInstanceOf(StateException.class)
        .hasMessage(
            "SQLite study database " + db + " has schema revision 'v9.9.9.z'; this storage reads"
                + " [v3.0.0.d, v3.2.0.a] (Optuna 3.0 to 5.x). Open it with the Optuna that wrote it, or"
                + " export the study.");
  }
}
