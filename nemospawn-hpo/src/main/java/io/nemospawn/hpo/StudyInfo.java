package io.nemospawn.hpo;

import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * What a storage knows about a study besides its trials: name, direction and user attributes
 * (JSON values).
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record StudyInfo(String name, Direction direction, Map<String, String> userAttrs) {
  /** Validates and copies. */
  public StudyInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(direction, "direction");
    userAttrs = Map.copyOf(userAttrs);
  }
}
