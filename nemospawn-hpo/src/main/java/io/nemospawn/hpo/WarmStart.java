package io.nemospawn.hpo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.apiguardian.api.API;

/**
 * What a warm start copied into a new study from an earlier one ({@link
 * Study.Builder#warmStartFrom}): the earlier study's COMPLETE and PRUNED trials, with their
 * values, intermediate values and the parameters the new space has.
 *
 * <p>Rules, applied to every parameter of every such trial before anything is created:
 *
 * <ul>
 *   <li>a parameter the new space does not have is <b>dropped</b> from the copy (named in {@link
 *       #droppedParams}); with an empty new space (define-by-run) every parameter is kept;
 *   <li>a parameter of another kind in the new space (float, int or categorical) is an error
 *       naming it and both distributions: the earlier values cannot mean the same thing;
 *   <li>a value outside the new distribution (out of range, off its grid, not one of its choices)
 *       <b>skips the trial</b> (counted in {@link #skippedOutside}): TPE must not learn from
 *       points the new study cannot suggest;
 *   <li>FAIL, RUNNING and WAITING trials are not copied.
 * </ul>
 *
 * Copies keep their states and times and carry the system attribute {@value #ATTR_FROM} = {@code
 * "<study>#<number>"}; max_trials (if any) is raised by the number copied, so the new study still
 * asks max_trials new trials. The summary is stored as the study user attribute {@value
 * #ATTR_SUMMARY}.
 *
 * @param from the earlier study
 * @param copied trials copied
 * @param skippedOutside COMPLETE or PRUNED trials skipped because a value lies outside the new space
 * @param droppedParams parameters of the earlier study the new space does not have
 * @since 0.2
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.2")
public record WarmStart(String from, int copied, int skippedOutside, List<String> droppedParams) {
  /** Trial system attribute naming the trial a copy was made from. */
  public static final String ATTR_FROM = "nemospawn:warm_start_from";

  /** Study user attribute holding this summary as JSON. */
  public static final String ATTR_SUMMARY = "nemospawn:warm_start";

  /** Validates and copies. */
  public WarmStart {
    Objects.requireNonNull(from, "from");
    droppedParams = List.copyOf(droppedParams);
  }

  /** One trial to copy. */
  record Copy(
      FrozenTrial source, Map<String, Distribution> distributions, Map<String, Double> internal) {}

  /** The checked plan of a warm start: what to copy, computed before anything is created. */
  record Plan(WarmStart summary, List<Copy> copies) {}

  /**
   * Checks the earlier study against the new one and returns what to copy.
   *
   * @throws IllegalArgumentException for an unknown earlier study, another direction, or a
   *     parameter of another kind
   */
  static Plan plan(
      StudyStorage source, String from, String to, Direction direction, SearchSpace space) {
    StudyInfo info = source
        .findStudy(from)
        .orElseThrow(() -> new IllegalArgumentException("Cannot warm-start study '" + to
            + "' from '" + from + "': there is no such study in " + source + ". Studies: "
            + source.studyNames() + "."));
    if (info.direction() != direction) {
      throw new IllegalArgumentException("Cannot warm-start study '" + to + "' (" + direction
          + ") from '" + from + "' (" + info.direction()
          + "): the directions differ, so its values would rank the wrong way round.");
    }
    List<Copy> copies = new ArrayList<>();
    TreeSet<String> dropped = new TreeSet<>();
    int skipped = 0;
    for (FrozenTrial t : source.trials(from)) {
      if (t.state() != TrialState.COMPLETE && t.state() != TrialState.PRUNED) {
        continue;
      }
      Map<String, Distribution> dists = new LinkedHashMap<>();
      Map<String, Double> internal = new LinkedHashMap<>();
      boolean inside = true;
      for (var e : t.distributions().entrySet()) {
        String p = e.getKey();
        Distribution old = e.getValue();
        Distribution now = space.params().isEmpty() ? old : space.params().get(p);
        if (now == null) {
          dropped.add(p);
          continue;
        }
        if (now.getClass() != old.getClass()) {
          throw new IllegalArgumentException("Cannot warm-start study '" + to + "' from '" + from
              + "': parameter '" + p + "' is " + old + " there and " + now
              + " here. Rename the parameter in the new space, or give it the same kind.");
        }
        Double stored = t.internalParams().get(p);
        if (stored == null) {
          continue;
        }
        Object external = old.toExternal(stored);
        double v;
        try {
          v = now.toInternal(external);
        } catch (IllegalArgumentException notAChoice) {
          inside = false;
          break;
        }
        if (!now.contains(v)) {
          inside = false;
          break;
        }
        dists.put(p, now);
        internal.put(p, v);
      }
      if (inside) {
        copies.add(new Copy(t, dists, internal));
      } else {
        skipped++;
      }
    }
    return new Plan(new WarmStart(from, copies.size(), skipped, List.copyOf(dropped)), copies);
  }

  /** Copies the planned trials into the (new, empty) study. */
  static void copy(Plan plan, StudyStorage target, String study, Instant now) {
    for (Copy c : plan.copies()) {
      FrozenTrial t = c.source();
      int n = target.createTrial(study, 0, t.start().orElse(now));
      if (!c.internal().isEmpty()) {
        target.setParams(study, n, c.distributions(), c.internal());
      }
      t.intermediateValues().forEach((step, v) -> target.reportIntermediate(study, n, step, v));
      target.setTrialSystemAttr(
          study, n, ATTR_FROM, "\"" + plan.summary().from() + "#" + t.number() + "\"");
      target.finishTrial(study, n, t.state(), t.rawValue(), t.complete().orElse(now));
    }
  }

  /** Returns this summary as JSON. */
  String toJson() {
    StringBuilder b = new StringBuilder("{\"from\":")
        .append(quote(from))
        .append(",\"copied\":")
        .append(copied)
        .append(",\"skipped_outside\":")
        .append(skippedOutside)
        .append(",\"dropped_params\":[");
    for (int i = 0; i < droppedParams.size(); i++) {
      b.append(i == 0 ? "" : ",").append(quote(droppedParams.get(i)));
    }
    return b.append("]}").toString();
  }

  private static String quote(String s) {
    return tools.jackson.databind.json.JsonMapper.builder().build().writeValueAsString(s);
  }
}
