package io.nemospawn.board.metrics;

import org.apiguardian.api.API;

/**
 * Grafana could not be reached or refused the dashboard. The message names the URL and Grafana's
 * reason, never the API key.
 *
 * @since 0.3
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.3")
public final class GrafanaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public GrafanaException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Creates the exception. */
  public GrafanaException(String message) {
    super(message);
  }
}
