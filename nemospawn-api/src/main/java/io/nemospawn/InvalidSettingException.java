package io.nemospawn;

import java.util.List;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * An {@link IllegalArgumentException} that also names the settings that fix it, so that a tool
 * can say where each is set (the CLI, for one, adds its own flag: {@code --repo} for {@code repo}).
 * The message names the values and the settings as a Java caller knows them.
 *
 * <p>A setting is named by the {@link AgentSpec.Builder} property that sets it ({@code repo},
 * {@code command}, {@code profile}, {@code runtime}, {@code gpus}, {@code gpuCount}), of another builder ({@code
 * teamGpus} for the team's GPUs, {@code shareGpus} of a launch), or by the
 * {@link ConfigKey#key() key} of a configuration setting ({@code workspace}, {@code
 * default_profile}).
 *
 * @since 0.3
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.3")
public final class InvalidSettingException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final List<String> settings;

  /**
   * Creates one.
   *
   * @param settings the settings that fix it, most direct first; at least one
   * @param message what is wrong, with the values
   */
  public InvalidSettingException(List<String> settings, String message) {
    this(settings, message, null);
  }

  /**
   * Creates one with a cause.
   *
   * @param settings the settings that fix it, most direct first; at least one
   * @param message what is wrong, with the values
   * @param cause what went wrong underneath, or null
   */
  public InvalidSettingException(List<String> settings, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.settings = List.copyOf(settings);
    if (this.settings.isEmpty()) {
      throw new IllegalArgumentException("An InvalidSettingException names at least one setting");
    }
  }

  /** Returns the settings that fix it, most direct first. */
  public List<String> settings() {
    return settings;
  }
}
