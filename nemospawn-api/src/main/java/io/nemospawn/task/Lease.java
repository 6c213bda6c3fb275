package io.nemospawn.task;

import java.time.Instant;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * A claim on a running task: who holds it and until when. A holder that stops renewing loses it
 * and the task returns to {@code pending}.
 *
 * @param owner the agent holding the claim
 * @param expiresAt when the claim ends unless renewed
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record Lease(String owner, Instant expiresAt) {
  private static final Lease NONE = new Lease("", Instant.EPOCH);

  /** Validates. */
  public Lease {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }

  /** Returns the null lease: no claim. */
  public static Lease none() {
    return NONE;
  }

  /** Returns whether this is a real claim. */
  public boolean isPresent() {
    return !owner.isEmpty();
  }

  /** Returns whether the claim has ended at {@code now}. */
  public boolean isExpired(Instant now) {
    return isPresent() && !now.isBefore(expiresAt);
  }
}
