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
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
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
