package io.nemospawn.artifact;

import io.nemospawn.spi.StateFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * The kind of an experiment artifact: one of the seven well-known types (the constants, written as
 * {@code nemo-checkpoint} … in artifact files) or a custom type a user names ({@link
 * #custom(String)}). Two types are equal when their {@link #wireName()}s are; {@link #of(String)}
 * and {@link #parse(String)} return the constants for the well-known names, so {@code ==} works for
 * them as it did when this was an enum.
 *
 * <pre>{@code
 * team.artifacts().register(ArtifactSpec.of(ArtifactType.NEMO_CHECKPOINT, ckpt).build());
 * team.artifacts().register(ArtifactSpec.of(ArtifactType.custom("onnx-export"), onnx).build());
 * }</pre>
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class ArtifactType {
  /** The longest custom type name. */
  public static final int MAX_LENGTH = 64;

  /** A NeMo training checkpoint. */
  public static final ArtifactType NEMO_CHECKPOINT = new ArtifactType("nemo-checkpoint");
  /** A LoRA adapter. */
  public static final ArtifactType LORA_ADAPTER = new ArtifactType("lora-adapter");
  /** A NIM container. */
  public static final ArtifactType NIM_CONTAINER = new ArtifactType("nim-container");
  /** A dataset. */
  public static final ArtifactType DATASET = new ArtifactType("dataset");
  /** A benchmark result. */
  public static final ArtifactType BENCHMARK = new ArtifactType("benchmark");
  /** A reward signal for RL. */
  public static final ArtifactType REWARD_SIGNAL = new ArtifactType("reward-signal");
  /** A configuration patch. */
  public static final ArtifactType CONFIG_PATCH = new ArtifactType("config-patch");

  private static final List<ArtifactType> WELL_KNOWN = List.of(
      NEMO_CHECKPOINT,
      LORA_ADAPTER,
      NIM_CONTAINER,
      DATASET,
      BENCHMARK,
      REWARD_SIGNAL,
      CONFIG_PATCH);

  private final String wireName;

  private ArtifactType(String wireName) {
    this.wireName = wireName;
  }

  /** Returns the seven well-known types, in the order of FORMAT.md. */
  public static List<ArtifactType> wellKnown() {
    return WELL_KNOWN;
  }

  /**
   * Parses one of the seven well-known types (any case, {@code _} for {@code -}), as {@code
   * artifact register --type} does.
   *
   * @throws IllegalArgumentException naming the value and listing the seven types; {@link
   *     #of(String)} also accepts a custom type
   */
  public static ArtifactType parse(String text) {
    ArtifactType known = find(text);
    if (known == null) {
      throw new IllegalArgumentException("Unknown artifact type '" + StateFormat.printable(text)
          + "'; use one of "
          + WELL_KNOWN.stream().map(ArtifactType::wireName).collect(Collectors.joining(", ")));
    }
    return known;
  }

  /**
   * Returns the well-known type of this name (as {@link #parse}), else the custom type of that
   * name: how records written by other tools are read.
   *
   * @throws IllegalArgumentException as {@link #custom(String)}
   */
  public static ArtifactType of(String text) {
    ArtifactType known = find(text);
    return known != null ? known : custom(text);
  }

  /**
   * Returns a custom type, written verbatim into artifact files; a well-known name gives its
   * constant.
   *
   * @param name 1-{@value #MAX_LENGTH} characters on one line, without control or bidirectional
   *     characters; surrounding spaces are dropped
   * @throws IllegalArgumentException naming the value and what is allowed
   */
  public static ArtifactType custom(String name) {
    Objects.requireNonNull(name, "name");
    String n = name.strip();
    boolean safe = n.codePoints().allMatch(cp -> StateFormat.isDisplaySafe(cp, false));
    if (n.isEmpty() || n.length() > MAX_LENGTH || !safe) {
      throw new IllegalArgumentException("Invalid artifact type '" + StateFormat.printable(name)
          + "'; a custom type is 1-" + MAX_LENGTH + " characters on one line, without control"
          + " characters");
    }
    for (ArtifactType t : WELL_KNOWN) {
      if (t.wireName.equals(n)) {
        return t;
      }
    }
    return new ArtifactType(n);
  }

  private static @Nullable ArtifactType find(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (ArtifactType a : WELL_KNOWN) {
      if (a.wireName.equals(t)) {
        return a;
      }
    }
    return null;
  }

  /** Returns the name written in artifact files: {@code nemo-checkpoint}, or the custom name. */
  public String wireName() {
    return wireName;
  }

  /** Returns whether this is one of the seven well-known types. */
  public boolean isWellKnown() {
    return WELL_KNOWN.contains(this);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ArtifactType t && t.wireName.equals(wireName);
  }

  @Override
  public int hashCode() {
    return wireName.hashCode();
  }

  /** Returns the {@link #wireName()}. */
  @Override
  public String toString() {
    return wireName;
  }
}
