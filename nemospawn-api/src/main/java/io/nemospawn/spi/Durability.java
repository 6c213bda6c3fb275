package io.nemospawn.spi;

import org.apiguardian.api.API;

/**
 * How hard state writes push data to disk.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public enum Durability {
  /** Force the file and its directory before a write returns: survives power loss. Default. */
  FSYNC,
  /** Rename atomically but do not force: survives a killed process, not a power loss. */
  NONE;

  /** Parses {@code fsync} or {@code none} (any case), as in the {@code durability} setting. */
  public static Durability parse(String text) {
    for (Durability d : values()) {
      if (d.name().equalsIgnoreCase(text.trim())) {
        return d;
      }
    }
    throw new IllegalArgumentException(
        "Unknown durability '" + StateFormat.printable(text) + "'; use fsync or none");
  }
}
