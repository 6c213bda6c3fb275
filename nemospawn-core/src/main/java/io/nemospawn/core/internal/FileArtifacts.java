package io.nemospawn.core.internal;

import io.nemospawn.Listing;
import io.nemospawn.Remedied;
import io.nemospawn.StateException;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.artifact.Artifacts;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.internal.state.StateLock;
import io.nemospawn.spi.StateFormat;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Artifacts in {@code artifacts/<artifact_id>.json}. Promotion holds the team's {@code artifacts}
 * lock while it un-promotes the previous holder of the type and promotes the new one, so at most
 * one artifact per team and type is promoted, whatever the number of processes. Thread-safe.
 */
public final class FileArtifacts implements Artifacts {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(FileArtifacts.class);
  static final String SUB = "artifacts";

  /** Lowest validation loss first, unknown last, then oldest first. */
  static final Comparator<Artifact> BY_VAL_LOSS = Comparator.<Artifact>comparingDouble(
          a -> Double.isNaN(a.valLoss()) ? Double.POSITIVE_INFINITY : a.valLoss())
      .thenComparing(a -> Double.isNaN(a.valLoss()))
      .thenComparing(Artifact::createdAt)
      .thenComparing(Artifact::id);

  static final Comparator<Artifact> BY_TIME =
      Comparator.comparing(Artifact::createdAt).thenComparing(Artifact::id);

  private final TeamContext ctx;

  public FileArtifacts(TeamContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Artifact register(ArtifactSpec spec) {
    Objects.requireNonNull(spec, "spec");
    if (!spec.agentId().isEmpty()) {
      StateFormat.requireId("agent", spec.agentId());
    }
    if (Double.isInfinite(spec.valLoss())) {
      throw new IllegalArgumentException(
          "Invalid val_loss " + spec.valLoss() + "; use a finite number or leave it unset");
    }
    String hash = spec.nemoConfigHash();
    if (hash.isEmpty() && spec.type().equals(ArtifactType.NEMO_CHECKPOINT)) {
      hash = nemoConfigHash(spec.path());
    }
    String configHash = hash;
    Instant now = ctx.now();
    String id = ctx.store()
        .createWithFreshId(
            () -> StateFormat.newId("art"),
            this::file,
            i -> encode(
                Json.object(),
                new Artifact(
                    i,
                    ctx.teamId(),
                    spec.type(),
                    spec.path().toString(),
                    spec.agentId(),
                    spec.valLoss(),
                    spec.metrics(),
                    configHash,
                    false,
                    spec.tags(),
                    now)));
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("artifact_id", id);
    details.put("artifact_type", spec.type().wireName());
    details.put("path", spec.path().toString());
    if (!Double.isNaN(spec.valLoss())) {
      details.put("val_loss", spec.valLoss());
    }
    ctx.audit("artifact.register", spec.agentId(), details);
    return get(id);
  }

  /**
   * Returns NemoSpawn 1.0's {@code nemo_config_hash} of a checkpoint file: the first 16 hex
   * digits of the SHA-256 of its first MiB. Empty for a path that is no readable regular file
   * here (a directory, or one on another machine).
   */
  static String nemoConfigHash(Path path) {
    if (!java.nio.file.Files.isRegularFile(path)) {
      return "";
    }
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(path)) {
      byte[] head = in.readNBytes(1 << 20);
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(head);
      return java.util.HexFormat.of().formatHex(digest).substring(0, 16);
    } catch (java.io.IOException e) {
      log.warn(
          "Cannot read {} to hash its NeMo config ({}); nemo_config_hash stays empty",
          path,
          e.toString());
      return "";
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("This JVM has no SHA-256", e);
    }
  }

  @Override
  public Artifact get(String artifactId) {
    return find(artifactId).orElseThrow(() -> {
      List<Artifact> all = all().items();
      String message = "No artifact '" + StateFormat.printable(artifactId) + "' in team "
          + ctx.teamId() + "; artifacts: " + ids(all);
      return all.isEmpty()
          ? new Remedied.NotFound(
              Remedied.Remedy.of(Remedied.Action.REGISTER_ARTIFACT, artifactId, ctx.teamId()),
              message)
          : new NoSuchElementException(message);
    });
  }

  @Override
  public Optional<Artifact> find(String artifactId) {
    Objects.requireNonNull(artifactId, "artifactId");
    if (!StateFormat.isValidId(artifactId)) {
      return Optional.empty();
    }
    Path f = file(artifactId);
    return ctx.store().readIfExists(f).map(n -> {
      try {
        return decode(n);
      } catch (IllegalArgumentException e) {
        throw new StateException(f, "Cannot read " + f + ": " + e.getMessage(), e);
      }
    });
  }

  @Override
  public Artifact promote(String artifactId) {
    Artifact promoted;
    List<String> demoted = new ArrayList<>();
    try (StateLock lock = ctx.lock(SUB)) {
      Artifact target = get(artifactId);
      // Un-promote the previous holders first: a crash in between leaves none promoted, never two.
      for (Artifact a : all().items()) {
        if (a.promoted() && a.type().equals(target.type()) && !a.id().equals(target.id())) {
          setPromoted(a, false);
          demoted.add(a.id());
        }
      }
      promoted = target.promoted() ? target : setPromoted(target, true);
    }
    ctx.audit(
        "artifact.promote",
        promoted.agentId(),
        Map.of(
            "artifact_id",
            promoted.id(),
            "artifact_type",
            promoted.type().wireName(),
            "demoted",
            demoted));
    return promoted;
  }

  private Artifact setPromoted(Artifact a, boolean promoted) {
    Path f = file(a.id());
    ObjectNode node = ctx.store().read(f);
    node.put("promoted", promoted);
    ctx.store().write(f, node);
    return decode(node);
  }

  private Listing<Artifact> all() {
    return ctx.store().list(ctx.sub(SUB), FileArtifacts::decode, BY_TIME);
  }

  @Override
  public Listing<Artifact> list(Query query) {
    Objects.requireNonNull(query, "query");
    Listing<Artifact> all = all();
    var stream = all.items().stream()
        .filter(a -> query.type() == null || a.type().equals(query.type()))
        .filter(a -> query.agentId().isEmpty() || a.agentId().equals(query.agentId()))
        .filter(a -> query.tag().isEmpty() || a.tags().contains(query.tag()))
        .filter(a -> !query.promotedOnly() || a.promoted())
        .sorted(query.sort() == Sort.VAL_LOSS ? BY_VAL_LOSS : BY_TIME);
    if (query.limit() > 0) {
      stream = stream.limit(query.limit());
    }
    return new Listing<>(stream.toList(), all.problems());
  }

  @Override
  public Optional<Artifact> promoted(ArtifactType type) {
    Objects.requireNonNull(type, "type");
    // A state dir written by a tool without locks may hold several; the newest wins.
    return all().items().stream()
        .filter(a -> a.type().equals(type) && a.promoted())
        .max(BY_TIME);
  }

  @Override
  public Optional<Artifact> best(ArtifactType type) {
    Objects.requireNonNull(type, "type");
    return all().items().stream()
        .filter(a -> a.type().equals(type) && !Double.isNaN(a.valLoss()))
        .min(BY_VAL_LOSS);
  }

  private Path file(String id) {
    return ctx.layout().record(ctx.teamId(), SUB, id);
  }

  private static String ids(List<Artifact> all) {
    return all.isEmpty()
        ? "none (register one with Artifacts.register)"
        : all.stream().map(Artifact::id).collect(Collectors.joining(", "));
  }

  /** Decodes an artifact record (FORMAT.md). */
  static Artifact decode(ObjectNode n) {
    JsonNode vl = n.get("val_loss");
    double valLoss;
    if (vl == null || vl.isNull()) {
      valLoss = Double.NaN;
    } else if (vl.isNumber()) {
      valLoss = vl.asDouble();
    } else {
      throw new IllegalArgumentException(
          "field 'val_loss' must be a number or null, found " + vl.getNodeType());
    }
    JsonNode promoted = n.get("promoted");
    return new Artifact(
        Json.text(n, "artifact_id"),
        Json.text(n, "team_id"),
        ArtifactType.of(Json.text(n, "artifact_type")),
        Json.text(n, "path"),
        Json.text(n, "agent_id", ""),
        valLoss,
        Json.toMap(n.get("metrics")),
        Json.text(n, "nemo_config_hash", ""),
        promoted != null && promoted.asBoolean(false),
        Json.strings(n, "tags"),
        Json.instant(n, "created_at", Instant.EPOCH));
  }

  /** Encodes the artifact fields into {@code n}, keeping fields other tools added. */
  static ObjectNode encode(ObjectNode n, Artifact a) {
    n.put("artifact_id", a.id());
    n.put("team_id", a.teamId());
    n.put("artifact_type", a.type().wireName());
    n.put("path", a.path());
    n.put("agent_id", a.agentId());
    if (Double.isNaN(a.valLoss())) {
      n.putNull("val_loss");
    } else {
      n.put("val_loss", a.valLoss());
    }
    n.set("metrics", Json.toNode(a.metrics()));
    n.put("nemo_config_hash", a.nemoConfigHash());
    n.put("promoted", a.promoted());
    ArrayNode tags = n.putArray("tags");
    a.tags().forEach(tags::add);
    Json.put(n, "created_at", a.createdAt());
    return n;
  }
}
