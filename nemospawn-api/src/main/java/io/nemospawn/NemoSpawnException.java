package io.nemospawn;

import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Base of the exceptions NemoSpawn raises when the environment fails: a state directory that is
 * corrupt or locked, an agent that cannot start, a GPU that is taken, a transport that cannot
 * reach its peer. Misuse of the API raises the JDK's exceptions instead ({@link
 * NullPointerException}, {@link IllegalArgumentException}, {@link IllegalStateException}, {@link
 * java.util.NoSuchElementException}).
 *
 * <p>Users catch it, never extend it. Messages say what failed, quote the value and give the
 * reason.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public abstract sealed class NemoSpawnException extends RuntimeException
    permits AccessDeniedException,
        AgentLaunchException,
        GpuUnavailableException,
        MergeConflictException,
        StateException,
        TaskFailedException,
        TransportException {
  private static final long serialVersionUID = 1L;

  NemoSpawnException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
