package io.nemospawn.spi;

import io.nemospawn.NemoSpawn;
import java.net.URI;
import org.apiguardian.api.API;

/**
 * Connects to a NemoSpawn control plane, found through {@link java.util.ServiceLoader} by {@link
 * NemoSpawn#connect(URI, String)} (implemented by {@code nemospawn-server}'s client).
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public interface RemoteProvider {
  /**
   * Connects and authenticates.
   *
   * @param url {@code tcp://host:port}
   * @param key the access key (never put one on a command line)
   * @return the remote library; closing it closes the connection
   */
  NemoSpawn connect(URI url, String key);
}
