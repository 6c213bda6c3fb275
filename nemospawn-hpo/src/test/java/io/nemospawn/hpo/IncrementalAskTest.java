package io.nemospawn.hpo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * What an ask reads is kept between asks (the storage's snapshot refreezes only changed trials;
 * the study folds the ended head of its history into the relative space once): both must give
 * exactly what a full recomputation gives, whatever order trials end in.
 */
class IncrementalAskTest {
  private static final SearchSpace SPACE =
      SearchSpace.builder().floatParam("x", 0, 1).build();

  /** Records the relative space of every ask, and samples nothing jointly. */
  static final class Recording implements Sampler {
    final List<SearchSpace> spaces = new ArrayList<>();
    final List<Map<String, Distribution>> expected = new ArrayList<>();
    private final Sampler random = Samplers.random(3);

    @Override
    public Map<String, Double> sampleJoint(SamplerContext ctx, SearchSpace space) {
      spaces.add(space);
      expected.add(fullScan(ctx.trials()));
      return Map.of();
    }

    @Override
    public double sampleIndependent(SamplerContext ctx, String name, Distribution d) {
      return random.sampleIndependent(ctx, name, d);
    }
  }

  /** The relative space by its definition: the space, then every ended trial's other parameters. */
  static Map<String, Distribution> fullScan(List<FrozenTrial> trials) {
    Map<String, Distribution> out = new LinkedHashMap<>(SPACE.params());
    for (FrozenTrial t : trials) {
      if (t.state() == TrialState.COMPLETE || t.state() == TrialState.PRUNED) {
        t.distributions().forEach((k, d) -> {
          if (!SPACE.params().containsKey(k)) {
            out.put(k, d);
          }
        });
      }
    }
    return out;
  }

  @Test
  void relativeSpaceEqualsAFullScanWhileTrialsEndOutOfOrder() {
    Recording sampler = new Recording();
    Study study = Hpo.study("s").space(SPACE).sampler(sampler).create();
    SplittableRandom rnd = new SplittableRandom(7);
    List<Trial> running = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      Trial t = study.ask();
      // define-by-run parameters outside the space; "y" changes its domain now and then, so
      // which trial's domain wins (the last in number order) matters
      if (rnd.nextInt(3) == 0) {
        t.suggestFloat("y", 0, rnd.nextInt(4) == 0 ? 2 : 1);
      }
      if (rnd.nextInt(5) == 0) {
        t.suggestInt("z" + rnd.nextInt(4), 1, 9);
      }
      running.add(t);
      // end a random running trial, sometimes several, sometimes none (a few stay running long)
      for (int k = rnd.nextInt(3); k > 0 && !running.isEmpty(); k--) {
        Trial done = running.remove(rnd.nextInt(running.size()));
        switch (rnd.nextInt(4)) {
          case 0 -> study.tell(done, TrialState.FAIL);
          case 1 -> {
            study.report(done.number(), 1, rnd.nextDouble());
            study.tell(done, TrialState.PRUNED);
          }
          default -> study.tell(done, rnd.nextDouble());
        }
      }
    }
    assertThat(sampler.spaces).hasSize(400);
    for (int i = 0; i < sampler.spaces.size(); i++) {
      assertThat(new ArrayList<>(sampler.spaces.get(i).params().entrySet()))
          .as("ask %d", i)
          .containsExactlyElementsOf(sampler.expected.get(i).entrySet());
    }
    assertThat(sampler.spaces.get(399).params()).containsKeys("x", "y", "z0", "z1", "z2", "z3");
  }

  @Test
  void snapshotsRefreezeExactlyTheChangedTrials() {
    StudyStorage storage = StudyStorage.inMemory();
    storage.createStudy("s", Direction.MINIMIZE, Map.of());
    SplittableRandom rnd = new SplittableRandom(11);
    Instant now = Instant.parse("2026-12-04T00:00:00Z");
    // the expected state of every trial, kept by this test
    List<TrialState> states = new ArrayList<>();
    List<Map<String, Double>> params = new ArrayList<>();
    List<TreeMap<Integer, Double>> reports = new ArrayList<>();
    List<FrozenTrial> before = List.of();
    List<FrozenTrial> beforeCopy = List.of();
    for (int op = 0; op < 3000; op++) {
      int n = states.size();
      int kind = n == 0 ? 0 : rnd.nextInt(6);
      int k = n == 0 ? 0 : rnd.nextInt(n);
      if (kind == 0) {
        storage.createTrial("s", 0, now);
        states.add(TrialState.RUNNING);
        params.add(new LinkedHashMap<>());
        reports.add(new TreeMap<>());
      } else if (states.get(k) != TrialState.RUNNING) {
        storage.trials("s"); // a read with nothing changed: the same snapshot
      } else if (kind <= 2) {
        String p = "p" + rnd.nextInt(3);
        double v = rnd.nextDouble();
        storage.setParams("s", k, Map.of(p, new FloatDistribution(0, 1, false, 0)), Map.of(p, v));
        params.get(k).put(p, v);
      } else if (kind <= 4) {
        int step = reports.get(k).size() + 1;
        double v = rnd.nextDouble();
        storage.reportIntermediate("s", k, step, v);
        reports.get(k).put(step, v);
      } else {
        TrialState end = rnd.nextBoolean() ? TrialState.COMPLETE : TrialState.FAIL;
        storage.finishTrial("s", k, end, 0.5, now);
        states.set(k, end);
      }
      // read only now and then, so that several changes pile up between snapshots
      if (rnd.nextInt(4) == 0 || op == 2999) {
        List<FrozenTrial> snap = storage.trials("s");
        assertThat(snap).hasSize(states.size());
        // the same list until something changes, and immutable as List.copyOf sees it: the
        // samplers' contexts (List.copyOf) and TPE's split cache (by identity) rely on both
        assertThat(storage.trials("s")).isSameAs(snap);
        assertThat(List.copyOf(snap)).isSameAs(snap);
        for (int i = 0; i < snap.size(); i++) {
          FrozenTrial t = snap.get(i);
          assertThat(t.number()).isEqualTo(i);
          assertThat(t.state()).as("op %d trial %d", op, i).isEqualTo(states.get(i));
          assertThat(t.internalParams()).as("op %d trial %d", op, i).isEqualTo(params.get(i));
          assertThat(t.intermediateValues()).as("op %d trial %d", op, i).isEqualTo(reports.get(i));
        }
        // a snapshot handed out earlier still holds what it held then
        for (int i = 0; i < before.size(); i++) {
          assertThat(before.get(i)).isSameAs(beforeCopy.get(i));
        }
        before = snap;
        beforeCopy = new ArrayList<>(snap);
      }
    }
  }
}
