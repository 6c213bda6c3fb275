package io.nemospawn.hpo.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.hpo.Direction;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.Samplers;
import io.nemospawn.hpo.SearchSpace;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.StudyStorage;
import io.nemospawn.hpo.Trial;
import io.nemospawn.hpo.TrialState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalStorageTest {
  private static final SearchSpace SPACE =
      SearchSpace.builder().floatParam("x", -5, 5).categorical("c", "a", "b").build();

  @Test
  void everythingSurvivesAReopen(@TempDir Path dir) {
    Path file = dir.resolve("hpo/s.journal");
    try (StudyStorage st = StudyStorage.journal(file)) {
      Study s = Hpo.study("s")
          .space(SPACE)
          .direction(Direction.MAXIMIZE)
          .maxTrials(10)
          .storage(st)
          .sampler(Samplers.tpe().seed(1).build())
          .create();
      Trial a = s.ask();
      a.report(1, 0.5);
      a.report(2, Double.NaN);
      s.tell(a, 0.75);
      Trial b = s.ask();
      b.report(1, Double.POSITIVE_INFINITY);
      s.tell(b, TrialState.PRUNED);
      s.ask();
    }
    try (StudyStorage st = StudyStorage.journal(file)) {
      Study s = Hpo.study("s").storage(st).load();
      assertThat(s.direction()).isEqualTo(Direction.MAXIMIZE);
      assertThat(s.maxTrials()).isEqualTo(10);
      assertThat(s.space()).isEqualTo(SPACE);
      List<FrozenTrial> t = s.trials();
      assertThat(t)
          .extracting(FrozenTrial::state)
          .containsExactly(TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING);
      assertThat(t.get(0).intermediateValues()).containsEntry(1, 0.5).containsKey(2);
      assertThat(t.get(0).intermediateValues().get(2)).isNaN();
      assertThat(t.get(0).value()).hasValue(0.75);
      assertThat(t.get(1).intermediateValues()).containsEntry(1, Double.POSITIVE_INFINITY);
      assertThat(t.get(1).value()).isEmpty();
      assertThat(t.get(0).params()).containsOnlyKeys("x", "c");
      assertThat(t.get(0).start()).isPresent();
      assertThat(t.get(0).complete()).isPresent();
      assertThat(t.get(2).complete()).isEmpty();
    }
  }

  @Test
  void aTornLastLineIsSkippedAndTerminated(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("s.journal");
    try (StudyStorage st = StudyStorage.journal(file)) {
      Hpo.study("s").space(SPACE).storage(st).create().ask();
    }
    Files.writeString(
        file, "{\"op\":\"trial\",\"stu", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    try (StudyStorage st = StudyStorage.journal(file)) {
      Study s = Hpo.study("s").storage(st).load();
      assertThat(s.trials()).hasSize(1);
      s.ask();
    }
    try (StudyStorage st = StudyStorage.journal(file)) {
      assertThat(st.trials("s")).extracting(FrozenTrial::number).containsExactly(0, 1);
    }
  }

  @Test
  void rejectedOperationsAreNotWritten(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("s.journal");
    try (StudyStorage st = StudyStorage.journal(file)) {
      Study s = Hpo.study("s").space(SPACE).storage(st).create();
      Trial t = s.ask();
      s.tell(t, 1.0);
      long size = Files.size(file);
      assertThatThrownBy(() -> s.tell(t, 2.0)).isInstanceOf(IllegalStateException.class);
      assertThat(Files.size(file)).isEqualTo(size);
    }
  }

  @Test
  void manyThreadsAndStorageInstancesShareOneJournal(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("s.journal");
    try (StudyStorage st = StudyStorage.journal(file)) {
      Hpo.study("s").space(SPACE).storage(st).create();
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> futures = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      int seed = w;
      futures.add(pool.submit(() -> {
        try (StudyStorage st = StudyStorage.journal(file)) {
          Study s = Hpo.study("s")
              .storage(st)
              .sampler(Samplers.tpe().seed(seed).constantLiar(true).build())
              .load();
          for (int i = 0; i < 25; i++) {
            Trial t = s.ask();
            s.tell(t, t.doubleParam("x") * t.doubleParam("x"));
          }
        }
        return null;
      }));
    }
    for (Future<?> f : futures) {
      f.get(2, TimeUnit.MINUTES);
    }
    pool.shutdown();
    try (StudyStorage st = StudyStorage.journal(file)) {
      List<FrozenTrial> trials = st.trials("s");
      assertThat(trials).hasSize(100).allMatch(t -> t.state() == TrialState.COMPLETE);
      assertThat(trials).extracting(FrozenTrial::number).doesNotHaveDuplicates();
    }
  }

  @Test
  void changesSinceSeesWhatAnotherInstanceWrote(@TempDir Path dir) {
    Path file = dir.resolve("s.journal");
    try (StudyStorage a = StudyStorage.journal(file);
        StudyStorage b = StudyStorage.journal(file)) {
      a.createStudy("s", Direction.MINIMIZE, java.util.Map.of());
      int t0 = a.createTrial("s", 0, java.time.Instant.EPOCH);
      int t1 = a.createTrial("s", 0, java.time.Instant.EPOCH);
      StudyStorage.Changes first = a.changesSince("s", null);
      assertThat(first.full()).isTrue();
      assertThat(first.trials()).hasSize(2);
      StudyStorage.Changes none = a.changesSince("s", first);
      assertThat(none.full()).isFalse();
      assertThat(none.trials()).isEmpty();
      // another instance (another process) reports into t1 and creates t2
      b.reportIntermediate("s", t1, 1, 0.5);
      b.reportIntermediate("s", t1, 2, 0.4);
      int t2 = b.createTrial("s", 0, java.time.Instant.EPOCH);
      StudyStorage.Changes seen = a.changesSince("s", none);
      assertThat(seen.full()).isFalse();
      assertThat(seen.trials()).extracting(FrozenTrial::number).containsExactly(t1, t2);
      assertThat(seen.trials().get(0).intermediateValues()).containsKeys(1, 2);
      assertThat(a.changesSince("s", seen).trials()).isEmpty();
      assertThat(t0).isZero();
      // an answer from another study's log, or another storage's, gets every trial
      StudyStorage other = StudyStorage.inMemory();
      other.createStudy("s", Direction.MINIMIZE, java.util.Map.of());
      assertThat(a.changesSince("s", other.changesSince("s", null)).full()).isTrue();
    }
  }

  @Test
  void theChangeLogStartsOverAndStaysBounded() {
    StudyStorage st = StudyStorage.inMemory();
    st.createStudy("s", Direction.MINIMIZE, java.util.Map.of());
    int t = st.createTrial("s", 0, java.time.Instant.EPOCH);
    StudyStorage.Changes c = st.changesSince("s", null);
    int full = 0;
    for (int step = 0; step < 1000; step++) {
      st.reportIntermediate("s", t, step, step);
      c = st.changesSince("s", c);
      if (c.full()) {
        full++;
      } else {
        assertThat(c.trials()).singleElement().extracting(FrozenTrial::number).isEqualTo(t);
      }
      assertThat(c.trials().get(0).intermediateValues().lastKey()).isEqualTo(step);
    }
    assertThat(full).isBetween(1, 1000 / 32); // a new log every 64 entries at most
  }
}
