package io.nemospawn.spi;

import org.apiguardian.api.API;

/**
 * Finds a {@link MessageTransport} through {@link java.util.ServiceLoader}; the {@code
 * nemospawn-transport} module provides one per {@link TransportKind}.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface TransportProvider {
  /** Returns the kind this provider opens. */
  TransportKind kind();

  /** Returns whether the transport can work on this machine (for example, a writable ring dir). */
  boolean isAvailable();

  /** Opens the transport for the context's team. */
  MessageTransport open(TransportContext context);
}
