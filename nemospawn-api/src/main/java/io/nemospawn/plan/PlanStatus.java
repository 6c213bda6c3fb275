package io.nemospawn.plan;

import java.util.Locale;
import org.apiguardian.api.API;

/**
 * The review status of a plan.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public enum PlanStatus {
  /** Waiting for review. */
  PENDING,
  /** Approved by a reviewer. */
  APPROVED,
  /** Rejected by a reviewer. */
  REJECTED;

  /** Returns the name written in plan files. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a wire name.
   *
   * @throws IllegalArgumentException listing the valid names
   */
  public static PlanStatus parse(String text) {
    for (PlanStatus s : values()) {
      if (s.wireName().equalsIgnoreCase(text.trim())) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "Unknown plan status '" + text + "'; use one of pending, approved, rejected");
  }
}
