package io.nemospawn.artifact;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apiguardian.api.API;

/**
 * The kinds of experiment artifacts.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public enum ArtifactType {
  /** A NeMo training checkpoint. */
  NEMO_CHECKPOINT,
  /** A LoRA adapter. */
  LORA_ADAPTER,
  /** A NIM container. */
  NIM_CONTAINER,
  /** A dataset. */
  DATASET,
  /** A benchmark result. */
  BENCHMARK,
  /** A reward signal for RL. */
  REWARD_SIGNAL,
  /** A configuration patch. */
  CONFIG_PATCH;

  /** Returns the name written in artifact files: {@code nemo-checkpoint}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * Parses a wire name.
   *
   * @throws IllegalArgumentException listing the seven types
   */
  public static ArtifactType parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (ArtifactType a : values()) {
      if (a.wireName().equals(t)) {
        return a;
      }
    }
    throw new IllegalArgumentException("Unknown artifact type '" + text + "'; use one of "
        + Arrays.stream(values()).map(ArtifactType::wireName).collect(Collectors.joining(", ")));
  }
}
