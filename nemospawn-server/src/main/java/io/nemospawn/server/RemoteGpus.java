package io.nemospawn.server;

import io.nemospawn.NemoSpawn;
import io.nemospawn.topology.GpuSnapshot;
import io.nemospawn.topology.GpuTopology;
import org.apiguardian.api.API;
import tools.jackson.databind.JsonNode;

/**
 * The GPUs of a control plane's machine over {@code nemospawn.v1}: what {@code
 * GpuTopology.detect()} and {@code GpuSnapshot.take(..)} answer there. A team's GPUs are read with
 * {@code team.topology()} and {@code team.snapshotGpus()} of the connected library.
 *
 * @since 0.2
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.2")
public final class RemoteGpus {
  private final Client client;

  private RemoteGpus(Client client) {
    this.client = client;
  }

  /**
   * The GPU calls of a connected library.
   *
   * @param remote what {@link NemoSpawn#connect} returned
   * @throws IllegalArgumentException when {@code remote} is a local library
   */
  public static RemoteGpus of(NemoSpawn remote) {
    if (remote instanceof RemoteNemoSpawn r) {
      return new RemoteGpus(r.client());
    }
    throw new IllegalArgumentException(remote + " is not connected to a control plane; use"
        + " GpuTopology.detect() and GpuSnapshot.take(..) on this machine instead");
  }

  /** The server machine's GPUs and links (with the probe that found them, and its warnings). */
  public GpuTopology topology() {
    JsonNode v =
        client.call("gpu.topology", Wire.MAPPER.createObjectNode(), Client.DEFAULT_TIMEOUT);
    return RemoteNemoSpawn.topology(v);
  }

  /** The server machine's GPU metrics now (not saved anywhere). */
  public GpuSnapshot snapshot() {
    JsonNode v =
        client.call("gpu.snapshot", Wire.MAPPER.createObjectNode(), Client.DEFAULT_TIMEOUT);
    return Wire.MAPPER.readValue(Wire.MAPPER.treeAsTokens(v), GpuSnapshot.class);
  }
}
