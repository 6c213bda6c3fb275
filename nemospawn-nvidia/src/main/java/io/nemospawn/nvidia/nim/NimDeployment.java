package io.nemospawn.nvidia.nim;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * A recorded NIM deployment, {@code <team>/nim/<endpoint_id>.json} (NemoSpawn 1.0's record plus
 * {@code runtime}, {@code pid}, {@code error} and {@code stopped_at}; see docs/state-format.md).
 *
 * @param endpointId {@code nim-<8 hex>}
 * @param teamId the team
 * @param artifactId the deployed artifact
 * @param containerImage the image run ({@code local} for a {@link LocalModelServer})
 * @param endpointUrl {@code http://127.0.0.1:PORT}
 * @param tpDegree tensor-parallel degree
 * @param profile the NIM profile
 * @param status {@code starting}, {@code running}, {@code unhealthy}, {@code stopped} or {@code
 *     failed}
 * @param containerId the engine's container id, empty until it started (or for a local server)
 * @param port the host port
 * @param gpuIds the GPUs given to it
 * @param createdAt when it was recorded
 * @param runtime {@code docker}, {@code podman} or {@code local}
 * @param pid the serving process of a local deployment, 0 otherwise
 * @param error why it failed, empty otherwise
 * @param metrics free-form figures
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record NimDeployment(
    String endpointId,
    String teamId,
    String artifactId,
    String containerImage,
    String endpointUrl,
    int tpDegree,
    String profile,
    String status,
    String containerId,
    int port,
    List<Integer> gpuIds,
    Instant createdAt,
    String runtime,
    long pid,
    String error,
    Map<String, Object> metrics) {

  /** The statuses a record can have. */
  public static final List<String> STATUSES =
      List.of("starting", "running", "unhealthy", "stopped", "failed");

  /** Validates the parts. */
  public NimDeployment {
    Objects.requireNonNull(endpointId, "endpointId");
    gpuIds = List.copyOf(gpuIds);
    metrics = Map.copyOf(metrics);
    if (!STATUSES.contains(status)) {
      throw new IllegalArgumentException(
          "Invalid deployment status '" + status + "'; one of " + STATUSES);
    }
  }

  /** Returns a copy with the status and error. */
  public NimDeployment with(String newStatus, String newError) {
    return new NimDeployment(
        endpointId,
        teamId,
        artifactId,
        containerImage,
        endpointUrl,
        tpDegree,
        profile,
        newStatus,
        containerId,
        port,
        gpuIds,
        createdAt,
        runtime,
        pid,
        newError,
        metrics);
  }

  /** Returns a copy with the container id. */
  public NimDeployment withContainer(String id) {
    return new NimDeployment(
        endpointId,
        teamId,
        artifactId,
        containerImage,
        endpointUrl,
        tpDegree,
        profile,
        status,
        id,
        port,
        gpuIds,
        createdAt,
        runtime,
        pid,
        error,
        metrics);
  }

  /** Returns whether it is meant to be serving (starting or running). */
  public boolean active() {
    return status.equals("starting") || status.equals("running") || status.equals("unhealthy");
  }
}
