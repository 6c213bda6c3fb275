package io.nemospawn.hpo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * A choice among strings, numbers, booleans or {@code null} (Optuna allows the same). The internal
 * value is the index of the choice.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record CategoricalDistribution(List<Object> choices) implements Distribution {

  /** Copies the choices (which may hold {@code null}) and checks there is at least one. */
  public CategoricalDistribution {
    Objects.requireNonNull(choices, "choices");
    if (choices.isEmpty()) {
      throw new IllegalArgumentException("A categorical distribution needs at least one choice.");
    }
    for (Object c : choices) {
      if (c != null
          && !(c instanceof String)
          && !(c instanceof Number)
          && !(c instanceof Boolean)) {
        throw new IllegalArgumentException("Choice " + c + " of type "
            + c.getClass().getName() + " is not allowed: use strings, numbers, booleans or null.");
      }
    }
    choices = Collections.unmodifiableList(new ArrayList<>(choices));
  }

  /** Returns a distribution over the given choices. */
  public static CategoricalDistribution of(Object... choices) {
    return new CategoricalDistribution(java.util.Arrays.asList(choices));
  }

  @Override
  public double toInternal(Object value) {
    for (int i = 0; i < choices.size(); i++) {
      Object c = choices.get(i);
      if (Objects.equals(c, value)
          || (c instanceof Number a
              && value instanceof Number b
              && a.doubleValue() == b.doubleValue())) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "Value " + value + " is not one of the choices " + choices + ".");
  }

  @Override
  public Object toExternal(double internal) {
    return choices.get((int) internal);
  }

  @Override
  public boolean contains(double v) {
    return v >= 0 && v < choices.size() && v == Math.rint(v);
  }

  @Override
  public boolean isSingle() {
    return choices.size() == 1;
  }
}
