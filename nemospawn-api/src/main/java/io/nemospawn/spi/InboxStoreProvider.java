package io.nemospawn.spi;

import org.apiguardian.api.API;

/**
 * Opens an {@link InboxStore}; found through {@link java.util.ServiceLoader}. The {@code
 * nemospawn-transport} module provides it.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface InboxStoreProvider {
  /** Opens the store of the context's team. */
  InboxStore open(TransportContext context);
}
