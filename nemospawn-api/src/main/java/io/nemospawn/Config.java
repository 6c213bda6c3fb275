package io.nemospawn;

import java.util.List;
import org.apiguardian.api.API;

/**
 * The three-tier configuration of a data directory: environment, then {@code config.json}, then
 * defaults. Thread-safe; every call reads the current file.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface Config {
  /** Returns the effective value of a key and where it came from. */
  Value get(ConfigKey key);

  /** Returns the effective value of every key. */
  List<Value> all();

  /**
   * Writes a key to {@code config.json}. The environment still wins where it sets the key.
   *
   * @throws IllegalArgumentException when the value is not valid for the key
   */
  void set(ConfigKey key, String value);

  /** Removes a key from {@code config.json}, so the default applies again. */
  void unset(ConfigKey key);

  /** Runs the health checks: data dir writable, tools present, config valid … */
  List<HealthCheck> health();

  /** Where a value came from. */
  enum Source {
    /** From the {@code NEMOSPAWN_*} environment variable. */
    ENV,
    /** From {@code config.json}. */
    FILE,
    /** The built-in default. */
    DEFAULT
  }

  /**
   * An effective value.
   *
   * @param key the key
   * @param value the value
   * @param source where it came from
   */
  record Value(ConfigKey key, String value, Source source) {}

  /**
   * One health check's outcome.
   *
   * @param name what was checked
   * @param ok whether it passed
   * @param detail what was found, or what to do
   */
  record HealthCheck(String name, boolean ok, String detail) {}
}
