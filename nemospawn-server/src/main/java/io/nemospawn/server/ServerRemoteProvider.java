package io.nemospawn.server;

import io.nemospawn.NemoSpawn;
import io.nemospawn.spi.RemoteProvider;
import java.net.URI;
import org.apiguardian.api.API;

/**
 * The {@link RemoteProvider} of this module: {@link NemoSpawn#connect} finds it through {@link
 * java.util.ServiceLoader}.
 *
 * @since 0.1
 */
@API(status = API.Status.INTERNAL, since = "0.1")
public final class ServerRemoteProvider implements RemoteProvider {
  /** For the service loader. */
  public ServerRemoteProvider() {}

  @Override
  public NemoSpawn connect(URI url, String key) {
    return RemoteNemoSpawn.connect(url, key);
  }
}
