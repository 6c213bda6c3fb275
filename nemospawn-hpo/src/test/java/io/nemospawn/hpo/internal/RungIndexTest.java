package io.nemospawn.hpo.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.hpo.Direction;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.Hpo;
import io.nemospawn.hpo.PruneContext;
import io.nemospawn.hpo.Pruners;
import io.nemospawn.hpo.Samplers;
import io.nemospawn.hpo.SearchSpace;
import io.nemospawn.hpo.Study;
import io.nemospawn.hpo.StudyStorage;
import io.nemospawn.hpo.Trial;
import io.nemospawn.hpo.TrialState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * ASHA's indexed rungs decide exactly as the scan-and-sort rule they replace (Optuna 3.1's): the
 * same decisions on random studies with ties, both directions, several eta, bootstrap counts and
 * many workers interleaved, reading the storage's change log or every trial, and the index
 * notices trials changed behind its back.
 */
class RungIndexTest {

  /** The rule before the index: parse every trial's rung value, sort, compare at count/eta-1. */
  static boolean reference(
      PruneContext ctx, long minResource, int eta, int rate, int bootstrap, List<String> sets) {
    FrozenTrial trial = ctx.trial();
    Map.Entry<Integer, Double> last = trial.intermediateValues().lastEntry();
    if (last == null) {
      return false;
    }
    int rung = 0;
    while (trial.systemAttrs().containsKey(SuccessiveHalvingPruner.rungKey(rung))) {
      rung++;
    }
    long r0 = minResource;
    if (r0 == 0) {
      FrozenTrial first = SuccessiveHalvingPruner.firstCompleted(ctx.trials());
      r0 = first == null ? 0 : Math.max(first.lastStep().getAsInt() / 100, 1);
      if (r0 == 0) {
        return false;
      }
    }
    while (true) {
      if (last.getKey() < r0 * Math.pow(eta, rate + rung)) {
        return false;
      }
      double value = last.getValue();
      if (Double.isNaN(value)) {
        return true;
      }
      String key = SuccessiveHalvingPruner.rungKey(rung);
      List<Double> competing = new ArrayList<>();
      for (FrozenTrial t : ctx.trials()) {
        String json = t.systemAttrs().get(key);
        if (t.number() != trial.number() && json != null) {
          competing.add(Double.parseDouble(json));
        }
      }
      competing.add(value);
      sets.add(key);
      if (competing.size() <= bootstrap) {
        return true;
      }
      int i = Math.max(competing.size() / eta - 1, 0);
      if (ctx.direction() == Direction.MINIMIZE) {
        Collections.sort(competing);
        if (!(value <= competing.get(i))) {
          return true;
        }
      } else {
        competing.sort(Collections.reverseOrder());
        if (!(value >= competing.get(i))) {
          return true;
        }
      }
      rung++;
    }
  }

  @Test
  void decidesExactlyAsTheScanOnRandomStudies() {
    SplittableRandom rnd = new SplittableRandom(7);
    int decisions = 0;
    for (int round = 0; round < 12; round++) {
      int eta = 2 + round % 3;
      long minResource = round % 4 == 0 ? 0 : 1 + round % 3;
      int rate = round % 5 == 0 ? 1 : 0;
      int bootstrap = minResource == 0 ? 0 : round % 3;
      Direction dir = round % 2 == 0 ? Direction.MINIMIZE : Direction.MAXIMIZE;
      SuccessiveHalvingPruner pruner =
          new SuccessiveHalvingPruner(minResource, eta, rate, bootstrap);
      StudyStorage storage = StudyStorage.inMemory();
      Study s = Hpo.study("r")
          .direction(dir)
          .storage(storage)
          .sampler(Samplers.random(1))
          .pruner(Pruners.none())
          .space(SearchSpace.empty())
          .create();
      List<Trial> live = new ArrayList<>();
      List<Integer> steps = new ArrayList<>();
      for (int op = 0; op < 1000; op++) {
        if (live.size() < 6 && (live.isEmpty() || rnd.nextInt(4) == 0)) {
          live.add(s.ask());
          steps.add(0);
        }
        int k = rnd.nextInt(live.size());
        Trial t = live.get(k);
        int step = steps.get(k) + 1 + rnd.nextInt(3);
        steps.set(k, step);
        // few distinct values: many ties; now and then a NaN
        double v = rnd.nextInt(50) == 0 ? Double.NaN : rnd.nextInt(12) / 4.0;
        storage.reportIntermediate("r", t.number(), step, v);
        if (rnd.nextInt(40) == 0) {
          // a foreign writer rewrites (or adds) a rung value of a running trial: the index must
          // move that value, and only that one
          Trial other = live.get(rnd.nextInt(live.size()));
          storage.setTrialSystemAttr(
              "r",
              other.number(),
              SuccessiveHalvingPruner.rungKey(rnd.nextInt(3)),
              String.valueOf(rnd.nextInt(12) / 4.0));
        }
        FrozenTrial now = storage.trial("r", t.number());
        List<FrozenTrial> all = storage.trials("r");
        List<String> refSets = new ArrayList<>();
        boolean expected = reference(
            context("r", dir, all, now, storage, false, false),
            minResource,
            eta,
            rate,
            bootstrap,
            refSets);
        // even rounds: the pruner reads the storage's change log; odd rounds: every trial
        boolean got =
            pruner.shouldPrune(context("r", dir, all, now, storage, true, round % 2 == 0));
        assertThat(got)
            .as("round %d op %d trial %d step %d value %s", round, op, t.number(), step, v)
            .isEqualTo(expected);
        decisions++;
        if (got || step > 60) {
          if (got) {
            s.tell(t, TrialState.PRUNED);
          } else {
            s.tell(t, v); // a NaN makes it FAIL, which the auto min resource ignores
          }
          live.remove(k);
          steps.remove(k);
        }
      }
    }
    assertThat(decisions).isEqualTo(12 * 1000);
  }

  /** The reference reads the storage before the pruner writes: it must not write itself. */
  private static PruneContext context(
      String study,
      Direction dir,
      List<FrozenTrial> all,
      FrozenTrial trial,
      StudyStorage storage,
      boolean write,
      boolean changes) {
    return new PruneContext() {
      @Override
      public StudyStorage.Changes changesSince(StudyStorage.@Nullable Changes previous) {
        return changes
            ? storage.changesSince(study, previous)
            : PruneContext.super.changesSince(previous);
      }

      @Override
      public String studyName() {
        return study;
      }

      @Override
      public Direction direction() {
        return dir;
      }

      @Override
      public List<FrozenTrial> trials() {
        return all;
      }

      @Override
      public FrozenTrial trial() {
        return trial;
      }

      @Override
      public void setSystemAttr(String key, String json) {
        if (write) {
          storage.setTrialSystemAttr(study, trial.number(), key, json);
        }
      }
    };
  }

  @Test
  void aStorageThatReturnsNewObjectsEveryTimeStillGetsExactDecisions() {
    SuccessiveHalvingPruner pruner = new SuccessiveHalvingPruner(1, 2, 0, 0);
    StudyStorage storage = StudyStorage.inMemory();
    Study s = Hpo.study("c")
        .storage(storage)
        .sampler(Samplers.random(1))
        .pruner(Pruners.none())
        .space(SearchSpace.empty())
        .create();
    Trial a = s.ask();
    Trial b = s.ask();
    storage.reportIntermediate("c", a.number(), 1, 1.0);
    assertThat(pruner.shouldPrune(context(
            "c",
            Direction.MINIMIZE,
            storage.trials("c"),
            storage.trial("c", 0),
            storage,
            true,
            false)))
        .isFalse();
    // Another process rewrites a's rung value behind the index (a copy, as a storage that
    // re-reads its file would hand out): b is judged against the new value.
    storage.reportIntermediate("c", b.number(), 1, 2.0);
    List<FrozenTrial> copies = new ArrayList<>();
    for (FrozenTrial t : storage.trials("c")) {
      copies.add(storage.trial("c", t.number()));
    }
    assertThat(pruner.shouldPrune(
            context("c", Direction.MINIMIZE, copies, copies.get(1), storage, true, false)))
        .isTrue();
    storage.setTrialSystemAttr("c", a.number(), "completed_rung_0", "3.0");
    Trial c = s.ask();
    storage.reportIntermediate("c", c.number(), 1, 2.5);
    List<FrozenTrial> all = storage.trials("c");
    // competitors at rung 0: a 3.0, b 2.0, and c 2.5: i = 3 // 2 - 1 = 0 -> must be the best
    assertThat(pruner.shouldPrune(
            context("c", Direction.MINIMIZE, all, all.get(2), storage, true, false)))
        .isTrue();
    storage.setTrialSystemAttr("c", a.number(), "completed_rung_0", "9.0");
    storage.setTrialSystemAttr("c", b.number(), "completed_rung_0", "9.0");
    Trial d = s.ask();
    storage.reportIntermediate("c", d.number(), 1, 2.5);
    all = storage.trials("c");
    assertThat(pruner.shouldPrune(
            context("c", Direction.MINIMIZE, all, all.get(3), storage, true, false)))
        .isFalse(); // {9, 9, 2.5 (c's), 2.5}: i = 4 // 2 - 1 = 1 -> 2.5: a tie is promotable
  }
}
